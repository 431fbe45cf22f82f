"""The create/edit flow every labelled record's form shares (``web.views.record_forms``), checked
the same way on each record type: pledges, requirements, relief requests, offers and events.

Each type's own page tests check its fields; these check what the flow promises for all of them:
a stale edit answers 409 with the field that changed, a refused one stores nothing, and an edit
of a record hidden from the user answers exactly as one of a missing record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from forcegen.labels.legacy import legacy_to_label
from forcegen.web.views import pledges, relief_events, relief_offers, relief_requests, requirements
from forcegen.web.views.record_forms import RecordForms
from forcegen.workspace.audit.models import AuditEntry
from forcegen.workspace.database import session_scope
from forcegen.workspace.label_store import label_columns
from forcegen.workspace.models import Pledge, Requirement
from forcegen.workspace.relief.models import ReliefEvent, ReliefOffer, ReliefRequest

from .conftest import Web, csrf_of
from .test_relief_events import _event
from .test_relief_forms import _offer, _request


@dataclass(frozen=True)
class Kind:
    """One record type: its pages, its flow, a record to edit and how to add another."""

    path: str
    model: Any
    forms: RecordForms[Any]
    record: str
    missing: str
    owner: str | None
    #: Adds the records the test needs beyond the example (relief data is not in it).
    setup: Callable[[Web], None]
    #: Stores a second record (hidden in the test) with this id.
    second: Callable[[Web, str], None]


def _relief(web: Web) -> None:
    _event(web, "EV-1", "WATER-PURIF")
    _request(web, "RQ-1")
    _offer(web, "FRA-1")


def _nothing(web: Web) -> None:
    pass


KINDS = {
    "pledge": Kind("/pledges", Pledge, pledges.FORMS, "P-FRA-09", "P-FRA-98", "nation",
                   _nothing, lambda web, key: None),
    "requirement": Kind("/requirements", Requirement, requirements.FORMS, "R-002", "R-998",
                        None, _nothing, lambda web, key: None),
    "request": Kind("/relief/requests", ReliefRequest, relief_requests.FORMS, "RQ-1", "RQ-998",
                    None, _relief, _request),
    "offer": Kind("/relief/offers", ReliefOffer, relief_offers.FORMS, "FRA-1", "FRA-998",
                  "nation", _relief, _offer),
    "event": Kind("/relief/events", ReliefEvent, relief_events.FORMS, "EV-1", "EV-998", None,
                  _relief, lambda web, key: _event(web, key, "TARP")),
}
#: Records of the example the hidden-record test labels SECRET.
_EXAMPLE_SECOND = {"pledge": "P-FRA-05", "requirement": "R-003"}
_DIFF = re.compile(r"<tr><td>(\w+)</td><td>([^<]*)</td><td><strong>([^<]*)</strong>")


def _edit_form(web: Web, kind: Kind, key: str, **changes: str) -> dict[str, str]:
    """The edit form of a stored record as its page fills it, with ``changes``."""
    with session_scope(web.factory) as db:
        row = db.get(kind.model, key)
        assert row is not None, key
        return {**kind.forms.stored(row), **changes}


def _version(web: Web, kind: Kind, key: str) -> int:
    with session_scope(web.factory) as db:
        row = db.get(kind.model, key)
        return int(row.version)


def _audit_entries(web: Web) -> int:
    with session_scope(web.factory) as db:
        return int(db.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@pytest.mark.parametrize("name", list(KINDS))
def test_a_stale_edit_answers_409_with_the_field_that_changed(web: Web, name: str) -> None:
    kind = KINDS[name]
    kind.setup(web)
    page = f"{kind.path}/{kind.record}"
    first, second = web.signed_in("admin"), web.signed_in("lead")
    t1, t2 = csrf_of(first, page), csrf_of(second, page)
    stale = _edit_form(web, kind, kind.record)  # both opened this version
    r = first.post(page, data={**stale, "name": "Named by admin", "csrf_token": t1})
    assert r.status_code == 303, r.text
    r = second.post(page, data={**stale, "name": "Named by lead", "csrf_token": t2})
    assert r.status_code == 409
    assert 'data-testid="conflict"' in r.text and f"based on version {stale['version']}" in r.text
    found = _DIFF.findall(r.text)
    assert found == [("name", "Named by lead", "Named by admin")]
    # The form now shows the record as stored, at its current version.
    assert "Named by admin" in r.text
    assert f'name="version" value="{int(stale["version"]) + 1}"' in r.text
    assert _version(web, kind, kind.record) == int(stale["version"]) + 1


@pytest.mark.parametrize("name", list(KINDS))
def test_a_refused_edit_stores_nothing_and_keeps_what_was_typed(web: Web, name: str) -> None:
    kind = KINDS[name]
    kind.setup(web)
    page = f"{kind.path}/{kind.record}"
    lead = web.signed_in("lead")
    token = csrf_of(lead, page)
    form = _edit_form(web, kind, kind.record, name="Typed but refused")
    # Audit entries: no change, and no read entry either (only a record shown as stored is).
    before = (_version(web, kind, kind.record), _audit_entries(web))
    # A label no policy knows: refused at the picker, before the service.
    r = lead.post(page, data={**form, "label_class": "NOPE|NOTHING", "csrf_token": token})
    assert r.status_code == 422
    assert 'data-field="label"' in r.text and 'value="Typed but refused"' in r.text
    # A version the schema refuses: 422 with the typed values kept.
    r = lead.post(page, data={**form, "version": "not a number", "csrf_token": token})
    assert r.status_code == 422 and 'value="Typed but refused"' in r.text
    assert (_version(web, kind, kind.record), _audit_entries(web)) == before


@pytest.mark.parametrize("name", list(KINDS))
def test_an_edit_of_a_hidden_record_answers_as_a_missing_one(web: Web, name: str) -> None:
    kind = KINDS[name]
    kind.setup(web)
    hidden = _EXAMPLE_SECOND.get(name) or f"{kind.record[:-1]}7"
    kind.second(web, hidden)
    with session_scope(web.factory) as db:
        row = db.get(kind.model, hidden)
        owner = getattr(row, kind.owner) if kind.owner else None
        secret = legacy_to_label(3, None, owner)  # above the lead planner's clearance below
        db.execute(update(kind.model).where(kind.model.id == hidden).values(
            **label_columns(secret)))
        db.execute(text("UPDATE users SET clearance = 1 WHERE username = 'lead'"))
    form = _edit_form(web, kind, hidden, name="Renamed")
    lead = web.signed_in("lead")
    token = csrf_of(lead, f"{kind.path}/{kind.record}")
    version, entries = _version(web, kind, hidden), _audit_entries(web)
    h = lead.post(f"{kind.path}/{hidden}", data={**form, "csrf_token": token})
    m = lead.post(f"{kind.path}/{kind.missing}", data={**form, "csrf_token": token})
    assert h.status_code == m.status_code == 404
    assert h.text.replace(hidden, "X") == m.text.replace(kind.missing, "X")
    assert hidden not in h.text
    assert (_version(web, kind, hidden), _audit_entries(web)) == (version, entries)
