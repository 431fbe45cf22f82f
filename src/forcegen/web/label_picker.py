"""The label picker of the forms: policy, classification and categories, as the author may grant.

The choices come from ``workspace.access.granting`` (only what the author may grant); the form
posts

* ``label_class``: ``"<policy>|<classification>"`` (one select, grouped by policy, so that
  choosing a classification chooses its policy);
* ``label_cat``: one ``"<policy>|<tag>|<value>"`` per ticked category value;
* ``label_more|<policy>|<tag>``: more values of an open category (nation codes under
  "Releasable To", TLP recipients), comma-separated.

Only the chosen policy's categories are read. Without scripts every policy's categories are
shown; ``static/app.js`` shows only the chosen one's and previews the marking. The view then
checks the posted label again (``granting.require_grantable``): the picker is a convenience,
never the check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from forcegen.exceptions import LabelError
from forcegen.labels.grant import CategoryChoice, PolicyChoice
from forcegen.labels.label import Label, label_to_json, make_label
from forcegen.web.marking import item_css, item_marking
from forcegen.workspace.access.granting import label_choices, require_grantable
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Invalid
from forcegen.workspace.label_store import policies, with_owner
from forcegen.workspace.nations import service as nations

__all__ = [
    "Picker",
    "apply_posted",
    "at_picker",
    "keep_posted",
    "marking_diff",
    "picker_context",
    "picker_for",
    "posted",
    "posted_label",
    "same_label",
]

_SPLIT = re.compile(r"[\s,;]+")
_MAX_MORE = 2_000  # characters of typed values per category


@dataclass
class Picker:
    """What the picker shows: the choices, and the label selected in them."""

    choices: tuple[PolicyChoice, ...]
    policy: str = ""
    classification: str = ""
    #: Ticked values as ``(policy, tag, value)``.
    ticked: set[tuple[str, str, str]] = field(default_factory=set)
    #: Typed values of open categories by ``(policy, tag)``.
    typed: dict[tuple[str, str], str] = field(default_factory=dict)
    marking: str = ""
    css: str = ""

    def selected(self, policy: str, classification: str) -> bool:
        """Whether this classification is the one chosen."""
        return (policy, classification) == (self.policy, self.classification)

    def checked(self, policy: str, tag: str, value: str) -> bool:
        """Whether this category value is ticked."""
        return (policy, tag, value) in self.ticked

    def more(self, policy: str, tag: str) -> str:
        """The typed values of an open category."""
        return self.typed.get((policy, tag), "")

    def class_marking(self, policy: str, classification: str) -> str:
        """How a classification is marked (the script's preview of the marking)."""
        try:
            return policies().get(policy).classification(classification).marking
        except KeyError:
            return classification

    def css_of(self, policy: str, classification: str) -> str:
        """The stylesheet class of a classification (the script's preview colour)."""
        return item_css(Label(policy, classification))

    def template(self, policy: str, tag: str) -> str:
        """A category's marking template, ``REL TO {values}`` (empty: not marked)."""
        cdef = policies().get(policy).categories.get(tag)
        return cdef.marking if cdef is not None else "{values}"


def _with(choices: Sequence[PolicyChoice], label: Label) -> tuple[PolicyChoice, ...]:
    """The choices with every part of ``label`` among them (a stored label shows as it is).

    A stored value the author may not grant stays visible and ticked: leaving the label as it
    is keeps it (the view compares), changing it is checked in full.
    """
    out = []
    found = False
    for p in choices:
        if p.id != label.policy:
            out.append(p)
            continue
        found = True
        levels = (
            p.classifications
            if label.classification in p.classifications
            else tuple(
                c.name
                for c in policies().get(p.id).classifications
                if c.name in p.classifications or c.name == label.classification
            )
        )
        cats = []
        for c in p.categories:
            have = label.category(c.tag)
            extra = tuple(v for v in (have.values if have else ()) if v not in c.values)
            cats.append(CategoryChoice(c.tag, c.type, c.values + extra, c.open) if extra else c)
        known = {c.tag for c in p.categories}
        cats += [
            CategoryChoice(c.tag, c.type, c.values, False)
            for c in label.categories
            if c.tag not in known
        ]
        out.append(PolicyChoice(p.id, p.name, levels, tuple(cats)))
    if not found:
        pol = policies().get(label.policy)
        out.append(
            PolicyChoice(
                pol.id,
                pol.name,
                (label.classification,),
                tuple(CategoryChoice(c.tag, c.type, c.values, False) for c in label.categories),
            )
        )
    return tuple(out)


def picker_for(choices: Sequence[PolicyChoice], label: Label | None) -> Picker:
    """A picker showing ``label`` (a stored one; ``None``: the lowest the first policy has)."""
    if label is None:
        if not choices:
            return Picker(())
        first = choices[0]
        label = Label(first.id, first.classifications[0])
    else:
        choices = _with(choices, label)
    ticked = {(label.policy, c.tag, v) for c in label.categories for v in c.values}
    return Picker(
        tuple(choices),
        label.policy,
        label.classification,
        ticked,
        {},
        item_marking(label),
        item_css(label),
    )


def posted(form: FormData) -> bool:
    """Whether the form posted a label picker."""
    return "label_class" in form


def posted_label(form: FormData, originator: str | None = None) -> Label:
    """The label a picker posted (:class:`~forcegen.exceptions.LabelError` naming the problem).

    Only the chosen policy's categories are read; values are checked against the policy.
    """
    raw = str(form.get("label_class") or "")
    policy, _, classification = raw.partition("|")
    cats: dict[str, set[str]] = {}
    for item in form.getlist("label_cat"):
        pid, _, rest = str(item).partition("|")
        tag, _, value = rest.partition("|")
        if pid == policy and tag and value:
            cats.setdefault(tag, set()).add(value)
    prefix = f"label_more|{policy}|"
    for key in form:
        if not key.startswith(prefix):
            continue
        tag = key.removeprefix(prefix)
        text = str(form.get(key) or "")[:_MAX_MORE]
        values = [v for v in _SPLIT.split(text) if v]
        if values:
            cdef = policies().policies.get(policy)
            accepts = cdef.categories[tag].accepts if cdef and tag in cdef.categories else None
            cats.setdefault(tag, set()).update(
                v if accepts is None or accepts(v) else v.upper() for v in values
            )
    return make_label(policy, classification, cats, originator=originator, policies=policies())


def same_label(a: Label, b: Label) -> bool:
    """Whether two labels say the same (policy, classification, categories)."""
    return (a.policy, a.classification, a.categories) == (b.policy, b.classification, b.categories)


def keep_posted(picker: Picker, form: FormData) -> Picker:
    """``picker`` showing what the form posted (after a refusal), whatever it was."""
    raw = str(form.get("label_class") or "")
    policy, _, classification = raw.partition("|")
    ticked = set()
    for item in form.getlist("label_cat"):
        pid, _, rest = str(item).partition("|")
        tag, _, value = rest.partition("|")
        ticked.add((pid, tag, value))
    typed = {}
    for key in form:
        if key.startswith("label_more|"):
            _, pid, tag = key.split("|", 2)
            typed[(pid, tag)] = str(form.get(key) or "")[:_MAX_MORE]
    return Picker(picker.choices, policy, classification, ticked, typed, picker.marking, picker.css)


def picker_context(
    db: Session, user: User, current: Label | None, form: FormData | None = None
) -> Picker:
    """The picker of a requirement or pledge form.

    ``current``: the stored label (``None`` on a new item); ``form``: what was posted, shown
    again after a refusal.
    """
    codes = [n.code for n in nations.list_all(db, user)]
    picker = picker_for(label_choices(user, codes), current)
    return keep_posted(picker, form) if form is not None and posted(form) else picker


def apply_posted(
    form: FormData, user: User, current: Label | None, owner: str | None, payload: dict[str, Any]
) -> dict[str, str]:
    """Put the picker's label into ``payload``; the errors (at ``label``) if it is refused.

    An edit posting the stored label again (``current``; a pledge's owner is always in its own
    "Releasable To") leaves the label out, so saving keeps it. Any other label must be one the
    author may grant (checked here, whatever the picker offered); the service then applies
    its own rules (nobody hides an item from themselves, loosening, ...).
    """
    if not posted(form):
        return {}
    try:
        label = posted_label(form)
    except LabelError as exc:
        return {"label": str(exc)}
    if current is not None and same_label(with_owner(label, owner), current):
        return {}
    try:
        require_grantable(user, label)
    except Invalid as exc:
        return {"label": exc.message}
    payload.pop("classification", None)
    payload.pop("releasable_to", None)
    payload["label"] = label_to_json(label)
    return {}


def at_picker(errors: dict[str, str]) -> dict[str, str]:
    """``errors`` with those of the legacy label fields shown at the picker (``label``).

    A form posted by hand with ``classification`` / ``releasable_to`` is checked by the
    service like any API call; its refusal must show somewhere on the page.
    """
    out = dict(errors)
    for key in ("classification", "releasable_to"):
        if key in out:
            out.setdefault("label", f"{key}: {out.pop(key)}")
    return out


def marking_diff(form: FormData, current: Any, owner: str | None) -> tuple[str, str, str] | None:
    """``("label", posted marking, stored marking)`` when a stale form's label differs.

    ``current``: the record as stored now (the API's read form, with ``label``).
    """
    if not posted(form):
        return None
    try:
        mine = item_marking(with_owner(posted_label(form), owner))
    except LabelError as exc:
        mine = f"(refused: {exc})"
    now = item_marking(current, owner)
    return None if mine == now else ("label", mine, now)
