"""Labels as XML in the STANAG 4774 namespace.

Written with the standard library's ElementTree; read with ``defusedxml`` (no DTD, no entity
expansion, no external references), because label XML comes from partners' systems. Shape::

    <slab:ConfidentialityLabel xmlns:slab="urn:nato:stanag:4774:confidentialitymetadatalabel:1:0">
      <slab:ConfidentialityInformation>
        <slab:PolicyIdentifier URI="urn:forcegen:policy:nato">NATO</slab:PolicyIdentifier>
        <slab:Classification>NATO RESTRICTED</slab:Classification>
        <slab:Category TagName="Releasable To" Type="PERMISSIVE">
          <slab:GenericValue>GBR</slab:GenericValue>
          <slab:GenericValue>NZL</slab:GenericValue>
        </slab:Category>
      </slab:ConfidentialityInformation>
      <slab:CreationDateTime>2026-12-01T09:30:00Z</slab:CreationDateTime>
      <slab:OriginatorID IDType="nation">GBR</slab:OriginatorID>
    </slab:ConfidentialityLabel>
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from forcegen.exceptions import LabelError
from forcegen.labels.label import Category, Label, utc_time, validate
from forcegen.labels.registry import PolicySet, default_policies

__all__ = ["MAX_XML_BYTES", "NS", "label_from_xml", "label_to_xml"]

#: The STANAG 4774 confidentiality metadata label namespace.
NS = "urn:nato:stanag:4774:confidentialitymetadatalabel:1:0"
#: A label is a few hundred bytes; anything past this is refused before parsing.
MAX_XML_BYTES = 256 * 1024
_Q = "{" + NS + "}"
ET.register_namespace("slab", NS)


def label_to_xml(label: Label, policies: PolicySet | None = None) -> str:
    """The label as 4774 XML (UTF-8 text, no XML declaration)."""
    ps = policies or default_policies()
    validate(label, ps)
    root = ET.Element(_Q + "ConfidentialityLabel")
    info = ET.SubElement(root, _Q + "ConfidentialityInformation")
    pid = ET.SubElement(info, _Q + "PolicyIdentifier", URI=ps.get(label.policy).uri)
    pid.text = label.policy
    ET.SubElement(info, _Q + "Classification").text = label.classification
    for cat in label.categories:
        el = ET.SubElement(info, _Q + "Category", TagName=cat.tag, Type=cat.type.upper())
        for v in cat.values:
            ET.SubElement(el, _Q + "GenericValue").text = v
    if label.created is not None:
        ET.SubElement(root, _Q + "CreationDateTime").text = label.created
    if label.originator is not None:
        ET.SubElement(root, _Q + "OriginatorID", IDType="nation").text = label.originator
    return ET.tostring(root, encoding="unicode")


def _local(el: ET.Element, where: str) -> str:
    if not el.tag.startswith(_Q):
        raise LabelError(f"label XML: {where}: element {el.tag!r} is not in the 4774 "
                         f"namespace {NS}")
    return el.tag[len(_Q):]


def _text(el: ET.Element, where: str) -> str:
    if len(el):
        raise LabelError(f"label XML: {where}: expected text, found child elements")
    return (el.text or "").strip()


def _category(child: ET.Element) -> Category:
    """A Category element: its tag, type and GenericValue values (sorted, unique)."""
    tag, ctype = child.get("TagName"), (child.get("Type") or "").lower()
    if not tag or ctype not in ("permissive", "restrictive", "informative"):
        raise LabelError("label XML: a Category needs TagName and Type (PERMISSIVE, "
                         "RESTRICTIVE or INFORMATIVE)")
    values = []
    for v in child:
        if _local(v, f"Category {tag}") != "GenericValue":
            raise LabelError(f"label XML: Category {tag}: expected GenericValue "
                             f"elements, got {v.tag[len(_Q):]}")
        values.append(_text(v, f"Category {tag}"))
    return Category(tag, ctype, tuple(sorted(set(values))))  # type: ignore[arg-type]


def _label_parts(root: ET.Element) -> tuple[ET.Element, str | None, str | None]:
    """The ConfidentialityInformation element, creation time and originator (each once)."""
    info = None
    created = originator = None
    for child in root:
        name = _local(child, "ConfidentialityLabel")
        if name == "ConfidentialityInformation" and info is None:
            info = child
        elif name == "CreationDateTime" and created is None:
            created = _text(child, name)
        elif name == "OriginatorID" and originator is None:
            originator = _text(child, name)
        else:
            raise LabelError(f"label XML: unexpected or repeated element {name}")
    if info is None:
        raise LabelError("label XML: no ConfidentialityInformation element")
    return info, created, originator


def _parse(text: str | bytes) -> ET.Element:
    """The root element of at most :data:`MAX_XML_BYTES` of XML, with no DTD or entity."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if len(data) > MAX_XML_BYTES:
        raise LabelError(f"label XML: larger than {MAX_XML_BYTES} bytes")
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise LabelError(f"label XML refused: {type(exc).__name__} (DTDs and entities are "
                         "not allowed)") from None
    except ET.ParseError as exc:
        raise LabelError(f"label XML is not well-formed: {exc}") from None


def label_from_xml(text: str | bytes, policies: PolicySet | None = None) -> Label:
    """A label from 4774 XML, validated against its policy.

    Raises
    ------
    forcegen.exceptions.LabelError
        Not well-formed, a DTD or entity, wrong namespace or element, or an invalid label.
    """
    ps = policies or default_policies()
    root = _parse(text)
    if _local(root, "root") != "ConfidentialityLabel":
        raise LabelError(f"label XML: the root must be ConfidentialityLabel, got "
                         f"{root.tag[len(_Q):]}")
    info, created, originator = _label_parts(root)
    policy = classification = None
    cats: list[Category] = []
    for child in info:
        name = _local(child, "ConfidentialityInformation")
        if name == "PolicyIdentifier" and policy is None:
            policy = _text(child, name)
            uri = child.get("URI")
            known = ps.by_uri(uri) if uri else None
            if uri and known is not None and known.id != policy:
                raise LabelError(f"label XML: PolicyIdentifier {policy!r} has the URI of "
                                 f"policy {known.id}")
        elif name == "Classification" and classification is None:
            classification = _text(child, name)
        elif name == "Category":
            cats.append(_category(child))
        else:
            raise LabelError(f"label XML: unexpected or repeated element {name}")
    if policy is None or classification is None:
        raise LabelError("label XML: PolicyIdentifier and Classification are required")
    label = Label(policy, classification, tuple(sorted(cats, key=lambda c: c.tag)),
                  utc_time(created) if created else None, originator or None)
    validate(label, ps)
    return label
