"""A scenario's content as one SHA-256 (the scenario part of a plan's input hash).

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
from typing import Any

from forcegen.scenario._scenario import Scenario

__all__ = ["scenario_digest"]

#: The sections of records with an identity, and the field that holds it.
_ID_FIELDS: dict[str, str] = {
    "nations": "code",
    "catalog": "code",
    "sectors": "id",
    "requirements": "id",
    "pledges": "id",
    "depot_sites": "id",
}


def _line(value: Any) -> bytes:
    """Canonical JSON of ``value`` and a newline (JSON text never holds a raw newline)."""
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":")).encode() + b"\n"


def scenario_digest(scenario: Scenario) -> str:
    """SHA-256 (hex) of the scenario's content and the capability types it uses.

    Parameters
    ----------
    scenario
        A validated scenario, however it was read.

    Returns
    -------
    str
        64 hexadecimal digits; equal for two scenarios holding the same records, whatever
        their order, and different when any record, setting or capability type used differs.

    Examples
    --------
    >>> from forcegen.scenario import load_scenario
    >>> s = load_scenario("examples/reassurance-force")  # doctest: +SKIP
    >>> len(scenario_digest(s))  # doctest: +SKIP
    64
    """
    h = hashlib.sha256()
    data = scenario.data
    h.update(_line(data.model_dump(mode="json", exclude_none=True, exclude=set(_ID_FIELDS))))
    for section, key in _ID_FIELDS.items():
        h.update(_line(section))
        for record in sorted(getattr(data, section), key=lambda r: str(getattr(r, key))):
            h.update(_line(record.model_dump(mode="json", exclude_none=True)))
    used = sorted({r.capability for r in data.requirements}
                  | {p.capability for p in data.pledges})
    h.update(_line("x-catalog-used"))
    for code in used:
        h.update(_line(scenario.catalog[code].model_dump(mode="json")))
    return h.hexdigest()
