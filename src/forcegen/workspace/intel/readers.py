"""A workspace user as a :class:`forcegen.intel.Reader` (the adapter onto ``forcegen.labels``).

A user reads intelligence with exactly the clearances that decide what they see of pledges,
requirements and runs (:func:`forcegen.workspace.readers.clearances_of`): their NATO
clearance, their clearances under other policies, and their category memberships ("Special
Handling", "Community", "Releasable To" with their nation and its groups). The same label is
therefore released, or denied, to the same user whether it marks a pledge or an indicator.

TLP 2.0 is the one addition: a user with no TLP clearance of their own holds TLP:AMBER, with
their nation and user name as "Recipients" (the coalition is the "organisation" of
TLP:AMBER). TLP:AMBER+STRICT and TLP:RED are above that, so neither seen nor granted through
the workspace unless an administrator gives the user a TLP clearance explicitly.

A user without an account that is active gets no clearance at all.
"""

from __future__ import annotations

from forcegen.intel.readers import Reader
from forcegen.labels.decide import Clearance
from forcegen.workspace.accounts import User
from forcegen.workspace.readers import clearances_of

__all__ = ["TLP_LEVEL", "reader_for"]

#: The TLP 2.0 level a workspace user holds unless given another.
TLP_LEVEL = "AMBER"
_TLP = "TLP"
_RECIPIENTS = "Recipients"


def reader_for(user: User) -> Reader:
    """The clearances of ``user`` (none for an inactive account)."""
    if not user.active:
        return Reader(user.username)
    held = list(clearances_of(user))
    recipients = {user.username[:64]} | ({user.nation} if user.nation else set())
    tlp = [c for c in held if c.policy == _TLP]
    if tlp:
        own = tlp[0]
        cats = dict(own.categories)
        cats[_RECIPIENTS] = frozenset(cats.get(_RECIPIENTS, frozenset()) | recipients)
        held = [c for c in held if c.policy != _TLP]
        held.append(Clearance(_TLP, own.classification, cats, own.nation))
    else:
        held.append(Clearance(_TLP, TLP_LEVEL, {_RECIPIENTS: frozenset(recipients)},
                              user.nation))
    return Reader(user.username, tuple(held))
