"""The STANAG 4778 XML form of a binding: the same binding as the JSON form, verifying the
same way; a changed label, digest or signature in the XML is refused; bad XML fails clearly."""

from __future__ import annotations

import datetime as dt
import hashlib
import xml.etree.ElementTree as ET

import pytest

from forcegen.exceptions import LabelError, SignatureError
from forcegen.labels.binding import bind, binding_from_json, verify_binding
from forcegen.labels.bindingxml import BINDING_NS, binding_from_xml, binding_to_xml
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.label import make_label
from forcegen.labels.xmlform import NS

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
CONTENT = b"ORBAT annex B: 2 x engineer companies, sector North"
LABEL = make_label("NATO", "NATO SECRET", {"Releasable To": ["GBR", "NZL"],
                                           "Special Handling": ["CRYPTO"]}, originator="GBR",
                   created="2026-05-30T08:00:00Z")


@pytest.fixture(scope="module")
def gbr() -> SigningKey:
    return SigningKey.generate("GBR", T0)


@pytest.fixture(scope="module")
def keys(gbr: SigningKey) -> KeyList:
    return KeyList([gbr.public, SigningKey.generate("NZL", T0).public])


def test_xml_form_has_the_4778_structure_and_round_trips(gbr: SigningKey, keys: KeyList) -> None:
    b = bind(LABEL, CONTENT, gbr, T1)
    text = binding_to_xml(b)
    root = ET.fromstring(text)
    mb = "{" + BINDING_NS + "}"
    assert root.tag == mb + "BindingInformation"
    assert root[0].get("Algorithm") == "Ed25519" and root[0].get("KeyId") == b.key_id
    binding = root.find(f"{mb}MetadataBindingContainer/{mb}MetadataBinding")
    assert binding is not None
    assert binding.find(f"{mb}Metadata/{{{NS}}}ConfidentialityLabel") is not None
    ref = binding.find(f"{mb}DataReference")
    assert ref is not None
    assert ref.get("URI") == "urn:forcegen:sha256:" + hashlib.sha256(CONTENT).hexdigest()
    back = binding_from_xml(text)
    assert back == b == binding_from_json(b.to_json())
    assert verify_binding(back, CONTENT, keys) == LABEL


def _tampered(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_a_changed_label_digest_or_signature_in_the_xml_is_refused(
    gbr: SigningKey, keys: KeyList
) -> None:
    b = bind(LABEL, CONTENT, gbr, T1)
    text = binding_to_xml(b)
    wider = _tampered(text, ">NZL<", ">FRA<")
    lower = _tampered(text, "NATO SECRET", "NATO RESTRICTED")
    other_caveat = _tampered(text, ">CRYPTO<", ">SIGINT<")
    other_digest = _tampered(text, b.content_sha256, hashlib.sha256(b"other").hexdigest())
    for forged in (wider, lower, other_caveat, other_digest):
        with pytest.raises(SignatureError, match="does not verify"):
            verify_binding(binding_from_xml(forged), CONTENT, keys)
    with pytest.raises(SignatureError, match="content is not the content"):
        verify_binding(binding_from_xml(text), CONTENT + b"!", keys)


@pytest.mark.parametrize(
    ("edit", "error", "words"),
    [
        (lambda t: t.split(">", 1)[0] + ">" + t.split("</fgs:Signature>", 1)[1],
         SignatureError, "no Signature"),
        (lambda t: t.replace('Algorithm="Ed25519"', 'Algorithm="RSA"'), SignatureError,
         "expected Ed25519"),
        (lambda t: t.replace("urn:forcegen:sha256:", "http://evil/"), LabelError,
         "DataReference URI"),
        (lambda t: t.replace(BINDING_NS, "urn:other"), LabelError, "BindingInformation"),
        (lambda t: '<!DOCTYPE x [<!ENTITY a "b">]>' + t, LabelError, "refused"),
        (lambda t: t[:-30], LabelError, "not well-formed"),
        (lambda t: t.replace("<mb:DataReference", "<mb:Metadata /><mb:DataReference"),
         LabelError, "one Metadata"),
        (lambda t: t.replace("NATO SECRET", "NATO SEKRET"), LabelError, "NATO SEKRET"),
    ],
)
def test_bad_binding_xml_fails_naming_the_problem(
    gbr: SigningKey, edit: object, error: type[Exception], words: str
) -> None:
    text = binding_to_xml(bind(LABEL, CONTENT, gbr, T1))
    bad = edit(text)  # type: ignore[operator]
    with pytest.raises(error, match=words):
        binding_from_xml(bad)


def test_oversized_binding_xml_is_refused_before_parsing() -> None:
    with pytest.raises(LabelError, match="larger than"):
        binding_from_xml("<a>" + "x" * 300_000 + "</a>")
