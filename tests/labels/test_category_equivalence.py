"""Category equivalences between policies: a value of one policy's category is the same as a
value of another's (NATO's releasability group FVEY and New Zealand's FIVE EYES), both ways,
in the explained decision, the vectorised one and translation; bad declarations are refused."""

from __future__ import annotations

import numpy as np
import pytest

from forcegen.exceptions import PolicyError
from forcegen.labels.decide import Clearance, clearance_for, decide
from forcegen.labels.fast import LabelBatch, allowed
from forcegen.labels.label import make_label, translate
from forcegen.labels.policy import parse_policy
from forcegen.labels.registry import PolicySet, default_policies

REL = "Releasable To"
ALPHA = """\
policy: {id: ALPHA}
classifications: [{name: LOW}, {name: HIGH}]
categories:
  - {tag: Community, type: permissive, values: [INTEL, LOGISTICS]}
  - {tag: Caveat, type: restrictive, values: [KEEP]}
category_equivalents:
  BETA:
    Community: {INTEL: INTELLIGENCE}
"""
BETA = """\
policy: {id: BETA}
classifications: [{name: B1}, {name: B2}]
categories:
  - {tag: Community, type: permissive, values: [INTELLIGENCE, SUPPLY]}
  - {tag: Caveat, type: permissive, values: [KEEP]}
"""


def _set(alpha: str = ALPHA, beta: str = BETA) -> PolicySet:
    return PolicySet([parse_policy(alpha, "alpha.yaml"), parse_policy(beta, "beta.yaml")])


def test_shipped_nato_fvey_is_nzl_five_eyes_both_ways() -> None:
    ps = default_policies()
    assert ps.equivalent_values(REL, "FVEY") == {"FVEY", "FIVE EYES"}
    assert ps.equivalent_values(REL, "FRA") == {"FRA"}
    five_eyes = make_label("NZL", "SECRET", {REL: ["FIVE EYES"]})
    fvey = make_label("NATO", "NATO SECRET", {REL: ["FVEY"]})
    # a reader granted only the NATO group (no nation) holds the national one, and back
    nato_group = Clearance("NATO", "NATO SECRET", {REL: frozenset({"FVEY"})})
    nzl_group = Clearance("NZL", "SECRET", {REL: frozenset({"FIVE EYES"})})
    for label in (five_eyes, fvey):
        for reader in (nato_group, nzl_group):
            assert decide(label, reader).allowed, (label, reader)
    outsider = clearance_for("FRA", "NATO SECRET")
    assert decide(five_eyes, outsider).reason == "denied: needs one of Releasable To: FIVE EYES"
    # the vectorised path applies it too
    batch = LabelBatch([five_eyes, fvey])
    assert allowed(batch, nato_group).tolist() == [True, True]
    assert allowed(batch, nzl_group).tolist() == [True, True]
    assert not np.any(allowed(batch, outsider))


def test_declared_in_one_file_symmetric_and_translated() -> None:
    ps = _set(ALPHA + "equivalents:\n  BETA: {LOW: B1, HIGH: B2}\n")
    label = make_label("ALPHA", "LOW", {"Community": ["INTEL"]}, policies=ps)
    beta_reader = Clearance("BETA", "B1", {"Community": frozenset({"INTELLIGENCE"})})
    assert decide(label, beta_reader, ps).allowed
    back = make_label("BETA", "B1", {"Community": ["INTELLIGENCE"]}, policies=ps)
    assert decide(back, Clearance("ALPHA", "LOW", {"Community": frozenset({"INTEL"})}),
                  ps).allowed
    # a value the other policy's category does not accept becomes its equivalent
    moved = translate(label, "BETA", ps)
    assert moved.category("Community").values == ("INTELLIGENCE",)  # type: ignore[union-attr]
    assert translate(moved, "ALPHA", ps) == label
    # a value with no equivalent there is refused, naming it
    with pytest.raises(Exception, match="LOGISTICS"):
        translate(make_label("ALPHA", "LOW", {"Community": ["LOGISTICS"]}, policies=ps),
                  "BETA", ps)
    # equivalence never grants a value nobody declared: SUPPLY is not LOGISTICS
    assert not decide(make_label("ALPHA", "LOW", {"Community": ["LOGISTICS"]}, policies=ps),
                      Clearance("ALPHA", "LOW", {"Community": frozenset({"SUPPLY"})}),
                      ps).allowed


@pytest.mark.parametrize(
    ("alpha", "message"),
    [
        (ALPHA.replace("Community: {INTEL", "Missing: {INTEL"), "not a category of this policy"),
        (ALPHA.replace("{INTEL: INTELLIGENCE}", "{SECRETS: INTELLIGENCE}"),
         "not a value of category"),
        (ALPHA.replace("{INTEL: INTELLIGENCE}", "[INTEL]"), "expected own value: their value"),
        (ALPHA.replace("  BETA:\n    Community: {INTEL: INTELLIGENCE}\n", "  BETA: 3\n"),
         "expected a mapping tag"),
    ],
)
def test_bad_declarations_fail_when_the_file_is_read(alpha: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        _set(alpha)


def test_bad_declarations_against_the_other_policy_fail_when_the_set_is_built() -> None:
    with pytest.raises(PolicyError, match="not a value of BETA's category 'Community'"):
        _set(ALPHA.replace("INTEL: INTELLIGENCE", "INTEL: SPYING"))
    with pytest.raises(PolicyError, match="policy BETA has no category 'Caveat'"):
        _set(ALPHA.replace("Community: {INTEL: INTELLIGENCE}", "Caveat: {KEEP: KEEP}"),
             BETA.replace("  - {tag: Caveat, type: permissive, values: [KEEP]}\n", ""))
    # a restrictive caveat can never be "the same" as a permissive value
    with pytest.raises(PolicyError, match="only categories of one type"):
        _set(ALPHA.replace("Community: {INTEL: INTELLIGENCE}", "Caveat: {KEEP: KEEP}"))
    # an equivalence towards a policy that is not loaded decides nothing
    alone = PolicySet([parse_policy(ALPHA, "alpha.yaml")])
    assert alone.equivalent_values("Community", "INTEL") == {"INTEL"}
