"""STIX bundles and TAXII envelopes: read within limits, write.

Limits (refused with :class:`~forcegen.exceptions.StixError` naming the limit): at most
:data:`MAX_BYTES` of JSON, :data:`MAX_OBJECTS` objects, nesting :data:`MAX_DEPTH` deep. The
JSON must be UTF-8, an object, and duplicate keys are refused (two readers could otherwise
see two different objects in the same bytes).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from forcegen.exceptions import StixError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_OBJECTS", "make_bundle", "read_bundle",
           "read_envelope", "read_json"]

MAX_BYTES = 16 * 1024 * 1024
MAX_OBJECTS = 10_000
MAX_DEPTH = 32


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise StixError(f"duplicate key {key!r} in a JSON object")
        out[key] = value
    return out


def _depth(value: Any, limit: int) -> int:
    stack: list[tuple[Any, int]] = [(value, 1)]
    deepest = 0
    while stack:
        item, d = stack.pop()
        deepest = max(deepest, d)
        if d > limit:
            return d
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return deepest


def read_json(data: bytes | str, where: str) -> dict[str, Any]:
    """A JSON object from ``data`` within the limits (:class:`StixError` naming ``where``)."""
    if len(data) > MAX_BYTES:
        raise StixError(f"{where}: larger than {MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        # Depth is bounded before parsing too: json's recursion would fail on 100,000 '['.
        if text.count("[") + text.count("{") > 4 * MAX_OBJECTS * MAX_DEPTH:
            raise StixError(f"{where}: too many nested values")
        doc = json.loads(text, object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError:
        raise StixError(f"{where}: not UTF-8") from None
    except RecursionError:
        raise StixError(f"{where}: nested more than {MAX_DEPTH} deep") from None
    except ValueError as exc:
        raise StixError(f"{where}: not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise StixError(f"{where}: expected a JSON object, got {type(doc).__name__}")
    if _depth(doc, MAX_DEPTH) > MAX_DEPTH:
        raise StixError(f"{where}: nested more than {MAX_DEPTH} deep")
    return doc


def _objects(doc: dict[str, Any], where: str) -> list[Any]:
    objects = doc.get("objects")
    if not isinstance(objects, list):
        raise StixError(f"{where} [objects]: expected a list of STIX objects")
    if len(objects) > MAX_OBJECTS:
        raise StixError(f"{where} [objects]: more than {MAX_OBJECTS} objects")
    return objects


def read_bundle(data: bytes | str, where: str = "bundle") -> list[Any]:
    """The objects of a STIX 2.1 bundle (``{"type": "bundle", "id": ..., "objects": [...]}``).

    The objects themselves are checked by :func:`forcegen.intel.signing.pair_labels`.
    """
    doc = read_json(data, where)
    if doc.get("type") != "bundle":
        raise StixError(f"{where} [type]: expected 'bundle', got {doc.get('type')!r}")
    ident = doc.get("id")
    if not isinstance(ident, str) or not ident.startswith("bundle--"):
        raise StixError(f"{where} [id]: expected 'bundle--<uuid>', got {ident!r}")
    unknown = set(doc) - {"type", "id", "objects", "spec_version"}
    if unknown:
        raise StixError(f"{where}: unknown property {sorted(unknown)[0]!r} of a bundle")
    return _objects(doc, where)


def read_envelope(data: bytes | str, where: str = "envelope") -> list[Any]:
    """The objects of a TAXII 2.1 envelope (``{"objects": [...]}``, ``more``/``next`` allowed)."""
    doc = read_json(data, where)
    unknown = set(doc) - {"objects", "more", "next"}
    if unknown:
        raise StixError(f"{where}: unknown property {sorted(unknown)[0]!r} of an envelope")
    return _objects(doc, where)


def make_bundle(objects: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A STIX 2.1 bundle of ``objects`` (a fresh bundle id)."""
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": list(objects)}
