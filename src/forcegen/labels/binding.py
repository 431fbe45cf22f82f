"""Label and content bound by the originating nation's signature (STANAG 4778 in spirit).

The signed bytes are a fixed prefix, then canonical JSON (sorted keys, no spaces, UTF-8) of
the label's JSON form, the SHA-256 of the content, the key id and the signing time. A label
swapped onto other content, a label or content changed by one bit, a signature by another
nation's key, an unknown or out-of-validity key: each is refused with
:class:`forcegen.exceptions.SignatureError` by :func:`verify_binding`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from forcegen.exceptions import LabelError, SignatureError
from forcegen.labels.keys import KeyList, SigningKey, iso, parse_time
from forcegen.labels.label import Label, label_from_json, label_to_json, validate
from forcegen.labels.registry import PolicySet

__all__ = ["Binding", "bind", "binding_from_json", "canonical_bytes", "verify_binding"]

_PREFIX = b"forcegen-label-binding-v1\n"


@dataclass(frozen=True)
class Binding:
    """A label bound to content: the content's digest, who signed, when, and the signature."""

    label: Label
    content_sha256: str
    key_id: str
    signed_at: str
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        """The binding as a JSON object (the signature in base64)."""
        return {"label": label_to_json(self.label), "content_sha256": self.content_sha256,
                "key_id": self.key_id, "signed_at": self.signed_at,
                "signature": base64.b64encode(self.signature).decode()}


def canonical_bytes(label: Label, content_sha256: str, key_id: str, signed_at: str) -> bytes:
    """The exact bytes signed: prefix + canonical JSON of label, content digest, key, time."""
    doc = {"label": label_to_json(label), "content_sha256": content_sha256, "key_id": key_id,
           "signed_at": signed_at}
    return _PREFIX + json.dumps(doc, sort_keys=True, separators=(",", ":"),
                                ensure_ascii=False).encode("utf-8")


def bind(label: Label, content: bytes, key: SigningKey, at: dt.datetime | None = None,
         policies: PolicySet | None = None) -> Binding:
    """Sign ``label`` + ``content`` with the originating nation's key.

    Raises
    ------
    forcegen.exceptions.SignatureError
        The label names no originator or another one than the key's nation.
    """
    validate(label, policies)
    if label.originator != key.nation:
        raise SignatureError(f"the label's originator is {label.originator or 'not given'}; "
                             f"only the originating nation signs it, this key is {key.nation}'s")
    when = iso(at or dt.datetime.now(dt.UTC))
    assert when is not None
    digest = hashlib.sha256(content).hexdigest()
    sig = key.sign(canonical_bytes(label, digest, key.key_id, when))
    return Binding(label, digest, key.key_id, when, sig)


def verify_binding(binding: Binding, content: bytes, keys: KeyList,
                   policies: PolicySet | None = None) -> Label:
    """Check a binding against the content and the published keys; the label if it holds.

    Raises
    ------
    forcegen.exceptions.SignatureError
        Unknown key, another nation's key, key not valid when signed, forged signature
        (label, digest, key id or time changed), or content that is not what was signed.
    forcegen.exceptions.LabelError
        The label itself is invalid under its policy.
    """
    validate(binding.label, policies)
    if not binding.label.originator:
        raise SignatureError("the label names no originator: nobody can have signed it")
    at = parse_time(binding.signed_at, "binding [signed_at]")
    key = keys.lookup(binding.key_id, binding.label.originator, at)
    data = canonical_bytes(binding.label, binding.content_sha256, binding.key_id,
                           binding.signed_at)
    if not key.verify(binding.signature, data):
        raise SignatureError(f"the signature by {binding.key_id} does not verify: the label, "
                             "the content digest, the key id or the time was changed, or it "
                             "is forged")
    if hashlib.sha256(content).hexdigest() != binding.content_sha256:
        raise SignatureError("the content is not the content that was signed (its SHA-256 "
                             "differs): refused")
    return binding.label


def binding_from_json(obj: Any, policies: PolicySet | None = None) -> Binding:
    """A :class:`Binding` from its JSON form (a missing signature is a SignatureError)."""
    if not isinstance(obj, dict):
        raise LabelError("binding: expected a JSON object")
    for key in ("content_sha256", "key_id", "signed_at"):
        if not isinstance(obj.get(key), str):
            raise SignatureError(f"binding [{key}]: missing or not text")
    if not obj.get("signature"):
        raise SignatureError("binding [signature]: missing: an unsigned label is refused")
    try:
        sig = base64.b64decode(str(obj["signature"]), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("binding [signature]: not base64") from None
    return Binding(label_from_json(obj.get("label"), policies), obj["content_sha256"],
                   obj["key_id"], obj["signed_at"], sig)
