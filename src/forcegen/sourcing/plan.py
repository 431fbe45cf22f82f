"""A sourcing plan: what fills what, what is missing and why, and who carries the burden.

``Plan.to_dict()`` is the JSON the CLI prints with ``--json`` (field names from the spec) and
``Plan.from_dict`` reads it back, so plans saved to files can be compared later.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Assignment", "LineFill", "NationBurden", "Plan", "Reason", "Shortfall"]


@dataclass(frozen=True)
class Assignment:
    pledge: str
    requirement: str
    units: int
    nation: str
    personnel: int
    cost: float


@dataclass(frozen=True)
class Reason:
    """Why a line is short. ``code`` is one of: no-offer, withdrawn, nation-withdrawn,
    not-ready, caveat, not-approved, ceiling, taken, unused."""

    code: str
    message: str
    pledges: list[str] = field(default_factory=list)
    nations: list[str] = field(default_factory=list)
    units: int = 0  # units these pledges could add if the cause were removed
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Shortfall:
    requirement: str
    missing: int
    capability: str
    sector: str
    priority: int
    reasons: list[Reason]


@dataclass(frozen=True)
class LineFill:
    requirement: str
    capability: str
    category: str
    sector: str
    priority: int
    quantity: int
    filled: int


@dataclass(frozen=True)
class NationBurden:
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
        return sum(line.quantity for line in self.lines)

    @property
    def fill_rate(self) -> float:
        return self.fill / self.required if self.required else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "input_hash": self.input_hash,
            "status": self.status,
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
            "assignments": [asdict(a) for a in self.assignments],
            "shortfalls": [asdict(s) for s in self.shortfalls],
            "lines": [asdict(line) for line in self.lines],
            "burden": [asdict(b) for b in self.burden],
            "options": self.options,
            "seconds": self.seconds,
            "solver": self.solver,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Plan:
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
