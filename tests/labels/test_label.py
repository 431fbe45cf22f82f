"""Labels: 4774 structure, display marking, XML in the 4774 namespace and JSON, validation."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from forcegen.exceptions import LabelError
from forcegen.labels.label import (
    Category,
    Label,
    label_from_json,
    label_to_json,
    make_label,
    marking,
    translate,
    validate,
)
from forcegen.labels.xmlform import NS, label_from_xml, label_to_xml

REL = "Releasable To"


def _uk_nz() -> Label:
    return make_label("NATO", "NATO RESTRICTED", {REL: ["NZL", "GBR"]}, originator="GBR",
                      created="2026-12-01T10:30:00+01:00")


def test_markings() -> None:
    assert marking(_uk_nz()) == "NATO RESTRICTED REL TO GBR, NZL"
    assert marking(make_label("TLP", "AMBER+STRICT")) == "TLP:AMBER+STRICT"
    assert marking(make_label("GBR", "SECRET", {REL: ["FVEY"], "Special Handling": ["SIGINT"]})) \
        == "UK SECRET REL TO FVEY SIGINT"
    # informative categories are not shown; the category order is the policy's
    assert marking(make_label("NATO", "NATO SECRET", {
        "Administrative": ["EXERCISE"], "Special Handling": ["ATOMAL"], REL: ["USA"]})) \
        == "NATO SECRET REL TO USA ATOMAL"


def test_labels_are_values_in_canonical_order() -> None:
    a = make_label("NATO", "NATO SECRET", {REL: ["NZL", "GBR", "GBR"],
                                           "Special Handling": ["CRYPTO"]})
    b = make_label("NATO", "NATO SECRET", {"Special Handling": ["CRYPTO"], REL: ["GBR", "NZL"]})
    assert a == b and hash(a) == hash(b)
    assert _uk_nz().created == "2026-12-01T09:30:00Z"  # normalised to UTC


def test_xml_is_in_the_4774_namespace_and_round_trips() -> None:
    label = _uk_nz()
    text = label_to_xml(label)
    root = ET.fromstring(text)
    assert root.tag == f"{{{NS}}}ConfidentialityLabel"
    info = root.find(f"{{{NS}}}ConfidentialityInformation")
    assert info is not None
    assert info.findtext(f"{{{NS}}}Classification") == "NATO RESTRICTED"
    cat = info.find(f"{{{NS}}}Category")
    assert cat is not None and cat.get("Type") == "PERMISSIVE" and cat.get("TagName") == REL
    assert [v.text for v in cat] == ["GBR", "NZL"]
    assert label_from_xml(text) == label
    assert label_from_json(label_to_json(label)) == label


BAD_XML = [
    ("<a", "not well-formed"),
    ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY e "x">]><l>&e;</l>', "refused"),
    ('<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>', "refused"),
    ('<ConfidentialityLabel/>', "not in the 4774 namespace"),
    (f'<s:Other xmlns:s="{NS}"/>', "root must be ConfidentialityLabel"),
    (f'<s:ConfidentialityLabel xmlns:s="{NS}"/>', "no ConfidentialityInformation"),
    (f'<s:ConfidentialityLabel xmlns:s="{NS}"><s:ConfidentialityInformation>'
     '<s:Classification>NATO SECRET</s:Classification></s:ConfidentialityInformation>'
     '</s:ConfidentialityLabel>', "PolicyIdentifier and Classification are required"),
    (f'<s:ConfidentialityLabel xmlns:s="{NS}"><s:ConfidentialityInformation>'
     '<s:PolicyIdentifier>EU</s:PolicyIdentifier><s:Classification>X</s:Classification>'
     '</s:ConfidentialityInformation></s:ConfidentialityLabel>', "unknown policy 'EU'"),
    (f'<s:ConfidentialityLabel xmlns:s="{NS}"><s:ConfidentialityInformation>'
     '<s:PolicyIdentifier URI="urn:forcegen:policy:gbr">NATO</s:PolicyIdentifier>'
     '<s:Classification>NATO SECRET</s:Classification>'
     '</s:ConfidentialityInformation></s:ConfidentialityLabel>', "has the URI of policy GBR"),
    (f'<s:ConfidentialityLabel xmlns:s="{NS}"><s:ConfidentialityInformation>'
     '<s:PolicyIdentifier>NATO</s:PolicyIdentifier><s:Classification>NATO SECRET'
     '</s:Classification><s:Category TagName="Releasable To" Type="RESTRICTIVE">'
     '<s:GenericValue>GBR</s:GenericValue></s:Category>'
     '</s:ConfidentialityInformation></s:ConfidentialityLabel>', "is permissive in policy NATO"),
    (f'<s:ConfidentialityLabel xmlns:s="{NS}"><s:ConfidentialityInformation>'
     '<s:PolicyIdentifier>NATO</s:PolicyIdentifier><s:Classification>NATO SECRET'
     '</s:Classification><s:Category TagName="Codeword" Type="RESTRICTIVE">'
     '<s:GenericValue>X</s:GenericValue></s:Category>'
     '</s:ConfidentialityInformation></s:ConfidentialityLabel>', "has no category 'Codeword'"),
]


@pytest.mark.parametrize(("text", "words"), BAD_XML)
def test_bad_xml_is_refused_with_a_reason(text: str, words: str) -> None:
    with pytest.raises(LabelError) as exc:
        label_from_xml(text)
    assert words in str(exc.value), str(exc.value)


def test_oversized_xml_is_refused_before_parsing() -> None:
    with pytest.raises(LabelError, match="larger than"):
        label_from_xml("<a>" + "x" * 300_000 + "</a>")


@pytest.mark.parametrize(("label", "words"), [
    (Label("NATO", "SECRET"), "classification 'SECRET' is not in policy NATO"),
    (Label("NATO", "NATO SECRET", (Category(REL, "permissive", ("gbr",)),)), "no value 'gbr'"),
    (Label("NATO", "NATO SECRET", (Category(REL, "permissive", ("NZL", "GBR")),)),
     "sorted and unique"),
    (Label("NATO", "NATO SECRET", (Category("Special Handling", "restrictive", ("ATOMAL",)),
                                   Category("Special Handling", "restrictive", ("CRYPTO",)))),
     "appears twice"),
    (Label("NATO", "NATO SECRET", originator="GBR\n"), "originator"),
    (Label("NATO", "NATO SECRET", created="yesterday"), "creation time"),
])
def test_validation_says_why(label: Label, words: str) -> None:
    with pytest.raises(LabelError) as exc:
        validate(label)
    assert words in str(exc.value), str(exc.value)


@pytest.mark.parametrize(("obj", "words"), [
    ([], "expected an object"),
    ({"policyIdentifier": "NATO"}, "[classification]"),
    ({"policyIdentifier": "NATO", "classification": "NATO SECRET", "colour": 1}, "unknown key"),
    ({"policyIdentifier": "NATO", "classification": "NATO SECRET",
      "categories": [{"tagName": REL, "type": "MAYBE", "values": ["GBR"]}]}, "PERMISSIVE"),
    ({"policyIdentifier": "NATO", "classification": "NATO SECRET",
      "categories": [{"tagName": REL, "type": "PERMISSIVE", "values": [1]}]}, "text values"),
])
def test_bad_json_is_refused(obj: object, words: str) -> None:
    with pytest.raises(LabelError) as exc:
        label_from_json(obj)
    assert words in str(exc.value), str(exc.value)


def test_translate_follows_the_equivalence_and_refuses_what_it_cannot_carry() -> None:
    moved = translate(_uk_nz(), "NZL")
    assert (moved.policy, moved.classification) == ("NZL", "RESTRICTED")
    assert moved.categories == _uk_nz().categories
    with pytest.raises(LabelError, match="no equivalent"):
        translate(make_label("TLP", "RED"), "NATO")
    with pytest.raises(LabelError, match="ATOMAL"):  # GBR's policy has no ATOMAL caveat
        translate(make_label("NATO", "NATO SECRET", {"Special Handling": ["ATOMAL"]}), "GBR")


def test_xml_times_with_an_offset_are_read_as_utc() -> None:
    text = label_to_xml(_uk_nz()).replace("2026-12-01T09:30:00Z", "2026-12-01T10:30:00+01:00")
    assert label_from_xml(text).created == "2026-12-01T09:30:00Z"
    with pytest.raises(LabelError, match="creation time"):
        label_from_xml(text.replace("2026-12-01T10:30:00+01:00", "noon"))
