"""Objects bound to their labels: signing one, and pairing a bundle's objects with their labels.

The content a label is bound to is the object's canonical JSON (keys sorted, no spaces, UTF-8)
without the reference to its own label marking in ``object_marking_refs`` (the marking holds
the signature, so it cannot be inside what is signed). Every other property, TLP marking
references included, is covered: changing any of them, or the label, breaks the signature.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from forcegen.exceptions import StixError
from forcegen.intel.markings import (
    LABEL_EXTENSION,
    TLP_MARKINGS,
    TLP_REFS,
    is_label_marking,
    label_marking,
    label_marking_id,
    read_label_marking,
)
from forcegen.intel.objects import object_version, sector_of, validate_object
from forcegen.labels.binding import Binding, bind, verify_binding
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.label import Label
from forcegen.labels.registry import PolicySet

__all__ = ["SignedObject", "content_bytes", "pair_labels", "sign_object"]


@dataclass(frozen=True)
class SignedObject:
    """A STIX object with its verified label: the object, its label marking and the binding."""

    obj: dict[str, Any]
    marking: dict[str, Any]
    binding: Binding

    @property
    def label(self) -> Label:
        """The verified label."""
        return self.binding.label

    @property
    def id(self) -> str:
        """The object's STIX id."""
        return str(self.obj["id"])

    @property
    def type(self) -> str:
        """The object's STIX type."""
        return str(self.obj["type"])

    @property
    def version(self) -> str | None:
        """The object's version (``None`` for an observable)."""
        return object_version(self.obj)

    @property
    def sector(self) -> str | None:
        """The force sector the object is about, if any."""
        return sector_of(self.obj)


def content_bytes(obj: dict[str, Any], marking_id: str) -> bytes:
    """The bytes a label is bound to: canonical JSON of ``obj`` without the ``marking_id`` ref."""
    content = dict(obj)
    refs = [r for r in content.get("object_marking_refs") or () if r != marking_id]
    if refs:
        content["object_marking_refs"] = refs
    else:
        content.pop("object_marking_refs", None)
    return json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def sign_object(obj: dict[str, Any], label: Label, key: SigningKey,
                at: dt.datetime | None = None,
                policies: PolicySet | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Bind ``label`` to ``obj`` with the originating nation's key.

    A TLP label also gets the OASIS TLP 2.0 marking reference. Returns the object with its
    label marking referenced in ``object_marking_refs``, and that marking definition.

    Raises
    ------
    forcegen.exceptions.StixError
        The object is not valid STIX 2.1.
    forcegen.exceptions.SignatureError
        The label's originator is not the key's nation.
    """
    validate_object(obj)
    at = at or dt.datetime.now(dt.UTC)
    # Observables have no created/modified: their label marking is dated by the signature.
    version = object_version(obj) or at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    obj = dict(obj)
    if label.policy == "TLP" and TLP_REFS[label.classification] not in \
            (obj.get("object_marking_refs") or ()):
        obj["object_marking_refs"] = [*(obj.get("object_marking_refs") or ()),
                                      TLP_REFS[label.classification]]
    mark_id = label_marking_id(obj["id"], version)
    binding = bind(label, content_bytes(obj, mark_id), key, at, policies)
    obj["object_marking_refs"] = [*(obj.get("object_marking_refs") or ()), mark_id]
    return obj, label_marking(obj["id"], version, binding, policies)


def _label_ref(obj: dict[str, Any], markings: dict[str, dict[str, Any]], where: str) -> str:
    refs = obj.get("object_marking_refs") or ()
    mine = [r for r in refs if r in markings]
    if len(mine) != 1:
        raise StixError(f"{where}: expected exactly one forcegen label marking in "
                        f"object_marking_refs (shipped in the same bundle), found {len(mine)}")
    return mine[0]


def pair_labels(objects: list[dict[str, Any]], keys: KeyList,
                policies: PolicySet | None = None) -> list[SignedObject]:
    """Validate a bundle's objects and verify each one's label signature.

    Every object must reference exactly one label marking shipped in the same list, whose
    signature by the label's originator verifies over the object; every label marking must
    mark an object. TLP 2.0 marking definitions and the label extension's definition are
    accepted and dropped (they are well known). Any failure refuses the whole list.

    Raises
    ------
    forcegen.exceptions.StixError
        Invalid STIX, an unlabelled object, an orphan label marking, another marking
        definition, a duplicate id and version.
    forcegen.exceptions.SignatureError
        A forged or broken signature, an unknown, expired or wrong nation's key.
    forcegen.exceptions.LabelError
        A label invalid under its policy.
    """
    markings: dict[str, dict[str, Any]] = {}
    content: list[tuple[str, dict[str, Any]]] = []
    for i, raw in enumerate(objects):
        where = f"objects[{i}]"
        if isinstance(raw, dict) and raw.get("id") == LABEL_EXTENSION["id"]:
            continue
        obj = validate_object(raw, where) if not (isinstance(raw, dict) and
                                                  raw.get("id") in TLP_MARKINGS) else raw
        if obj["id"] in TLP_MARKINGS:
            continue
        if is_label_marking(obj):
            markings[obj["id"]] = obj
        elif obj["type"] == "marking-definition":
            raise StixError(f"{where} ({obj['id']}): only TLP 2.0 and forcegen label marking "
                            "definitions are accepted")
        else:
            content.append((f"{where} ({obj['id']})", obj))
    out: list[SignedObject] = []
    used: set[str] = set()
    seen: set[tuple[str, str | None]] = set()
    for where, obj in content:
        ref = _label_ref(obj, markings, where)
        if ref in used:
            raise StixError(f"{where}: label marking {ref} already marks another object; a "
                            "label marking marks one version of one object")
        used.add(ref)
        binding = read_label_marking(markings[ref], policies)
        verify_binding(binding, content_bytes(obj, ref), keys, policies)
        key = (obj["id"], object_version(obj))
        if key in seen:
            raise StixError(f"{where}: the same object and version appears twice")
        seen.add(key)
        out.append(SignedObject(obj, markings[ref], binding))
    orphans = sorted(set(markings) - used)
    if orphans:
        raise StixError(f"label marking {orphans[0]} marks no object of the bundle")
    return out
