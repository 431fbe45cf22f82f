"""Progress of a sourcing run as structured stage events.

The solver reports where it is as a :class:`Stage` with a fraction done, never as free text to
be parsed: the CLI's progress bar and the workspace's run record read the same events. The
fraction of a run never goes back (:class:`ProgressTracker` holds the highest so far), and the
last event of every solve is :attr:`Stage.DONE` at 1.0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

__all__ = ["Progress", "ProgressEvent", "ProgressTracker", "Stage"]


class Stage(Enum):
    """What a sourcing run is doing, with its label and the fraction done when it starts.

    Fractions follow the order of the default (``auto``) method: compile, LP relaxation,
    rounding, cost gap, full MILP, tie-break, explanations. A stage that comes later
    than its fraction says (the greedy fallback after an LP that ran out of time) keeps the
    fraction already reached.
    """

    READ = ("reading the data", 0.0)
    COMPILE = ("compiling the model", 0.05)
    GREEDY = ("greedy baseline", 0.1)
    RELAX = ("LP relaxation", 0.15)
    ROUND = ("rounding", 0.4)
    COST = ("closing the cost gap", 0.5)
    MILP = ("lexicographic MILP", 0.6)
    TIE_BREAK = ("tie-break", 0.8)
    EXPLAIN = ("explaining shortfalls", 0.9)
    WHAT_IF = ("what-if re-solves", 0.0)
    DONE = ("done", 1.0)

    @property
    def label(self) -> str:
        """Words for a person (the run page, the progress bar)."""
        return self.value[0]

    @property
    def fraction(self) -> float:
        """Fraction of the run done when this stage starts."""
        return float(self.value[1])


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One step: the stage, the fraction of the whole run done (0..1) and a detail line."""

    stage: Stage
    fraction: float
    detail: str = ""

    @property
    def text(self) -> str:
        """``"LP relaxation: over 1,234 pairs"``, the stage label alone when no detail."""
        return f"{self.stage.label}: {self.detail}" if self.detail else self.stage.label


#: A callback that receives each event as it happens.
Progress = Callable[[ProgressEvent], None]


class ProgressTracker:
    """Sends events to a callback, keeping their fraction non-decreasing.

    Parameters
    ----------
    callback
        Receives every event; ``None`` drops them.
    """

    def __init__(self, callback: Progress | None) -> None:
        self._callback = callback
        self._fraction = 0.0

    def reset(self) -> None:
        """Start a new solve (a what-if on the same compiled model): fraction back to 0."""
        self._fraction = 0.0

    def emit(self, stage: Stage, detail: str = "", fraction: float | None = None) -> None:
        """Report ``stage`` (at ``fraction``, default the stage's own), never below the last."""
        want = stage.fraction if fraction is None else min(max(fraction, 0.0), 1.0)
        self._fraction = max(self._fraction, want)
        if self._callback is not None:
            self._callback(ProgressEvent(stage, self._fraction, detail))
