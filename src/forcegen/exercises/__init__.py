"""Joint exercise programme: schedule a year of exercises, record what units are certified for.

Issue 16. Compute core only: no database or web imports.

>>> from forcegen.exercises import load_programme, plan_exercises  # doctest: +SKIP
>>> plan_exercises(load_programme("examples/bng-nzl-exercises")).plan.value  # doctest: +SKIP
"""

from forcegen.exercises.model import Exercise, Programme, TrainingArea, load_programme
from forcegen.exercises.problem import ExerciseProblem, Schedule, from_programme
from forcegen.exercises.result import ExerciseResult, plan_exercises

__all__ = ["Exercise", "ExerciseProblem", "ExerciseResult", "Programme", "Schedule",
           "TrainingArea", "from_programme", "load_programme", "plan_exercises"]
