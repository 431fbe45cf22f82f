"""Readiness: response times, pre-positioning of depots and stocks, robustness to disruption.

Submodules: :mod:`forcegen.readiness.response` (how soon each sector can be reinforced),
:mod:`forcegen.readiness.preposition` (siting and stock models on HiGHS) and
:mod:`forcegen.readiness.robustness` (Monte Carlo disruption).
"""

from forcegen.readiness.response import ResponseResult, analyze_response

__all__: list[str] = ["ResponseResult", "analyze_response"]
