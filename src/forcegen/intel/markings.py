"""STIX 2.1 marking definitions: TLP 2.0 and the label marking carrying a STANAG 4774 label.

TLP 2.0 marking definitions are the OASIS ones (fixed ids, the ``tlp_2_0`` property extension);
objects may refer to them without shipping them. The label marking is this project's: a
marking definition whose property extension (:data:`LABEL_EXTENSION_ID`) carries the object's
4774 label in its JSON form and the binding made by the originating nation::

    {"type": "marking-definition", "spec_version": "2.1",
     "id": "marking-definition--<uuid5 of the object id and version>",
     "created": "<the object's version>", "name": "NATO RESTRICTED REL TO GBR, NZL",
     "extensions": {"extension-definition--2c8bb02a-c74e-5794-be56-5514b27cf868": {
         "extension_type": "property-extension",
         "label": {<4774 JSON: policyIdentifier, classification, categories, ...>},
         "binding": {"content_sha256": "...", "key_id": "GBR-...", "signed_at": "...",
                     "signature": "<base64 Ed25519>"}}}}

One label marking marks one version of one object (the signature covers that object's
content), so its id is derived from the object's id and version.
"""

from __future__ import annotations

import uuid
from typing import Any

from forcegen.exceptions import StixError
from forcegen.labels.binding import Binding, binding_from_json
from forcegen.labels.label import label_to_json, marking
from forcegen.labels.registry import PolicySet

__all__ = [
    "FORCEGEN_IDENTITY_ID",
    "LABEL_EXTENSION",
    "LABEL_EXTENSION_ID",
    "TLP_EXTENSION_ID",
    "TLP_MARKINGS",
    "TLP_REFS",
    "is_label_marking",
    "label_marking",
    "label_marking_id",
    "read_label_marking",
    "tlp_ref",
]

TLP_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#: TLP 2.0 level -> the OASIS marking-definition id.
TLP_REFS: dict[str, str] = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def _tlp(level: str, ref: str) -> dict[str, Any]:
    return {"type": "marking-definition", "spec_version": "2.1", "id": ref,
            "created": "2022-10-01T00:00:00.000Z", "name": f"TLP:{level}",
            "extensions": {TLP_EXTENSION_ID: {"extension_type": "property-extension",
                                              "tlp_2_0": level.lower()}}}


#: The TLP 2.0 marking definitions by id.
TLP_MARKINGS: dict[str, dict[str, Any]] = {ref: _tlp(lvl, ref) for lvl, ref in TLP_REFS.items()}

#: Ids of this project's own STIX objects (uuid5 of a forcegen URN: fixed, reproducible).
FORCEGEN_IDENTITY_ID = "identity--f4e82331-26c8-5aea-9782-4be72535a983"
LABEL_EXTENSION_ID = "extension-definition--2c8bb02a-c74e-5794-be56-5514b27cf868"
_MARKING_NAMESPACE = uuid.UUID("cd625419-eed9-5bc0-9d9f-c1b41e971eb7")

#: The extension definition of the label marking (shipped in exported bundles).
LABEL_EXTENSION: dict[str, Any] = {
    "type": "extension-definition", "spec_version": "2.1", "id": LABEL_EXTENSION_ID,
    "created_by_ref": FORCEGEN_IDENTITY_ID, "created": "2026-12-01T00:00:00.000Z",
    "modified": "2026-12-01T00:00:00.000Z",
    "name": "forcegen STANAG 4774 label and STANAG 4778-style binding",
    "description": "A marking definition carrying a STANAG 4774 confidentiality label (JSON "
                   "form) and the originating nation's Ed25519 signature binding it to one "
                   "version of one object. See forcegen docs/intel.md.",
    "schema": "https://github.com/forcegen/forcegen/blob/main/docs/intel.md",
    "version": "1.0.0", "extension_types": ["property-extension"],
}


def tlp_ref(level: str) -> str:
    """The OASIS marking-definition id of a TLP 2.0 level (``AMBER+STRICT``...)."""
    try:
        return TLP_REFS[level.upper()]
    except KeyError:
        raise StixError(f"unknown TLP level {level!r}; expected one of "
                        f"{', '.join(TLP_REFS)}") from None


def label_marking_id(object_id: str, version: str) -> str:
    """The id of the label marking of ``object_id`` at ``version`` (uuid5, reproducible)."""
    return f"marking-definition--{uuid.uuid5(_MARKING_NAMESPACE, f'{object_id}|{version}')}"


def label_marking(object_id: str, version: str, binding: Binding,
                  policies: PolicySet | None = None) -> dict[str, Any]:
    """The marking definition carrying ``binding`` (label + signature) for one object version."""
    return {
        "type": "marking-definition", "spec_version": "2.1",
        "id": label_marking_id(object_id, version), "created": version,
        "name": marking(binding.label, policies),
        "extensions": {LABEL_EXTENSION_ID: {
            "extension_type": "property-extension",
            "label": label_to_json(binding.label),
            "binding": {k: v for k, v in binding.to_json().items() if k != "label"},
        }},
    }


def is_label_marking(obj: dict[str, Any]) -> bool:
    """Whether ``obj`` is a marking definition carrying a forcegen label extension."""
    ext = obj.get("extensions")
    return (obj.get("type") == "marking-definition" and isinstance(ext, dict)
            and LABEL_EXTENSION_ID in ext)


def read_label_marking(obj: dict[str, Any], policies: PolicySet | None = None) -> Binding:
    """The binding (label and signature) a label marking carries.

    Raises
    ------
    forcegen.exceptions.StixError
        The extension is not an object or lacks the label or the binding.
    forcegen.exceptions.LabelError
        The label is invalid under its policy.
    forcegen.exceptions.SignatureError
        The binding is incomplete (no signature, no key id...).
    """
    ext = obj.get("extensions", {}).get(LABEL_EXTENSION_ID)
    where = f"{obj.get('id')} [extensions.{LABEL_EXTENSION_ID}]"
    if not isinstance(ext, dict) or ext.get("extension_type") != "property-extension":
        raise StixError(f"{where}: expected a property-extension object")
    unknown = set(ext) - {"extension_type", "label", "binding"}
    if unknown:
        raise StixError(f"{where}: unknown property {sorted(unknown)[0]!r}")
    raw = ext.get("binding")
    if not isinstance(raw, dict):
        raise StixError(f"{where} [binding]: expected an object with the signature")
    return binding_from_json({**raw, "label": ext.get("label")}, policies)

