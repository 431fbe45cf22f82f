"""Readiness: response times, pre-positioning of depots and stocks, robustness to disruption.

Submodules: :mod:`forcegen.readiness.response` (how soon each sector can be reinforced),
:mod:`forcegen.readiness.preposition` (siting and stock models on HiGHS) and
:mod:`forcegen.readiness.robustness` (Monte Carlo disruption).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from forcegen.readiness.response import ResponseResult, analyze_response

__all__: list[str] = ["ResponseResult", "analyze_response"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: importing one submodule (the command line reads the objectives'
    # names) need not load the response model and the road network code.
    if name in __all__:
        from forcegen.readiness import response

        return getattr(response, name)
    raise AttributeError(f"module 'forcegen.readiness' has no attribute {name!r}")
