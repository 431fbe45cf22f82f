"""forcegen.intel: STIX validation, label markings and signatures, bundles, readers."""

from __future__ import annotations

import copy
import itertools
import json

import pytest

from forcegen.exceptions import LabelError, SignatureError, StixError
from forcegen.intel import (
    TLP_MARKINGS,
    Reader,
    make_bundle,
    may_grant,
    may_see,
    pair_labels,
    read_bundle,
    read_envelope,
    sector_of,
    sign_object,
    validate_object,
)
from forcegen.intel.bundle import MAX_DEPTH, MAX_OBJECTS
from forcegen.intel.markings import LABEL_EXTENSION, LABEL_EXTENSION_ID, TLP_REFS
from forcegen.intel.signing import content_bytes
from forcegen.labels.decide import clearance_for, decide
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.label import make_label

from .stixdata import content_set, indicator

GBR = SigningKey.generate("GBR")
NZL = SigningKey.generate("NZL")
KEYS = KeyList([GBR.public, NZL.public])
REL_GBR_NZL = make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["GBR", "NZL"]},
                         originator="GBR")


def signed(objs, label=REL_GBR_NZL, key=GBR):
    out = []
    for o in objs:
        obj, mark = sign_object(o, label, key)
        out += [obj, mark]
    return out


def test_every_exchanged_type_round_trips_with_its_label() -> None:
    objs = signed(content_set())
    pairs = pair_labels(objs, KEYS)
    assert sorted(p.type for p in pairs) == sorted(
        ["indicator", "ipv4-addr", "observed-data", "attack-pattern", "threat-actor",
         "sighting", "note", "report"])
    assert all(p.label == REL_GBR_NZL for p in pairs)
    report = next(p for p in pairs if p.type == "report")
    assert report.sector == "NORTH"
    assert next(p for p in pairs if p.type == "ipv4-addr").version is None


def test_label_marking_is_valid_stix_and_carries_the_4774_label() -> None:
    obj, mark = sign_object(indicator(), REL_GBR_NZL, GBR)
    validate_object(mark)
    ext = mark["extensions"][LABEL_EXTENSION_ID]
    assert ext["label"]["classification"] == "NATO RESTRICTED"
    assert ext["binding"]["key_id"] == GBR.key_id
    assert mark["name"] == "NATO RESTRICTED REL TO GBR, NZL"
    assert mark["id"] in obj["object_marking_refs"]


def test_tlp_label_adds_the_oasis_tlp_marking_and_the_marking_is_bound() -> None:
    tlp = make_label("TLP", "AMBER", originator="GBR")
    obj, mark = sign_object(indicator(), tlp, GBR)
    assert TLP_REFS["AMBER"] in obj["object_marking_refs"]
    # Swapping the TLP reference (AMBER -> CLEAR) is a change of the signed content.
    swapped = dict(obj, object_marking_refs=[TLP_REFS["CLEAR"] if r == TLP_REFS["AMBER"] else r
                                             for r in obj["object_marking_refs"]])
    with pytest.raises(SignatureError, match="content"):
        pair_labels([swapped, mark], KEYS)
    for tlp_def in TLP_MARKINGS.values():
        validate_object(tlp_def)


@pytest.mark.parametrize("change", ["content", "label", "key", "signature", "time"])
def test_any_tampering_is_refused(change: str) -> None:
    obj, mark = sign_object(indicator(), REL_GBR_NZL, GBR)
    obj, mark = copy.deepcopy(obj), copy.deepcopy(mark)
    ext = mark["extensions"][LABEL_EXTENSION_ID]
    if change == "content":
        obj["name"] = "something else"
    elif change == "label":  # widen the releasability
        ext["label"]["categories"][0]["values"] = ["FRA", "GBR", "NZL"]
    elif change == "key":  # a signature by another nation's key
        _, other = sign_object(indicator(), make_label("NATO", "NATO RESTRICTED",
                                                       originator="NZL"), NZL)
        ext["binding"] = other["extensions"][LABEL_EXTENSION_ID]["binding"]
    elif change == "signature":
        sig = ext["binding"]["signature"]
        ext["binding"]["signature"] = ("A" if sig[0] != "A" else "B") + sig[1:]
    else:
        ext["binding"]["signed_at"] = "2026-01-01T00:00:00Z"
    with pytest.raises((SignatureError, LabelError)):
        pair_labels([obj, mark], KEYS)


def test_unknown_key_and_unsigned_label_are_refused() -> None:
    obj, mark = sign_object(indicator(), REL_GBR_NZL, GBR)
    with pytest.raises(SignatureError, match="unknown key"):
        pair_labels([obj, mark], KeyList([NZL.public]))
    unsigned = copy.deepcopy(mark)
    del unsigned["extensions"][LABEL_EXTENSION_ID]["binding"]["signature"]
    with pytest.raises(SignatureError, match="unsigned"):
        pair_labels([obj, unsigned], KEYS)


def test_unlabelled_orphan_and_foreign_markings_are_refused() -> None:
    obj, mark = sign_object(indicator(), REL_GBR_NZL, GBR)
    with pytest.raises(StixError, match="exactly one forcegen label marking"):
        pair_labels([indicator()], KEYS)
    with pytest.raises(StixError, match="exactly one forcegen label marking"):
        pair_labels([obj], KEYS)  # its marking not shipped
    with pytest.raises(StixError, match="marks no object"):
        pair_labels([obj, mark, sign_object(indicator(), REL_GBR_NZL, GBR)[1]], KEYS)
    statement = {"type": "marking-definition", "spec_version": "2.1",
                 "id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
                 "created": "2026-11-30T10:00:00.000Z", "definition_type": "statement",
                 "definition": {"statement": "Copyright"}}
    with pytest.raises(StixError, match=r"only TLP 2\.0 and forcegen"):
        pair_labels([obj, mark, statement], KEYS)
    # Well-known definitions are accepted and dropped.
    assert len(pair_labels([obj, mark, LABEL_EXTENSION, *TLP_MARKINGS.values()], KEYS)) == 1


def test_one_marking_cannot_label_two_objects() -> None:
    obj, mark = sign_object(indicator(), REL_GBR_NZL, GBR)
    twin = dict(indicator(), object_marking_refs=[mark["id"]])
    with pytest.raises(StixError, match="already marks another object"):
        pair_labels([obj, twin, mark], KEYS)


@pytest.mark.parametrize("bad, match", [
    ({"type": "malware-analysis"}, "not accepted here"),
    ({"type": "x-custom-thing", "id": "x-custom-thing--1"}, "not accepted here"),
    ({"id": "indicator--NOT-A-UUID"}, r"\[id\]"),
    ({"spec_version": "2.0"}, "spec_version"),
    ({"modified": "yesterday"}, "modified"),
    ({"pattern": "[ipv4-addr:value = "}, "pattern"),
    ({"pattern_type": None}, "pattern_type"),
    ({"x_forcegen_sector": "../etc/passwd"}, "sector id"),
    ({"Name": "upper case"}, "'Name'"),
])
def test_invalid_objects_name_the_problem(bad: dict, match: str) -> None:
    obj = {k: v for k, v in {**indicator(), **bad}.items() if v is not None}
    with pytest.raises(StixError, match=match):
        validate_object(obj)


def test_sector_from_property_or_external_reference_and_they_must_agree() -> None:
    ref = {"source_name": "forcegen-sector", "external_id": "SOUTH"}
    assert sector_of({"external_references": [ref]}) == "SOUTH"
    assert sector_of({"x_forcegen_sector": "SOUTH", "external_references": [ref]}) == "SOUTH"
    assert sector_of({"id": "report--x"}) is None
    with pytest.raises(StixError, match="differs"):
        sector_of({"x_forcegen_sector": "NORTH", "external_references": [ref]})


def test_bundle_and_envelope_reading_limits() -> None:
    objs = signed([indicator()])
    assert read_bundle(json.dumps(make_bundle(objs)).encode()) == objs
    assert read_envelope(json.dumps({"objects": objs})) == objs
    for data, match in [
        (b"\xff\xfe", "UTF-8"),
        (b"[1, 2]", "JSON object"),
        (b'{"type": "bundle"', "not JSON"),
        (b'{"type": "bundle", "type": "bundle", "id": "bundle--1", "objects": []}',
         "duplicate key"),
        (json.dumps({"type": "bundle", "id": "x", "objects": []}).encode(), r"\[id\]"),
        (json.dumps({"type": "report", "id": "bundle--1", "objects": []}).encode(), r"\[type\]"),
        (json.dumps({"type": "bundle", "id": "bundle--1", "objects": {}}).encode(), "list"),
        (json.dumps({"type": "bundle", "id": "bundle--1",
                     "objects": [{}] * (MAX_OBJECTS + 1)}).encode(), "more than"),
        (("[" * 100_000 + "]" * 100_000).encode(), "nest"),
        (json.dumps({"type": "bundle", "id": "bundle--1",
                     "objects": [json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)]}).encode(),
         "nested"),
    ]:
        with pytest.raises(StixError, match=match):
            read_bundle(data)
    with pytest.raises(StixError, match="unknown property"):
        read_envelope(b'{"objects": [], "type": "bundle"}')


def test_content_bytes_leave_out_only_the_own_marking() -> None:
    obj = dict(indicator(), object_marking_refs=[TLP_REFS["GREEN"], "marking-definition--m"])
    doc = json.loads(content_bytes(obj, "marking-definition--m"))
    assert doc["object_marking_refs"] == [TLP_REFS["GREEN"]]
    assert "object_marking_refs" not in json.loads(
        content_bytes(dict(indicator(), object_marking_refs=["m"]), "m"))


# -------------------------------------------------------------------------- readers
LABELS = [
    make_label("NATO", level, cats, originator="GBR")
    for level in ("NATO UNCLASSIFIED", "NATO RESTRICTED", "NATO SECRET")
    for cats in ({}, {"Releasable To": ["GBR", "NZL"]}, {"Releasable To": ["FRA"]},
                 {"Special Handling": ["ATOMAL"]})
] + [make_label("TLP", t, originator="GBR") for t in ("CLEAR", "AMBER", "RED")]
CLEARANCES = [
    clearance_for("GBR", "OFFICIAL-SENSITIVE", policy="GBR"),
    clearance_for("NZL", "SECRET", policy="NZL"),
    clearance_for("FRA", "NATO SECRET", categories={"Special Handling": ["ATOMAL"]}),
    clearance_for("GBR", "AMBER", policy="TLP"),
]


@pytest.mark.parametrize("held", [c for n in range(3)
                                  for c in itertools.combinations(CLEARANCES, n)])
def test_may_see_is_released_by_any_one_clearance(held: tuple) -> None:
    reader = Reader("r", tuple(held))
    for label in LABELS:
        oracle = any(decide(label, c).allowed for c in held)
        assert may_see(label, reader) is oracle, label
    if not held:  # deny by default
        assert not any(may_see(label, reader) for label in LABELS)


def test_may_grant_only_labels_a_clearance_dominates() -> None:
    reader = Reader("gbr", (clearance_for("GBR", "OFFICIAL-SENSITIVE", policy="GBR"),))
    may_grant(REL_GBR_NZL, reader)  # NATO RESTRICTED == OFFICIAL-SENSITIVE
    may_grant(make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["FRA"]}), reader)
    with pytest.raises(LabelError, match="above the author's clearance"):
        may_grant(make_label("NATO", "NATO SECRET"), reader)
    with pytest.raises(LabelError, match="ATOMAL"):
        may_grant(make_label("NATO", "NATO RESTRICTED", {"Special Handling": ["ATOMAL"]}),
                  reader)
    with pytest.raises(LabelError):
        may_grant(make_label("TLP", "GREEN"), reader)  # no TLP clearance held
    with pytest.raises(LabelError, match="no clearance"):
        may_grant(REL_GBR_NZL, Reader("nobody"))
