"""Policy files: the shipped ones load with their equivalences; bad files fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcegen.exceptions import InputError, PolicyError
from forcegen.labels.policy import load_policy, parse_policy, shipped_policy_files
from forcegen.labels.registry import PolicySet, default_policies

GOOD = """\
policy: {id: ALPHA, name: Alpha, uri: "urn:test:alpha"}
classifications: [{name: LOW}, {name: MID}, {name: HIGH}]
categories:
  - {tag: Releasable To, type: permissive, values: [A, B]}
equivalents:
  BETA: {LOW: B1, MID: B2, HIGH: B3}
"""
BETA = """\
policy: {id: BETA}
classifications: [{name: B1}, {name: B2}, {name: B3}]
"""


def test_shipped_policies_load_and_say_what_is_illustrative() -> None:
    ps = default_policies()
    assert sorted(ps.policies) == ["GBR", "NATO", "NZL", "TLP"]
    assert {p for p, pol in ps.policies.items() if pol.illustrative} == {"GBR", "NATO", "NZL"}
    nato = ps.get("NATO")
    assert [c.name for c in nato.classifications] == [
        "NATO UNCLASSIFIED", "NATO RESTRICTED", "NATO CONFIDENTIAL", "NATO SECRET",
        "COSMIC TOP SECRET"]
    assert [c.marking for c in ps.get("TLP").classifications] == [
        "TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"]
    types = {t: c.type for t, c in nato.categories.items()}
    assert types == {"Releasable To": "permissive", "Special Handling": "restrictive",
                     "Community": "permissive", "Administrative": "informative"}
    assert "NZL" in nato.categories["Releasable To"].groups["FVEY"]
    assert nato.groups_of("NZL") == {"FVEY"} and "NATO" in nato.groups_of("GBR")
    # NATO CONFIDENTIAL is handled as UK SECRET, which maps back to NATO SECRET (never lower)
    assert ps.map_rank("NATO", 2, "GBR") == ps.get("GBR").rank("SECRET")
    assert ps.map_rank("GBR", ps.get("GBR").rank("SECRET"), "NATO") == 3
    assert ps.table("TLP", "NATO") == (-1,) * 5
    for f in shipped_policy_files():
        assert "ILLUSTRATIVE" in f.read_text() or "TLP" in f.name.upper()


def test_inverse_equivalence_is_derived_when_only_one_side_declares_it() -> None:
    ps = PolicySet([parse_policy(GOOD, "alpha.yaml"), parse_policy(BETA, "beta.yaml")])
    assert ps.table("ALPHA", "BETA") == (0, 1, 2)
    assert ps.table("BETA", "ALPHA") == (0, 1, 2)


@pytest.mark.parametrize(("text", "words"), [
    ("policy: [", "malformed YAML"),
    ("- a\n- b\n", "expected a mapping"),
    (GOOD.replace("id: ALPHA", "id: alpha lower"), "[policy.id]"),
    (GOOD.replace("type: permissive", "type: optional"), "expected one of: informative"),
    (GOOD.replace("{name: MID}", "{name: LOW}"), "'LOW' is listed twice"),
    (GOOD.replace("MID: B2", "MEDIUM: B2"), "not a classification of ALPHA"),
    (GOOD.replace("values: [A, B]", "values: [A, B], colour: red"), "unknown field"),
    (GOOD.replace("values: [A, B]", "values: [A], groups: {B: [A]}"),
     "a group must be one of the values"),
    (GOOD.replace("values: [A, B]", "values: [A], value_pattern: '('"),
     "not a regular expression"),
])
def test_bad_policy_files_name_file_line_and_field(text: str, words: str) -> None:
    with pytest.raises(PolicyError) as exc:
        parse_policy(text, "alpha.yaml")
    assert "alpha.yaml" in str(exc.value) and words in str(exc.value), str(exc.value)
    assert isinstance(exc.value, InputError)  # so the CLI exits 2


def test_yaml_alias_bombs_are_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    names = "abcdefghij"
    for i in range(1, 9):
        refs = ", ".join(["*" + names[i - 1]] * 10)
        bomb += f"{names[i]}: &{names[i]} [{refs}]\n"
    with pytest.raises(PolicyError, match="parse limit"):
        parse_policy(bomb, "bomb.yaml")


def test_equivalences_that_break_order_or_lower_on_the_way_back_are_refused() -> None:
    crossed = GOOD.replace("MID: B2, HIGH: B3", "MID: B3, HIGH: B2")
    with pytest.raises(PolicyError, match="must keep the order"):
        PolicySet([parse_policy(crossed, "alpha.yaml"), parse_policy(BETA, "beta.yaml")])
    lowering = BETA + "equivalents:\n  ALPHA: {B1: LOW, B2: LOW, B3: HIGH}\n"
    with pytest.raises(PolicyError, match="lowers the classification"):
        PolicySet([parse_policy(GOOD, "alpha.yaml"), parse_policy(lowering, "beta.yaml")])
    bad_target = GOOD.replace("HIGH: B3", "HIGH: B9")
    with pytest.raises(PolicyError, match="unknown classification 'B9'"):
        PolicySet([parse_policy(bad_target, "alpha.yaml"), parse_policy(BETA, "beta.yaml")])
    with pytest.raises(PolicyError, match="already defined"):
        PolicySet([parse_policy(BETA, "b1.yaml"), parse_policy(BETA, "b2.yaml")])


def test_unknown_policy_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="unknown policy 'EU'; expected one of: GBR, NATO"):
        default_policies().get("EU")
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.yaml")
