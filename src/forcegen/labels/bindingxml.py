"""A binding as XML in the STANAG 4778 binding-information structure (beside the JSON form).

The shape follows ADatP-4778's ``BindingInformation``: the signature first, then a
``MetadataBindingContainer`` holding one ``MetadataBinding`` of the label (``Metadata``, the
4774 XML of :mod:`forcegen.labels.xmlform`) and the content it is bound to
(``DataReference``, by its SHA-256)::

    <mb:BindingInformation xmlns:mb="urn:nato:stanag:4778:bindinginformation:1:0"
                           xmlns:fgs="urn:forcegen:binding-signature:1">
      <fgs:Signature Algorithm="Ed25519" KeyId="GBR:0123456789abcdef"
                     SignedAt="2026-12-01T09:30:00Z">base64</fgs:Signature>
      <mb:MetadataBindingContainer>
        <mb:MetadataBinding>
          <mb:Metadata><slab:ConfidentialityLabel>...</slab:ConfidentialityLabel></mb:Metadata>
          <mb:DataReference URI="urn:forcegen:sha256:9f86d0...">
        </mb:MetadataBinding>
      </mb:MetadataBindingContainer>
    </mb:BindingInformation>

The signature is **not** an XML-DSig ``ds:Signature``: it is the same Ed25519 signature as the
JSON form's (:mod:`forcegen.labels.binding`), over the same canonical bytes, in an element of
this project's namespace. So one binding has two interchangeable forms, and a binding read
from either verifies (or fails) identically with :func:`~forcegen.labels.binding.verify_binding`.
Read with ``defusedxml`` (no DTD, no entities) and the size limit of 4774 XML.
"""

from __future__ import annotations

import base64
import binascii
import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from forcegen.exceptions import LabelError, SignatureError
from forcegen.labels.binding import Binding
from forcegen.labels.registry import PolicySet, default_policies
from forcegen.labels.xmlform import MAX_XML_BYTES, label_from_xml, label_to_xml

__all__ = ["BINDING_NS", "SIGNATURE_NS", "binding_from_xml", "binding_to_xml"]

#: The STANAG 4778 binding information namespace.
BINDING_NS = "urn:nato:stanag:4778:bindinginformation:1:0"
#: This project's namespace for the Ed25519 signature element (not XML-DSig).
SIGNATURE_NS = "urn:forcegen:binding-signature:1"
_MB = "{" + BINDING_NS + "}"
_SIG = "{" + SIGNATURE_NS + "}"
_DIGEST_URI = "urn:forcegen:sha256:"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
ET.register_namespace("mb", BINDING_NS)
ET.register_namespace("fgs", SIGNATURE_NS)


def binding_to_xml(binding: Binding, policies: PolicySet | None = None) -> str:
    """The binding as 4778-structured XML (UTF-8 text, no XML declaration)."""
    ps = policies or default_policies()
    root = ET.Element(_MB + "BindingInformation")
    sig = ET.SubElement(root, _SIG + "Signature", Algorithm="Ed25519", KeyId=binding.key_id,
                        SignedAt=binding.signed_at)
    sig.text = base64.b64encode(binding.signature).decode()
    container = ET.SubElement(root, _MB + "MetadataBindingContainer")
    mbind = ET.SubElement(container, _MB + "MetadataBinding")
    metadata = ET.SubElement(mbind, _MB + "Metadata")
    metadata.append(fromstring(label_to_xml(binding.label, ps)))
    ET.SubElement(mbind, _MB + "DataReference", URI=_DIGEST_URI + binding.content_sha256)
    return ET.tostring(root, encoding="unicode")


def _one(el: ET.Element, tag: str, where: str) -> ET.Element:
    found = [c for c in el if c.tag == tag]
    others = [c.tag for c in el if c.tag != tag]
    if len(found) != 1 or others:
        name = tag.rpartition("}")[2]
        raise LabelError(f"binding XML: {where} must hold exactly one {name} element"
                         + (f", found {others[0]}" if others else ""))
    return found[0]


def _signature(root: ET.Element) -> tuple[str, str, bytes]:
    sigs = [c for c in root if c.tag == _SIG + "Signature"]
    if not sigs:
        raise SignatureError("binding XML: no Signature: an unsigned label is refused")
    if len(sigs) > 1 or root[0] is not sigs[0]:
        raise LabelError("binding XML: one Signature, first in BindingInformation")
    sig = sigs[0]
    if sig.get("Algorithm") != "Ed25519":
        raise SignatureError(f"binding XML: Signature Algorithm {sig.get('Algorithm')!r}; "
                             "expected Ed25519")
    key_id, signed_at = sig.get("KeyId"), sig.get("SignedAt")
    if not key_id or not signed_at:
        raise SignatureError("binding XML: Signature needs KeyId and SignedAt")
    try:
        value = base64.b64decode((sig.text or "").strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("binding XML: Signature is not base64") from None
    if not value:
        raise SignatureError("binding XML: empty Signature: an unsigned label is refused")
    return key_id, signed_at, value


def binding_from_xml(text: str | bytes, policies: PolicySet | None = None) -> Binding:
    """A :class:`~forcegen.labels.binding.Binding` from its XML form (not yet verified).

    Raises
    ------
    forcegen.exceptions.LabelError
        Not well-formed, a DTD or entity, a wrong structure or namespace, an invalid label.
    forcegen.exceptions.SignatureError
        No signature, or an unreadable one.
    """
    ps = policies or default_policies()
    data = text.encode("utf-8") if isinstance(text, str) else text
    if len(data) > MAX_XML_BYTES:
        raise LabelError(f"binding XML: larger than {MAX_XML_BYTES} bytes")
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise LabelError(f"binding XML refused: {type(exc).__name__} (DTDs and entities are "
                         "not allowed)") from None
    except ET.ParseError as exc:
        raise LabelError(f"binding XML is not well-formed: {exc}") from None
    if root.tag != _MB + "BindingInformation":
        raise LabelError(f"binding XML: the root must be BindingInformation in {BINDING_NS}, "
                         f"got {root.tag}")
    key_id, signed_at, signature = _signature(root)
    rest = ET.Element(root.tag)
    rest.extend(c for c in root if c.tag != _SIG + "Signature")
    container = _one(rest, _MB + "MetadataBindingContainer", "BindingInformation")
    mbind = _one(container, _MB + "MetadataBinding", "MetadataBindingContainer")
    parts = {c.tag for c in mbind}
    if parts != {_MB + "Metadata", _MB + "DataReference"} or len(mbind) != 2:
        raise LabelError("binding XML: MetadataBinding must hold one Metadata and one "
                         "DataReference")
    metadata = mbind.find(_MB + "Metadata")
    if metadata is None or len(metadata) != 1:
        raise LabelError("binding XML: Metadata must hold one 4774 ConfidentialityLabel")
    label = label_from_xml(ET.tostring(metadata[0], encoding="unicode"), ps)
    ref = mbind.find(_MB + "DataReference")
    uri = (ref.get("URI") if ref is not None else None) or ""
    digest = uri.removeprefix(_DIGEST_URI)
    if not uri.startswith(_DIGEST_URI) or not _HEX64.fullmatch(digest):
        raise LabelError(f"binding XML: DataReference URI must be {_DIGEST_URI}<64 hex "
                         f"digits>, got {uri[:100]!r}")
    return Binding(label, digest, key_id, signed_at, signature)
