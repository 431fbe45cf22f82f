"""What a plan was computed from, as one SHA-256: the scenario's content and the options.

:func:`scenario_digest` lives in :mod:`forcegen.scenario.digest` (so that the scenario workbook
can show it) and is re-exported here.

The digest is taken from the core models record by record, each section in id order, so the
same data gives the same hash however it was read: a file whose records are in any order, a
workbook, or the workspace's rows (which come back in id order). Record order cannot change
a plan (ties are broken canonically), so it does not change the hash either. The capability
types the scenario uses are part of it, built-in ones included: a plan depends on them.

Each record is written as canonical JSON (sorted keys, no spaces, ``None`` left out, as in a
file) on a line of its own after its section's name; no dict of the whole scenario is built.
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
