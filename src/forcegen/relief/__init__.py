"""Disaster relief: requests, offers and the fastest help, on the sourcing engine's model style.

Read a scenario's ``relief:`` section with :func:`load_relief` (what-ifs: closed airfields or
ports, withdrawn offers), then match it with :func:`plan_relief`. Offer statuses follow
:mod:`forcegen.relief.status` (``offered -> committed -> in-transit -> delivered | released``);
:func:`transition` is the one place that decides whether a change is allowed. The package
imports no database or web code: the workspace records status changes by calling it.
"""

from forcegen.relief.loader import ReliefProblem, build, load_relief, relief_problem
from forcegen.relief.models import OFFER_STATUSES, Offer, ReliefData, Request
from forcegen.relief.plan import ReliefPlan, plan_relief
from forcegen.relief.status import NEXT, StatusChange, StatusError, check_history, transition

__all__ = ["NEXT", "OFFER_STATUSES", "Offer", "ReliefData", "ReliefPlan", "ReliefProblem",
           "Request", "StatusChange", "StatusError", "build", "check_history", "load_relief",
           "plan_relief", "relief_problem", "transition"]
