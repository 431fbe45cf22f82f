"""What-if: "schedule this exercise earlier" and the requirement lines it unlocks."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from forcegen.exceptions import OptionError
from forcegen.exercises.model import Programme

__all__ = ["compare_lines", "ending_by"]


def ending_by(prog: Programme, deadlines: dict[str, dt.date]) -> Programme:
    """The programme with each named exercise's window closing by the given day.

    Each is held whenever it can be (its value raised above all others together; compare
    values with :func:`compare_lines`, which counts the original ones).

    Raises
    ------
    forcegen.exceptions.OptionError
        For an unknown exercise, or a day that leaves its window shorter than the exercise.
    """
    known = {e.id: e for e in prog.exercises}
    out = []
    above_all = sum(e.value for e in prog.exercises) + 1
    for ex_id, day in deadlines.items():
        if ex_id not in known:
            raise OptionError(f"{{deadlines}} {ex_id}={day}: unknown exercise {ex_id!r}; expected "
                              f"one of: {', '.join(sorted(known))}", "deadlines")
    for e in prog.exercises:
        if e.id in deadlines:
            end = min(e.window[1], deadlines[e.id])
            e = e.model_copy(update={"window": (e.window[0], end), "value": above_all})
            lo, hi = dataclasses.replace(prog, exercises=[e]).start_weeks(e)
            if hi < max(lo, 0):
                raise OptionError(f"{{deadlines}} {e.id}={deadlines[e.id]}: its window would open "
                                  f"{e.window[0]} and close {end}, shorter than its "
                                  f"{e.weeks} week(s)", "deadlines")
        out.append(e)
    return dataclasses.replace(prog, exercises=out)


def compare_lines(base: dict[str, Any], alt: dict[str, Any]) -> dict[str, Any]:
    """Lines unlocked and lost between two programmes, and the change in value held.

    Lines certified in time in ``alt`` but not in ``base`` are unlocked, the reverse lost
    (``base`` and ``alt`` are two ``ExerciseResult.to_dict()`` documents).
    """
    was = {x["requirement"] for x in base["lines"] if x["certified_in_time"]}
    now = {x["requirement"] for x in alt["lines"] if x["certified_in_time"]}
    held = {e["id"]: e for e in alt["exercises"]}
    worth = {e["id"]: e["value"] for e in base["exercises"]}
    value = sum(worth[i] for i, e in held.items() if e["held"])
    return {"unlocked": sorted(now - was), "lost": sorted(was - now),
            "value": value, "value_change": value - base["value"],
            "status": alt["status"],
            "exercises": [{"id": i, "held": e["held"], "end": e.get("end")}
                          for i, e in sorted(held.items())]}
