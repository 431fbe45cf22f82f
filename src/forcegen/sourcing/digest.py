"""What a plan was computed from, as one SHA-256: the scenario's content and the options.

:func:`scenario_digest` lives in :mod:`forcegen.scenario.digest` (so that the scenario workbook
can show it) and is re-exported here; its docstring says how records are written and why their
order does not change the hash.
"""

from __future__ import annotations

import hashlib
import json

from forcegen.scenario import Scenario
from forcegen.scenario.digest import _ID_FIELDS as _ID_FIELDS  # re-exported for callers
from forcegen.scenario.digest import scenario_digest
from forcegen.sourcing.options import SourcingOptions

__all__ = ["input_hash", "scenario_digest"]


def input_hash(scenario: Scenario, options: SourcingOptions, digest: str | None = None) -> str:
    """SHA-256 (hex) of the scenario digest and the options: what a plan was computed from.

    Parameters
    ----------
    scenario
        The scenario sourced.
    options
        The options it was sourced with (:meth:`SourcingOptions.describe`).
    digest
        :func:`scenario_digest` of ``scenario`` when already known (it is not recomputed).

    Returns
    -------
    str
        64 hexadecimal digits.

    Examples
    --------
    >>> from forcegen.scenario import load_scenario
    >>> s = load_scenario("examples/reassurance-force")  # doctest: +SKIP
    >>> input_hash(s, SourcingOptions()) == input_hash(s, SourcingOptions(withdraw=("NZL",)))
    ... # doctest: +SKIP
    False
    """
    opts = json.dumps(options.describe(), sort_keys=True, default=str)
    return hashlib.sha256(((digest or scenario_digest(scenario)) + opts).encode()).hexdigest()
