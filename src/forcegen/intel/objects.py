"""STIX 2.1 objects the partners exchange, validated with the ``stix2`` library.

Accepted types (:data:`ALLOWED_TYPES`): the intelligence content (indicator, observed-data,
attack-pattern, threat-actor, report, sighting, note), what it refers to (identity,
relationship, and the cyber observables observed data points at) and marking definitions.
Anything else is refused: a type nobody here reads is a place to hide data.

A report (or any object) about a sector of the force says so with the custom property
``x_forcegen_sector`` (the sector's id in the workspace) or an external reference
``{"source_name": "forcegen-sector", "external_id": "<sector id>"}``; :func:`sector_of` reads
either (both, if given, must agree).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import stix2
from stix2.exceptions import STIXError

from forcegen.exceptions import StixError

__all__ = [
    "ALLOWED_TYPES",
    "CONTENT_TYPES",
    "OBSERVABLE_TYPES",
    "SECTOR_PROPERTY",
    "SECTOR_SOURCE",
    "object_version",
    "sector_of",
    "validate_object",
    "version_key",
]

#: The intelligence and cyber-threat content of issue 15.
CONTENT_TYPES = frozenset({"indicator", "observed-data", "attack-pattern", "threat-actor",
                           "report", "sighting", "note"})
#: Cyber observables (no created/modified: their version is the time they were added).
OBSERVABLE_TYPES = frozenset({"ipv4-addr", "ipv6-addr", "domain-name", "url", "file",
                              "email-addr", "network-traffic", "mac-addr"})
ALLOWED_TYPES = CONTENT_TYPES | OBSERVABLE_TYPES | frozenset(
    {"identity", "relationship", "marking-definition"})
SECTOR_PROPERTY = "x_forcegen_sector"
SECTOR_SOURCE = "forcegen-sector"
_SECTOR_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_STIX_ID = re.compile(r"^[a-z][a-z0-9-]{0,62}--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}"
                      r"-[0-9a-f]{12}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")


def object_version(obj: dict[str, Any]) -> str | None:
    """The TAXII version of an object: ``modified``, else ``created``, else ``None``.

    Observables have neither; the server then uses the time it added them.
    """
    value = obj.get("modified") or obj.get("created")
    return value if isinstance(value, str) else None


def version_key(timestamp: str, where: str = "version") -> str:
    """A STIX timestamp as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, so that text order is time order.

    Digits beyond microseconds are dropped.

    Raises
    ------
    forcegen.exceptions.StixError
        Not a STIX timestamp (UTC, trailing ``Z``).
    """
    if not isinstance(timestamp, str) or not _TIMESTAMP.fullmatch(timestamp):
        raise StixError(f"{where}: expected a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.sss]Z), got "
                        f"{timestamp!r}")
    head, _, frac = timestamp[:-1].partition(".")
    try:
        dt.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise StixError(f"{where}: {timestamp!r} is not a valid date and time") from None
    return f"{head}.{(frac + '000000')[:6]}Z"


def sector_of(obj: dict[str, Any]) -> str | None:
    """The force sector an object is about (see the module docstring), or ``None``.

    Raises
    ------
    forcegen.exceptions.StixError
        A malformed sector id, or a property and an external reference that disagree.
    """
    where = obj.get("id", "object")
    found: set[str] = set()
    prop = obj.get(SECTOR_PROPERTY)
    if prop is not None:
        found.add(prop if isinstance(prop, str) else "")
    for ref in obj.get("external_references") or ():
        if isinstance(ref, dict) and ref.get("source_name") == SECTOR_SOURCE:
            ext = ref.get("external_id")
            found.add(ext if isinstance(ext, str) else "")
    if not found:
        return None
    if len(found) > 1:
        raise StixError(f"{where}: the sector is given twice and differs: "
                        f"{', '.join(sorted(found))}")
    sector = found.pop()
    if not _SECTOR_ID.fullmatch(sector):
        raise StixError(f"{where} [{SECTOR_PROPERTY}]: expected a sector id (letters, digits, "
                        f"'_.:-', at most 64), got {sector!r}")
    return sector


def _check_shape(obj: Any, where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise StixError(f"{where}: expected a STIX object (a JSON object), got "
                        f"{type(obj).__name__}")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in ALLOWED_TYPES:
        raise StixError(f"{where} [type]: {kind!r} is not accepted here; expected one of "
                        f"{', '.join(sorted(ALLOWED_TYPES))}")
    ident = obj.get("id")
    if not isinstance(ident, str) or not _STIX_ID.fullmatch(ident) or \
            not ident.startswith(kind + "--"):
        raise StixError(f"{where} [id]: expected '{kind}--<uuid>' in lower case, got {ident!r}")
    if obj.get("spec_version") != "2.1":
        raise StixError(f"{where} [spec_version]: expected '2.1', got "
                        f"{obj.get('spec_version')!r}")
    for key in ("created", "modified"):
        value = obj.get(key)
        if value is not None and not (isinstance(value, str) and _TIMESTAMP.fullmatch(value)):
            raise StixError(f"{where} [{key}]: expected a STIX timestamp "
                            f"(YYYY-MM-DDTHH:MM:SS[.sss]Z), got {value!r}")
    return obj


def validate_object(obj: Any, where: str = "object") -> dict[str, Any]:
    """Check one STIX 2.1 object with ``stix2`` (and this module's rules); returns it unchanged.

    Custom ``x_`` properties are allowed (STIX 2.1 permits them); custom object types are not.

    Raises
    ------
    forcegen.exceptions.StixError
        Not an object, a type not accepted, a malformed id, timestamp or sector, or whatever
        ``stix2`` finds wrong (missing property, bad pattern, bad reference), naming the object.
    """
    _check_shape(obj, where)
    where = f"{where} ({obj['id']})"
    try:
        stix2.parse(obj, allow_custom=True, version="2.1")
    except (STIXError, ValueError, TypeError, KeyError) as exc:
        raise StixError(f"{where}: {exc}") from None
    bad = [k for k in obj if not (k.islower() or k.startswith("x_")) or len(k) > 250]
    if bad:
        raise StixError(f"{where}: property name {bad[0]!r} is not a STIX property name")
    sector_of({**obj, "id": where})
    return obj
