"""Maritime patrol planning: which vessel patrols which areas, in what order (issue 13).

Compute core only (no database or web imports): :func:`load_patrol` reads and checks a patrol
file, :func:`plan_patrols` solves the team orienteering problem it describes.
"""

from forcegen.patrols.loader import build_problem, load_patrol
from forcegen.patrols.problem import PatrolProblem
from forcegen.patrols.rounds import plan_search_rounds
from forcegen.patrols.solve import PatrolPlan, plan_patrols

__all__ = ["PatrolPlan", "PatrolProblem", "build_problem", "load_patrol", "plan_patrols",
           "plan_search_rounds"]
