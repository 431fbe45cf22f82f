"""Readiness: pre-positioning of depots and stocks, and robustness to disruption.

Submodules: :mod:`forcegen.readiness.preposition` (siting and stock models on HiGHS) and
:mod:`forcegen.readiness.robustness` (Monte Carlo disruption).
"""

__all__: list[str] = []
