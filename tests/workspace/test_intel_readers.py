"""An intel reader decides exactly as the workspace's pledges do: same clearances under every
policy, same category memberships; TLP:AMBER added for the coalition."""

from __future__ import annotations

import itertools

import pytest

from forcegen.intel.readers import may_see
from forcegen.labels.label import Label, make_label
from forcegen.workspace.accounts import User
from forcegen.workspace.intel.readers import reader_for
from forcegen.workspace.readers import Reader

LABELS = [
    make_label("NATO", "NATO UNCLASSIFIED"),
    make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["GBR", "NZL"]}),
    make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["FVEY"]}),
    make_label("NATO", "NATO SECRET", {"Special Handling": ["ATOMAL"]}),
    make_label("NATO", "NATO CONFIDENTIAL", {"Community": ["INTEL"]}),
    make_label("NATO", "NATO RESTRICTED", {"Community": ["INTEL"],
                                           "Releasable To": ["NZL"]}),
    make_label("GBR", "SECRET", {"Special Handling": ["UK EYES ONLY"]}),
    make_label("GBR", "OFFICIAL-SENSITIVE", {"Releasable To": ["GBR"]}),
    make_label("NZL", "RESTRICTED"),
    make_label("NZL", "SECRET"),
]


def _user(name: str, nation: str | None, rank: int, clearances: list[dict[str, str]] | None = None,
          memberships: dict[str, list[str]] | None = None, active: bool = True) -> User:
    return User(username=name, role="liaison", nation=nation, clearance=rank,
                clearances=clearances, memberships=memberships, active=active)


USERS = [
    _user("plain_gbr", "GBR", 2),
    _user("low_fra", "FRA", 0),
    _user("intel_nzl", "NZL", 2, memberships={"Community": ["INTEL"]}),
    _user("atomal_gbr", "GBR", 3, memberships={"Special Handling": ["ATOMAL"]}),
    _user("uk_secret", "GBR", 1, clearances=[{"policy": "GBR", "classification": "SECRET"}],
          memberships={"Special Handling": ["UK EYES ONLY"]}),
    _user("nzl_policy", "AUS", 0, clearances=[{"policy": "NZL", "classification": "SECRET"}]),
    _user("fvey_member", "FRA", 2, memberships={"Releasable To": ["FVEY"]}),
    _user("stateless", None, 4),
]


@pytest.mark.parametrize(("user", "label"), list(itertools.product(USERS, LABELS)),
                         ids=lambda v: getattr(v, "username", None) or str(v)[:40])
def test_intel_decides_as_pledges_do(user: User, label: Label) -> None:
    assert may_see(label, reader_for(user)) is Reader(user).sees(label)


def test_memberships_and_other_policies_decide() -> None:
    """What the legacy rank alone got wrong: memberships and non-NATO clearances count."""
    atomal = make_label("NATO", "NATO SECRET", {"Special Handling": ["ATOMAL"]})
    assert may_see(atomal, reader_for(USERS[3]))
    assert not may_see(atomal, reader_for(_user("no_caveat", "GBR", 4)))
    uk = make_label("GBR", "SECRET", {"Special Handling": ["UK EYES ONLY"]})
    assert may_see(uk, reader_for(USERS[4]))  # NATO RESTRICTED by rank, UK SECRET by policy
    coi = make_label("NATO", "NATO CONFIDENTIAL", {"Community": ["INTEL"]})
    assert may_see(coi, reader_for(USERS[2]))
    assert not may_see(coi, reader_for(_user("not_intel", "NZL", 2)))


def test_tlp_amber_for_the_coalition_and_nothing_for_inactive() -> None:
    amber = make_label("TLP", "AMBER")
    red = make_label("TLP", "RED")
    assert may_see(amber, reader_for(USERS[0]))
    assert not may_see(red, reader_for(USERS[0]))
    assert not may_see(amber, reader_for(_user("gone", "GBR", 4, active=False)))
    assert not may_see(make_label("NATO", "NATO UNCLASSIFIED"),
                       reader_for(_user("gone", "GBR", 4, active=False)))
