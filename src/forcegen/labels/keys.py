"""Ed25519 signing keys per nation, their rotation and the key list published to partners.

A key's id is derived from its public key (``GBR-`` and 16 hex digits of its SHA-256), so a
key list cannot give one id to two keys. Each key has a validity window; rotating a nation's
key closes the old window and opens the new one, and signatures made inside the old window
still verify. The published key list is JSON and holds only public keys::

    {"format": "forcegen-keylist-1",
     "keys": [{"key_id": "GBR-...", "nation": "GBR", "algorithm": "Ed25519",
               "public_key": "<base64 of the 32 raw bytes>",
               "not_before": "2026-01-01T00:00:00Z", "not_after": null}]}

A signing key file is JSON too (``"format": "forcegen-signing-key-1"``, with the raw private
key in base64): keep it secret.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from forcegen.exceptions import SignatureError

__all__ = [
    "KeyList",
    "PublicKey",
    "SigningKey",
    "iso",
    "parse_time",
    "read_signing_keys",
    "rotate",
]

_NATION = re.compile(r"^[A-Z]{3}$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: Signatures found valid: (public key, signature, SHA-256 of the data). An object is checked
#: when it is posted and again each time it is read back from the database (object row and
#: label marking row carry the same binding), so the same triple recurs; Ed25519 verification
#: is a pure function of it, so remembering a success changes no answer. Only successes are
#: kept (a forged signature is checked every time and cannot fill the memo); bounded.
_VERIFIED: set[tuple[bytes, bytes, bytes]] = set()
_VERIFIED_MAX = 100_000
_VERIFIED_LOCK = threading.Lock()


def iso(t: dt.datetime | None) -> str | None:
    """UTC time as ``YYYY-MM-DDTHH:MM:SSZ`` (``None`` stays ``None``)."""
    return None if t is None else t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any, where: str) -> dt.datetime:
    """An ISO 8601 UTC time; :class:`SignatureError` naming ``where`` otherwise."""
    try:
        t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise SignatureError(f"{where}: expected an ISO 8601 time, got {value!r}") from None
    if t.tzinfo is None:
        raise SignatureError(f"{where}: the time must say its zone (UTC: a trailing Z)")
    return t.astimezone(dt.UTC)


def _b64(value: Any, where: str, size: int) -> bytes:
    try:
        raw = base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{where}: not base64") from None
    if len(raw) != size:
        raise SignatureError(f"{where}: expected {size} bytes, got {len(raw)}")
    return raw


def _key_id(nation: str, raw: bytes) -> str:
    return f"{nation}-{hashlib.sha256(raw).hexdigest()[:16]}"


@dataclass(frozen=True)
class PublicKey:
    """A nation's public key with its id and validity window (``not_after`` None: open)."""

    key_id: str
    nation: str
    raw: bytes
    not_before: dt.datetime
    not_after: dt.datetime | None = None

    def valid_at(self, t: dt.datetime) -> bool:
        """Whether the key may have signed at time ``t``."""
        return self.not_before <= t and (self.not_after is None or t < self.not_after)

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``data``."""
        memo = (self.raw, bytes(signature), hashlib.sha256(data).digest())
        if memo in _VERIFIED:
            return True
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
        except InvalidSignature:
            return False
        with _VERIFIED_LOCK:
            if len(_VERIFIED) >= _VERIFIED_MAX:
                _VERIFIED.clear()
            _VERIFIED.add(memo)
        return True

    def to_json(self) -> dict[str, Any]:
        """The public key as a JSON object (the key in base64, validity as ISO times)."""
        return {"key_id": self.key_id, "nation": self.nation, "algorithm": "Ed25519",
                "public_key": base64.b64encode(self.raw).decode(),
                "not_before": iso(self.not_before), "not_after": iso(self.not_after)}


@dataclass(frozen=True)
class SigningKey:
    """A nation's private Ed25519 key with the public half's id and validity."""

    nation: str
    private: Ed25519PrivateKey
    not_before: dt.datetime = _EPOCH
    not_after: dt.datetime | None = None

    @classmethod
    def generate(cls, nation: str, not_before: dt.datetime = _EPOCH,
                 not_after: dt.datetime | None = None) -> SigningKey:
        """A fresh key for ``nation`` (ISO alpha-3)."""
        if not _NATION.fullmatch(nation):
            raise SignatureError(f"nation {nation!r}: expected an ISO 3166 alpha-3 code")
        return cls(nation, Ed25519PrivateKey.generate(), not_before, not_after)

    @property
    def public(self) -> PublicKey:
        """The public half, with its key id and the same validity."""
        raw = self.private.public_key().public_bytes_raw()
        return PublicKey(_key_id(self.nation, raw), self.nation, raw, self.not_before,
                         self.not_after)

    @property
    def key_id(self) -> str:
        """The id of the public half."""
        return self.public.key_id

    def sign(self, data: bytes) -> bytes:
        """The Ed25519 signature of ``data``."""
        return self.private.sign(data)

    def to_json(self) -> dict[str, Any]:
        """The key file's JSON object (format ``forcegen-signing-key-1``; private: keep safe)."""
        return {"format": "forcegen-signing-key-1", "nation": self.nation,
                "key_id": self.key_id,
                "private_key": base64.b64encode(self.private.private_bytes_raw()).decode(),
                "not_before": iso(self.not_before), "not_after": iso(self.not_after)}

    @classmethod
    def from_json(cls, obj: Any, where: str = "signing key") -> SigningKey:
        """The key of :meth:`to_json`; :class:`SignatureError` naming ``where`` if bad."""
        if not isinstance(obj, dict) or obj.get("format") != "forcegen-signing-key-1":
            raise SignatureError(f"{where}: not a forcegen signing key "
                                 "(format forcegen-signing-key-1)")
        nation = obj.get("nation")
        if not isinstance(nation, str) or not _NATION.fullmatch(nation):
            raise SignatureError(f"{where} [nation]: expected an ISO 3166 alpha-3 code")
        raw = _b64(obj.get("private_key"), f"{where} [private_key]", 32)
        after = obj.get("not_after")
        return cls(nation, Ed25519PrivateKey.from_private_bytes(raw),
                   parse_time(obj.get("not_before", iso(_EPOCH)), f"{where} [not_before]"),
                   None if after is None else parse_time(after, f"{where} [not_after]"))


class KeyList:
    """The published list of public keys, by key id."""

    def __init__(self, keys: Iterable[PublicKey] = ()) -> None:
        self.keys: dict[str, PublicKey] = {}
        for k in keys:
            if k.key_id in self.keys:
                raise SignatureError(f"key list: key {k.key_id} is listed twice")
            self.keys[k.key_id] = k

    def lookup(self, key_id: str, nation: str | None, at: dt.datetime) -> PublicKey:
        """The key that must have signed: known, of ``nation`` (if given), valid at ``at``.

        Raises
        ------
        forcegen.exceptions.SignatureError
            Unknown key id, another nation's key, or a time outside the key's validity.
        """
        key = self.keys.get(key_id)
        if key is None:
            raise SignatureError(f"unknown key {key_id!r}: not in the published key list")
        if nation is not None and key.nation != nation:
            raise SignatureError(f"key {key_id} belongs to {key.nation}, but {nation} must "
                                 "sign this: wrong nation's key")
        if not key.valid_at(at):
            raise SignatureError(f"key {key_id} was not valid at {iso(at)} (valid from "
                                 f"{iso(key.not_before)} to {iso(key.not_after) or 'open'})")
        return key

    def to_json(self) -> dict[str, Any]:
        """The key list as a JSON object (format ``forcegen-keylist-1``), keys in id order."""
        return {"format": "forcegen-keylist-1",
                "keys": [self.keys[k].to_json() for k in sorted(self.keys)]}

    @classmethod
    def from_json(cls, obj: Any, where: str = "key list") -> KeyList:
        """The key list of :meth:`to_json`; :class:`SignatureError` naming ``where`` if bad."""
        if not isinstance(obj, dict) or obj.get("format") != "forcegen-keylist-1":
            raise SignatureError(f"{where}: not a forcegen key list (format forcegen-keylist-1)")
        raw_keys = obj.get("keys")
        if not isinstance(raw_keys, list):
            raise SignatureError(f"{where} [keys]: expected a list")
        keys = []
        for i, k in enumerate(raw_keys):
            at = f"{where} [keys.{i}]"
            if not isinstance(k, dict) or k.get("algorithm") != "Ed25519":
                raise SignatureError(f"{at}: expected an object with algorithm Ed25519")
            nation = k.get("nation")
            if not isinstance(nation, str) or not _NATION.fullmatch(nation):
                raise SignatureError(f"{at} [nation]: expected an ISO 3166 alpha-3 code")
            raw = _b64(k.get("public_key"), f"{at} [public_key]", 32)
            if k.get("key_id") != _key_id(nation, raw):
                raise SignatureError(f"{at} [key_id]: does not match the nation and public key "
                                     f"(expected {_key_id(nation, raw)})")
            after = k.get("not_after")
            until = None if after is None else parse_time(after, f"{at} [not_after]")
            keys.append(PublicKey(k["key_id"], nation, raw,
                                  parse_time(k.get("not_before"), f"{at} [not_before]"), until))
        return cls(keys)

    @classmethod
    def read(cls, path: Path | str) -> KeyList:
        """A key list from a JSON file (:class:`SignatureError` if unreadable or malformed)."""
        try:
            obj = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise SignatureError(f"{path}: cannot read the key list: {exc}") from None
        return cls.from_json(obj, str(path))


def rotate(keys: KeyList, new: SigningKey, at: dt.datetime) -> tuple[KeyList, SigningKey]:
    """Publish ``new`` from ``at`` on and retire, at ``at``, every key of its nation still open.

    Signatures made while a retired key was valid keep verifying; later ones by it do not.
    Returns the new key list and ``new`` with its validity starting at ``at``.
    """
    fresh = replace(new, not_before=at, not_after=None)
    if fresh.key_id in keys.keys:
        raise SignatureError(f"key {fresh.key_id} is already published")
    kept = [replace(k, not_after=at)
            if k.nation == new.nation and (k.not_after is None or k.not_after > at) else k
            for k in keys.keys.values()]
    return KeyList([*kept, fresh.public]), fresh


def read_signing_keys(path: str | Path) -> tuple[SigningKey, ...]:
    """The signing keys in a file: one key object, a list of them, or ``{"keys": [...]}``.

    Raises
    ------
    forcegen.exceptions.SignatureError
        The file is unreadable or holds something else, naming the file and the entry.
    """
    where = str(path)
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SignatureError(f"{where}: cannot read the signing keys: {exc}") from None
    if isinstance(doc, dict) and "keys" in doc:
        doc = doc["keys"]
    entries = doc if isinstance(doc, list) else [doc]
    return tuple(SigningKey.from_json(e, f"{where} [{i}]") for i, e in enumerate(entries))
