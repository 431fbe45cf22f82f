"""A workspace user as a :class:`forcegen.intel.Reader` (the adapter onto ``forcegen.labels``).

A user holds two clearances:

* under the NATO policy, their workspace clearance and nation as ``forcegen.labels.legacy``
  maps them (rank 0-4 -> NATO UNCLASSIFIED ... COSMIC TOP SECRET; "Releasable To" their nation
  and its groups); the equivalences of the shipped policies carry it to GBR and NZL labels;
* under TLP 2.0, AMBER with their nation and user name as "Recipients": the coalition is the
  "organisation" of TLP:AMBER. TLP:AMBER+STRICT and TLP:RED are above that and so neither seen
  nor granted through the workspace (deny by default): share them outside it.

A user without an account that is active gets no clearance at all.
"""

from __future__ import annotations

from forcegen.intel.readers import Reader
from forcegen.labels.decide import Clearance
from forcegen.labels.legacy import legacy_clearance
from forcegen.workspace.accounts import User

__all__ = ["TLP_LEVEL", "reader_for"]

#: The TLP 2.0 level every workspace user is cleared to.
TLP_LEVEL = "AMBER"


def reader_for(user: User) -> Reader:
    """The clearances of ``user`` (none for an inactive account)."""
    if not user.active:
        return Reader(user.username)
    recipients = {user.username[:64]} | ({user.nation} if user.nation else set())
    tlp = Clearance("TLP", TLP_LEVEL, {"Recipients": frozenset(recipients)}, user.nation)
    return Reader(user.username, (legacy_clearance(user.clearance, user.nation), tlp))
