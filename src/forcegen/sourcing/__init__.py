"""Force sourcing: match pledges to the statement of requirements, exactly."""

from forcegen.sourcing.compare import PlanDiff, compare_plans
from forcegen.sourcing.options import SourcingOptions
from forcegen.sourcing.plan import Assignment, LineFill, NationBurden, Plan, Reason, Shortfall
from forcegen.sourcing.solver import Sourcer, solve

__all__ = [
    "Assignment",
    "LineFill",
    "NationBurden",
    "Plan",
    "PlanDiff",
    "Reason",
    "Shortfall",
    "Sourcer",
    "SourcingOptions",
    "compare_plans",
    "solve",
]
