"""Security policies (in the spirit of an XML-SPIF): classifications, categories, equivalences.

A policy file is YAML (see ``policies/*.yaml`` and ``docs/labels.md``)::

    policy: {id: NATO, name: ..., uri: urn:..., illustrative: true}
    classifications: [{name: NATO UNCLASSIFIED}, ..., {name: COSMIC TOP SECRET}]  # lowest first
    categories:
      - {tag: Releasable To, type: permissive, marking: "REL TO {values}",
         values: [NATO, FVEY], value_pattern: "^[A-Z]{3}$", groups: {FVEY: [AUS, ...]}}
    equivalents: {GBR: {NATO RESTRICTED: OFFICIAL-SENSITIVE, ...}}
    category_equivalents: {NZL: {Releasable To: {FVEY: FIVE EYES}}}

Category types follow STANAG 4774: a reader needs *at least one* value of each *permissive*
category of a label, *every* value of each *restrictive* one; *informative* ones decide
nothing. Categories are matched across policies by tag name, so the shipped policies share one
vocabulary for "Releasable To".

Files come from outside, so they are parsed with the scenario reader's safe YAML loader (alias,
expansion and depth limits of :mod:`forcegen.scenario.limits`) and every error names the file,
line and field (:class:`forcegen.exceptions.PolicyError`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from forcegen.exceptions import PolicyError, ScenarioError, one_of
from forcegen.scenario._sources import parse_yaml

__all__ = [
    "CATEGORY_TYPES",
    "CategoryDef",
    "CategoryType",
    "Classification",
    "Policy",
    "load_policy",
    "parse_policy",
    "shipped_policy_files",
]

CategoryType = Literal["permissive", "restrictive", "informative"]
CATEGORY_TYPES: tuple[str, ...] = ("permissive", "restrictive", "informative")
_POLICY_ID = re.compile(r"^[A-Z][A-Z0-9_-]{0,31}$")
_MAX_CLASSIFICATIONS = 64
_MAX_VALUES = 10_000
_POLICY_DIR = Path(__file__).with_name("policies")


@dataclass(frozen=True, slots=True)
class Classification:
    """One classification of a policy: its ``rank`` (0 lowest) and display ``marking``."""

    name: str
    rank: int
    marking: str


@dataclass(frozen=True)
class CategoryDef:
    """A category of a policy: tag name, type, allowed values and the groups among them."""

    tag: str
    type: CategoryType
    marking: str = "{values}"
    values: frozenset[str] = frozenset()
    pattern: re.Pattern[str] | None = None
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def accepts(self, value: str) -> bool:
        """Whether ``value`` is one of this category's values (listed or matching the pattern)."""
        return value in self.values or bool(self.pattern and self.pattern.fullmatch(value))


@dataclass(frozen=True)
class Policy:
    """A security policy: classifications lowest first, categories by tag, equivalences.

    ``equivalents[other_policy_id][own classification name]`` is the classification of the
    other policy that this policy treats as the same;
    ``category_equivalents[other_policy_id][tag][own value]`` the value of the other policy's
    category of the same tag that this policy treats as the same (e.g. NATO's releasability
    group ``FVEY`` and a national ``FIVE EYES``).
    """

    id: str
    name: str
    uri: str
    illustrative: bool
    classifications: tuple[Classification, ...]
    categories: Mapping[str, CategoryDef]
    equivalents: Mapping[str, Mapping[str, str]]
    source: str = "<memory>"
    category_equivalents: Mapping[str, Mapping[str, Mapping[str, str]]] = field(
        default_factory=dict)

    def classification(self, name: str) -> Classification:
        """The classification called ``name``; :class:`LabelError`-friendly ``KeyError`` text."""
        for c in self.classifications:
            if c.name == name:
                return c
        raise KeyError(f"unknown classification {name!r} in policy {self.id}; expected "
                       f"{one_of((c.name for c in self.classifications), 64)}")

    def rank(self, name: str) -> int:
        """The rank of a classification name (:class:`KeyError` if unknown)."""
        return self.classification(name).rank

    def groups_of(self, value: str) -> set[str]:
        """Every group value (e.g. ``FVEY``) listing ``value`` (e.g. ``GBR``), any category."""
        return {g for cat in self.categories.values() for g, members in cat.groups.items()
                if value in members}


def _fail(source: str, lines: dict[str, int], path: str, message: str) -> PolicyError:
    line = None
    probe = path
    while probe and line is None:  # the longest known prefix names the line
        line = lines.get(probe)
        probe = probe.rpartition(".")[0]
    where = f"{source}:{line}" if line else source
    return PolicyError(f"{where} [{path}]: {message}")


def _text(value: Any, source: str, lines: dict[str, int], path: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise _fail(source, lines, path, f"expected {'text' if empty else 'non-empty text'}, "
                    f"got {type(value).__name__ if not isinstance(value, str) else 'empty'}")
    if len(value) > 200:
        raise _fail(source, lines, path, "longer than 200 characters")
    return value


def _category(raw: Any, source: str, lines: dict[str, int], path: str) -> CategoryDef:
    if not isinstance(raw, dict):
        raise _fail(source, lines, path, "expected a mapping with tag, type and values")
    unknown = set(raw) - {"tag", "type", "marking", "values", "value_pattern", "groups"}
    if unknown:
        raise _fail(source, lines, f"{path}.{sorted(unknown)[0]}", "unknown field; expected "
                    "tag, type, marking, values, value_pattern or groups")
    tag = _text(raw.get("tag"), source, lines, f"{path}.tag")
    ctype = raw.get("type")
    if ctype not in CATEGORY_TYPES:
        raise _fail(source, lines, f"{path}.type",
                    f"got {ctype!r}; expected {one_of(CATEGORY_TYPES)}")
    values = raw.get("values", [])
    if not isinstance(values, list) or len(values) > _MAX_VALUES:
        raise _fail(source, lines, f"{path}.values", f"expected a list of <= {_MAX_VALUES} values")
    vals = frozenset(_text(v, source, lines, f"{path}.values.{i}") for i, v in enumerate(values))
    pattern = None
    if raw.get("value_pattern") is not None:
        text = _text(raw["value_pattern"], source, lines, f"{path}.value_pattern")
        try:
            pattern = re.compile(text)
        except re.error as exc:
            raise _fail(source, lines, f"{path}.value_pattern",
                        f"not a regular expression: {exc}") from None
    groups_raw = raw.get("groups") or {}
    if not isinstance(groups_raw, dict):
        raise _fail(source, lines, f"{path}.groups", "expected a mapping group -> members")
    groups: dict[str, frozenset[str]] = {}
    for g, members in groups_raw.items():
        if g not in vals:
            raise _fail(source, lines, f"{path}.groups.{g}", "a group must be one of the values")
        if not isinstance(members, list):
            raise _fail(source, lines, f"{path}.groups.{g}", "expected a list of members")
        groups[g] = frozenset(_text(m, source, lines, f"{path}.groups.{g}") for m in members)
    marking = _text(raw.get("marking", "{values}"), source, lines, f"{path}.marking", empty=True)
    return CategoryDef(tag, ctype, marking, vals, pattern, groups)


def _classifications(data: dict[str, Any], source: str, lines: dict[str, int]
                     ) -> list[Classification]:
    """The classifications, lowest first, each named once."""
    raw_classes = data.get("classifications")
    if not isinstance(raw_classes, list) or not 1 <= len(raw_classes) <= _MAX_CLASSIFICATIONS:
        raise _fail(source, lines, "classifications",
                    f"expected a list of 1-{_MAX_CLASSIFICATIONS} classifications, lowest first")
    classes: list[Classification] = []
    for i, raw in enumerate(raw_classes):
        p = f"classifications.{i}"
        if not isinstance(raw, dict):
            raise _fail(source, lines, p, "expected {name: ..., marking: ...}")
        name = _text(raw.get("name"), source, lines, f"{p}.name")
        if any(c.name == name for c in classes):
            raise _fail(source, lines, f"{p}.name", f"{name!r} is listed twice")
        mark = _text(raw.get("marking", name), source, lines, f"{p}.marking")
        classes.append(Classification(name, i, mark))
    return classes


def _categories(data: dict[str, Any], source: str, lines: dict[str, int]
                ) -> dict[str, CategoryDef]:
    """The categories by tag, each tag once."""
    cats: dict[str, CategoryDef] = {}
    raw_cats = data.get("categories") or []
    if not isinstance(raw_cats, list):
        raise _fail(source, lines, "categories", "expected a list of categories")
    for i, raw in enumerate(raw_cats):
        cat = _category(raw, source, lines, f"categories.{i}")
        if cat.tag in cats:
            raise _fail(source, lines, f"categories.{i}.tag", f"{cat.tag!r} is listed twice")
        cats[cat.tag] = cat
    return cats


def _equivalents(data: dict[str, Any], source: str, lines: dict[str, int], pid: str,
                 names: set[str]) -> dict[str, dict[str, str]]:
    """Per other policy, own classification name -> theirs (own names must exist)."""
    equivalents: dict[str, dict[str, str]] = {}
    raw_eq = data.get("equivalents") or {}
    if not isinstance(raw_eq, dict):
        raise _fail(source, lines, "equivalents", "expected a mapping policy -> {own: theirs}")
    for other, pairs in raw_eq.items():
        if not isinstance(pairs, dict):
            raise _fail(source, lines, f"equivalents.{other}", "expected own name: their name")
        for own, theirs in pairs.items():
            if own not in names:
                raise _fail(source, lines, f"equivalents.{other}.{own}",
                            f"not a classification of {pid}; expected {one_of(names, 64)}")
            _text(theirs, source, lines, f"equivalents.{other}.{own}")
        equivalents[str(other)] = {str(k): str(v) for k, v in pairs.items()}
    return equivalents


def parse_policy(text: str, source: str) -> Policy:
    """A :class:`Policy` from the text of a policy file (``source`` names it in messages).

    Raises
    ------
    forcegen.exceptions.PolicyError
        Malformed YAML, a parse limit exceeded, a missing or wrong field (file, line, field).
    """
    try:
        data, lines = parse_yaml(text, source)
    except ScenarioError as exc:
        raise PolicyError("; ".join(str(p) for p in exc.problems)) from None
    if not isinstance(data, dict):
        raise _fail(source, lines, "",
                    "expected a mapping with policy, classifications, categories")
    head = data.get("policy")
    if not isinstance(head, dict):
        raise _fail(source, lines, "policy", "expected a mapping with id, name and uri")
    pid = _text(head.get("id"), source, lines, "policy.id")
    if not _POLICY_ID.fullmatch(pid):
        raise _fail(source, lines, "policy.id", "expected upper-case letters, digits, - or _")
    classes = _classifications(data, source, lines)
    cats = _categories(data, source, lines)
    equivalents = _equivalents(data, source, lines, pid, {c.name for c in classes})
    cat_equivalents = _category_equivalents(data.get("category_equivalents"), cats, source,
                                            lines)
    return Policy(
        id=pid,
        name=_text(head.get("name", pid), source, lines, "policy.name"),
        uri=_text(head.get("uri", f"urn:forcegen:policy:{pid.lower()}"), source, lines,
                  "policy.uri"),
        illustrative=bool(head.get("illustrative", True)),
        classifications=tuple(classes),
        categories=cats,
        equivalents=equivalents,
        source=source,
        category_equivalents=cat_equivalents,
    )


def _category_equivalents(raw: Any, cats: Mapping[str, CategoryDef], source: str,
                          lines: dict[str, int]) -> dict[str, dict[str, dict[str, str]]]:
    """``{other policy: {tag: {own value: their value}}}`` of a policy file.

    Own tags and values are checked here, the other policy's side when the policy set is built
    (:mod:`~forcegen.labels.registry`).
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(source, lines, "category_equivalents",
                    "expected a mapping policy -> {tag: {own value: their value}}")
    out: dict[str, dict[str, dict[str, str]]] = {}
    for other, tags in raw.items():
        path = f"category_equivalents.{other}"
        if not isinstance(tags, dict):
            raise _fail(source, lines, path, "expected a mapping tag -> {own value: theirs}")
        out[str(other)] = {}
        for tag, pairs in tags.items():
            cdef = cats.get(str(tag))
            if cdef is None:
                raise _fail(source, lines, f"{path}.{tag}", "not a category of this policy; "
                            f"expected {one_of(cats)}")
            if not isinstance(pairs, dict) or not pairs:
                raise _fail(source, lines, f"{path}.{tag}", "expected own value: their value")
            for own, theirs in pairs.items():
                if not isinstance(own, str) or not cdef.accepts(own):
                    raise _fail(source, lines, f"{path}.{tag}.{own}",
                                f"not a value of category {tag!r}")
                _text(theirs, source, lines, f"{path}.{tag}.{own}")
            out[str(other)][str(tag)] = {str(k): str(v) for k, v in pairs.items()}
    return out


def load_policy(path: Path | str) -> Policy:
    """:func:`parse_policy` on a file; an unreadable file is a :class:`PolicyError`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{p}: cannot read the policy file: {exc}") from None
    return parse_policy(text, str(p))


@lru_cache(maxsize=1)
def shipped_policy_files() -> tuple[Path, ...]:
    """The policy files shipped in the package (NATO, GBR, NZL, TLP), in name order."""
    return tuple(sorted(_POLICY_DIR.glob("*.yaml")))


