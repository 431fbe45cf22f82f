"""Today's workspace labels (five levels, releasability, owner) as NATO-policy labels: every
decision of the workspace's rule is kept (checked exhaustively against the workspace's own
``may_see``), ready for the later migration."""

from __future__ import annotations

import itertools

import pytest

from forcegen.exceptions import LabelError
from forcegen.labels.decide import decide
from forcegen.labels.label import make_label, marking
from forcegen.labels.legacy import (
    LEGACY_LEVELS,
    label_to_legacy,
    legacy_clearance,
    legacy_to_label,
)
from forcegen.workspace import labels as ws

RELS = [None, ",", ",FRA,", ",FRA,GBR,", ",POL,", ",GBR,NZL,USA,"]
OWNERS = [None, "FRA", "NZL"]
READERS = [None, "FRA", "GBR", "NZL", "POL", "USA", "DEU"]


def test_the_five_levels_are_the_workspaces() -> None:
    assert ws.LEVELS == LEGACY_LEVELS
    assert ws.encode_releasable(["GBR", "FRA"]) == ",FRA,GBR,"


def test_every_workspace_decision_is_kept() -> None:
    checked = 0
    for c, rel, owner, clear, nation in itertools.product(range(5), RELS, OWNERS, range(5),
                                                          READERS):
        expected = ws.may_see(clear, nation, c, rel, owner)
        got = decide(legacy_to_label(c, rel, owner), legacy_clearance(clear, nation))
        assert got.allowed == expected, (c, rel, owner, clear, nation, got.reason)
        checked += 1
    assert checked == 5 * len(RELS) * len(OWNERS) * 5 * len(READERS)


def test_round_trip_and_markings() -> None:
    for c, rel, owner in itertools.product(range(5), RELS, OWNERS):
        rank, back = label_to_legacy(legacy_to_label(c, rel, owner))
        assert rank == c
        if rel is None:
            assert back is None
        else:  # the owner is folded into the releasability, which decides the same
            want = set(ws.decode_releasable(rel) or []) | ({owner} if owner else set())
            assert set(ws.decode_releasable(back) or []) == want
    assert marking(legacy_to_label(3, ",GBR,FRA,")) == "NATO SECRET REL TO FRA, GBR"
    assert marking(legacy_to_label(4, None)) == "COSMIC TOP SECRET"
    assert marking(legacy_to_label(2, ",")) == "NATO CONFIDENTIAL REL TO NONE"


def test_what_does_not_map_is_refused() -> None:
    with pytest.raises(LabelError, match="rank must be 0-4"):
        legacy_to_label(5, None)
    with pytest.raises(LabelError, match="only NATO labels"):
        label_to_legacy(make_label("TLP", "RED"))
    with pytest.raises(LabelError, match="no category 'Special Handling'"):
        label_to_legacy(make_label("NATO", "NATO SECRET", {"Special Handling": ["ATOMAL"]}))
