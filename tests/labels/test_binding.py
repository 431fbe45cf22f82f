"""Binding label and content by the originating nation's Ed25519 signature; keys and rotation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from forcegen.exceptions import InputError, LabelError, SignatureError
from forcegen.labels.binding import Binding, bind, binding_from_json, verify_binding
from forcegen.labels.keys import KeyList, SigningKey, rotate
from forcegen.labels.label import Label, make_label

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
CONTENT = b"ORBAT annex B: 2 x engineer companies, sector North"


@pytest.fixture(scope="module")
def gbr() -> SigningKey:
    return SigningKey.generate("GBR", T0)


@pytest.fixture(scope="module")
def nzl() -> SigningKey:
    return SigningKey.generate("NZL", T0)


@pytest.fixture(scope="module")
def keys(gbr: SigningKey, nzl: SigningKey) -> KeyList:
    return KeyList([gbr.public, nzl.public])


def _label(originator: str = "GBR") -> Label:
    return make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["GBR", "NZL"]},
                      originator=originator)


def test_a_bound_label_verifies_and_survives_json(gbr: SigningKey, keys: KeyList) -> None:
    b = bind(_label(), CONTENT, gbr, T1)
    assert verify_binding(b, CONTENT, keys) == _label()
    again = binding_from_json(json.loads(json.dumps(b.to_json())))
    assert again == b
    assert verify_binding(again, CONTENT, KeyList.from_json(keys.to_json())) == _label()


def test_changed_content_or_label_is_refused(gbr: SigningKey, keys: KeyList) -> None:
    b = bind(_label(), CONTENT, gbr, T1)
    with pytest.raises(SignatureError, match="content is not the content"):
        verify_binding(b, CONTENT + b" and a battalion", keys)
    wider = make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["FVEY"]}, originator="GBR")
    lower = make_label("NATO", "NATO UNCLASSIFIED", {"Releasable To": ["GBR", "NZL"]},
                       originator="GBR")
    for swapped in (wider, lower):
        with pytest.raises(SignatureError, match="does not verify"):
            verify_binding(dataclasses.replace(b, label=swapped), CONTENT, keys)
    # a label moved onto other content, with that content's digest: still refused
    other = b"other document"
    moved = dataclasses.replace(b, content_sha256=hashlib.sha256(other).hexdigest())
    with pytest.raises(SignatureError, match="does not verify"):
        verify_binding(moved, other, keys)
    flipped = dataclasses.replace(b, signature=bytes([b.signature[0] ^ 1]) + b.signature[1:])
    with pytest.raises(SignatureError, match="does not verify"):
        verify_binding(flipped, CONTENT, keys)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_binding(dataclasses.replace(b, signed_at="2026-06-02T00:00:00Z"), CONTENT, keys)


def test_only_the_originating_nation_signs(gbr: SigningKey, nzl: SigningKey,
                                           keys: KeyList) -> None:
    with pytest.raises(SignatureError, match="only the originating nation"):
        bind(_label("GBR"), CONTENT, nzl, T1)
    # NZL signs a label that claims GBR originated it (forged by hand): wrong nation's key
    b = bind(_label("NZL"), CONTENT, nzl, T1)
    forged = dataclasses.replace(b, label=_label("GBR"))
    with pytest.raises(SignatureError, match="wrong nation's key"):
        verify_binding(forged, CONTENT, keys)


def test_unknown_key_and_missing_signature(gbr: SigningKey, nzl: SigningKey) -> None:
    b = bind(_label(), CONTENT, gbr, T1)
    with pytest.raises(SignatureError, match="unknown key"):
        verify_binding(b, CONTENT, KeyList([nzl.public]))
    doc = b.to_json()
    del doc["signature"]
    with pytest.raises(SignatureError, match="missing"):
        binding_from_json(doc)
    doc = b.to_json()
    doc["label"]["classification"] = "NATO TOP SECRET"
    with pytest.raises(LabelError):
        binding_from_json(doc)
    assert issubclass(SignatureError, InputError) and issubclass(LabelError, InputError)


def test_rotation_keeps_old_signatures_and_stops_the_old_key(gbr: SigningKey,
                                                             keys: KeyList) -> None:
    old_sig = bind(_label(), CONTENT, gbr, T1)
    t2 = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    rotated, new = rotate(keys, SigningKey.generate("GBR"), t2)
    assert new.key_id != gbr.key_id and rotated.keys[gbr.key_id].not_after == t2
    assert rotated.keys[new.key_id].not_before == t2
    assert verify_binding(old_sig, CONTENT, rotated) == _label()  # signed while valid
    late = bind(_label(), CONTENT, gbr, t2 + dt.timedelta(days=1))
    with pytest.raises(SignatureError, match="was not valid"):
        verify_binding(late, CONTENT, rotated)
    fresh = bind(_label(), CONTENT, new, t2 + dt.timedelta(days=1))
    assert verify_binding(fresh, CONTENT, rotated) == _label()
    early = bind(_label(), CONTENT, new, T1)  # before the new key's validity
    with pytest.raises(SignatureError, match="was not valid"):
        verify_binding(early, CONTENT, rotated)


def test_key_files_round_trip_and_bad_ones_fail(gbr: SigningKey, keys: KeyList,
                                                tmp_path: Path) -> None:
    back = SigningKey.from_json(gbr.to_json())
    assert back.key_id == gbr.key_id
    path = tmp_path / "keys.json"
    doc = keys.to_json()
    doc["keys"][0]["key_id"] = "GBR-0000000000000000"
    path.write_text(json.dumps(doc))
    with pytest.raises(SignatureError, match="does not match the nation and public key"):
        KeyList.read(path)
    path.write_text("{")
    with pytest.raises(SignatureError, match="cannot read"):
        KeyList.read(path)
    with pytest.raises(SignatureError, match="listed twice"):
        KeyList([gbr.public, gbr.public])
    with pytest.raises(SignatureError, match="alpha-3"):
        SigningKey.generate("UK")


def test_binding_type_is_plain_data(gbr: SigningKey) -> None:
    b = bind(_label(), CONTENT, gbr, T1)
    assert isinstance(b, Binding) and len(b.signature) == 64 and b.signed_at.endswith("Z")


def test_remembered_signatures_never_let_a_forgery_through() -> None:
    """Verification successes are memoised: a remembered success must not cover other data,
    another signature or another key, and a failure is never remembered as a success."""
    key, other = SigningKey.generate("GBR"), SigningKey.generate("GBR")
    data = b"label and content digest"
    sig = key.sign(data)
    for _ in range(2):  # the second time from the memo
        assert key.public.verify(sig, data)
    assert not key.public.verify(sig, data + b"!")
    assert not other.public.verify(sig, data)
    forged = bytes([sig[0] ^ 1]) + sig[1:]
    for _ in range(2):
        assert not key.public.verify(forged, data)
