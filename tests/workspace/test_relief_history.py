"""The history a relief request's or offer's page shows (``relief.history``), on both backends:
edits from the audit trail, status steps of the offers the reader may see, oldest first, and
a hidden record answered as a missing one."""

from __future__ import annotations

import pytest

from forcegen.workspace.database import make_session_factory, session_scope
from forcegen.workspace.errors import NotFound
from forcegen.workspace.models import User
from forcegen.workspace.relief import history

from .conftest import Workspace, set_label
from .relief_sample import API, new_event, new_offer, new_request, version


def _as(ws: Workspace, name: str, fn, *args):  # type: ignore[no-untyped-def]
    with session_scope(make_session_factory(ws.engine)) as db:
        user = db.query(User).filter_by(username=name).one()
        return fn(db, user, *args)


def _move(ws: Workspace, who: str, offer: str, status: str, **extra: object) -> None:
    body = {"status": status, "version": version(ws, f"/relief/offers/{offer}"), **extra}
    r = ws.client(who).post(f"{API}/relief/offers/{offer}/status", json=body)
    assert r.status_code == 200, r.text


def test_request_history_shows_edits_and_the_steps_each_reader_may_see(ws: Workspace) -> None:
    event = new_event(ws)
    req = new_request(ws, event, quantity=3)
    fra = new_offer(ws, event, "FRA", quantity=1)
    deu = new_offer(ws, event, "DEU", quantity=1)
    r = ws.client("lead").patch(f"{API}/relief/requests/{req}",
                                json={"version": 1, "priority": 2, "name": "Water"})
    assert r.status_code == 200, r.text
    _move(ws, "liaison_fra", fra, "committed", request=req, note="by CASA")
    _move(ws, "liaison_deu", deu, "committed", request=req)
    _move(ws, "liaison_fra", fra, "in-transit")

    full = _as(ws, "admin", history.request_history, req)
    assert [(c.what, c.by, c.offer) for c in full] == [
        ("created", "admin", None), ("edited", "lead", None),
        ("offered → committed", "liaison_fra", fra),
        ("offered → committed", "liaison_deu", deu),
        ("committed → in-transit", "liaison_fra", fra)]
    assert full[1].detail == "name, priority" and full[2].detail == "by CASA"
    assert [c.at for c in full] == sorted(c.at for c in full)
    # A liaison sees their own nation's steps only; an observer likewise.
    mine = _as(ws, "liaison_fra", history.request_history, req)
    assert {c.offer for c in mine} == {None, fra}
    assert deu not in {c.offer for c in _as(ws, "observer_fra", history.request_history, req)}
    # The offer's own history: its steps (with the request) and no "created" edit twice.
    steps = _as(ws, "liaison_fra", history.offer_history, fra)
    assert [c.what for c in steps] == ["offered", "offered → committed",
                                       "committed → in-transit"]
    assert steps[1].detail == f"request {req} · by CASA"
    with pytest.raises(NotFound):
        _as(ws, "liaison_deu", history.offer_history, fra)  # another nation's: not found


def test_a_hidden_request_has_no_history_for_the_reader(ws: Workspace) -> None:
    event = new_event(ws)
    req = new_request(ws, event)
    set_label(ws, "relief_requests", req, 0, ",FRA,")
    assert _as(ws, "liaison_fra", history.request_history, req)
    for who in ("liaison_deu", "observer_deu"):
        with pytest.raises(NotFound) as hidden:
            _as(ws, who, history.request_history, req)
        with pytest.raises(NotFound) as missing:
            _as(ws, who, history.request_history, "RQ-NO-SUCH")
        assert str(hidden.value) == str(missing.value)
