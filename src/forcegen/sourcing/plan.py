"""A sourcing plan: what fills what, what is missing and why, and who carries the burden.

``Plan.to_dict()`` is the JSON the CLI prints with ``--json`` (field names from the spec) and
``Plan.from_dict`` reads it back, so plans saved to files can be compared later.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "TIE_BREAK",
    "Assignment",
    "LineFill",
    "NationBurden",
    "Plan",
    "Reason",
    "Shortfall",
    "status_text",
]


#: Name of the last stage, which chooses among equally good plans (not part of the status).
TIE_BREAK = "tie-break"


def status_text(status: str, stages: list[dict[str, Any]], currency: str = "") -> str:
    """"proven best", or what the first stage without proof could still gain.

    Only the first unproven stage is named: a later stage's bound assumes the earlier stages at
    the values found, so it bounds nothing once an earlier stage could still improve.
    """
    if status == "optimal" and stages:
        return "proven best"
    if not stages:
        return "heuristic plan (greedy), nothing proven"
    for st in stages:
        if st.get("status") == "optimal" or st.get("name") == TIE_BREAK:
            continue
        value, bound = float(st.get("value") or 0.0), st.get("bound")
        why = " (time ran out before this stage)" if st.get("status") == "not-run" else ""
        if st.get("sense") == "max":
            level = str(st.get("name", "")).removeprefix("priority ")
            if bound is None:
                return f"best found; no bound on the fill at priority {level}{why}"
            more = max(0, round(float(bound) - value))
            unit = "unit" if more == 1 else "units"
            return (f"best found; at most {more} more {unit} could be filled "
                    f"at priority {level}{why}")
        if bound is None:
            return f"fills proven best; cost not proven{why}"
        above = max(0.0, value - float(bound))
        return (f"fills proven best; cost at most {above:,.0f} {currency} above the cheapest "
                f"plan{why}").replace("  ", " ")
    return "best found"



@dataclass(frozen=True)
class Assignment:
    """Units of a pledge sent to a requirement line, with their personnel and cost."""

    pledge: str
    requirement: str
    units: int
    nation: str
    personnel: int
    cost: float


@dataclass(frozen=True)
class Reason:
    """Why a line is short, with the pledges and nations behind the cause.

    ``code`` is one of: no-offer, withdrawn, nation-withdrawn, not-ready, caveat,
    not-certified, not-approved, ceiling, taken, unused.
    """

    code: str
    message: str
    pledges: list[str] = field(default_factory=list)
    nations: list[str] = field(default_factory=list)
    units: int = 0  # units these pledges could add if the cause were removed
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Shortfall:
    """A line the plan leaves short: how many units are missing, and every reason why."""

    requirement: str
    missing: int
    capability: str
    sector: str
    priority: int
    reasons: list[Reason]


@dataclass(frozen=True)
class LineFill:
    """A requirement line and the units the plan fills it with."""

    requirement: str
    capability: str
    category: str
    sector: str
    priority: int
    quantity: int
    filled: int


@dataclass(frozen=True)
class NationBurden:
    """What a nation contributes to the plan: units, personnel, cost, share of personnel."""

    nation: str
    units: int
    personnel: int
    cost: float
    share: float  # share of the sourced force's personnel


@dataclass
class Plan:
    """The result of a sourcing run."""

    scenario: str
    input_hash: str
    status: str  # optimal | feasible | infeasible | error
    method: str
    fill: int
    fill_by_priority: dict[int, int]
    cost: float
    currency: str
    gap: float
    stages: list[dict[str, Any]]
    assignments: list[Assignment]
    shortfalls: list[Shortfall]
    lines: list[LineFill]
    burden: list[NationBurden]
    options: dict[str, Any]
    seconds: dict[str, float]
    solver: str

    @property
    def required(self) -> int:
        """Units asked for on every line."""
        return sum(line.quantity for line in self.lines)

    @property
    def fill_rate(self) -> float:
        """Share of the units asked for that the plan fills (1 when nothing is asked)."""
        return self.fill / self.required if self.required else 1.0

    @property
    def status_text(self) -> str:
        """The status in words a staff officer reads: what is proven and what could be missed."""
        return status_text(self.status, self.stages, self.currency)

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable form (``--json``, and what the workspace stores)."""
        return {
            "scenario": self.scenario,
            "input_hash": self.input_hash,
            "status": self.status,
            "status_text": self.status_text,
            "method": self.method,
            "objective": {
                "fill": self.fill,
                "fill_by_priority": {str(k): v for k, v in sorted(self.fill_by_priority.items())},
                "cost": self.cost,
            },
            "gap": self.gap,
            "required": self.required,
            "fill_rate": self.fill_rate,
            "currency": self.currency,
            "stages": self.stages,
            # Flat records (scalar fields only) copy their attribute dict: dataclasses.asdict
            # deep-copies every value, 0.1-0.2 s for a plan of a few thousand assignments.
            "assignments": [dict(vars(a)) for a in self.assignments],
            "shortfalls": [asdict(s) for s in self.shortfalls],
            "lines": [dict(vars(line)) for line in self.lines],
            "burden": [dict(vars(b)) for b in self.burden],
            "options": self.options,
            "seconds": self.seconds,
            "solver": self.solver,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Plan:
        """The plan of :meth:`to_dict`."""
        obj = d["objective"]
        return cls(
            scenario=d.get("scenario", ""),
            input_hash=d.get("input_hash", ""),
            status=d["status"],
            method=d.get("method", ""),
            fill=int(obj["fill"]),
            fill_by_priority={int(k): int(v) for k, v in obj.get("fill_by_priority", {}).items()},
            cost=float(obj["cost"]),
            currency=d.get("currency", ""),
            gap=float(d.get("gap", 0.0)),
            stages=list(d.get("stages", [])),
            assignments=[Assignment(**a) for a in d["assignments"]],
            shortfalls=[
                Shortfall(**{**s, "reasons": [Reason(**r) for r in s["reasons"]]})
                for s in d["shortfalls"]
            ],
            lines=[LineFill(**x) for x in d.get("lines", [])],
            burden=[NationBurden(**b) for b in d.get("burden", [])],
            options=dict(d.get("options", {})),
            seconds=dict(d.get("seconds", {})),
            solver=d.get("solver", ""),
        )
