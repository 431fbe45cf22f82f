"""The relief forms: requests (planners) and offers (a liaison for their own nation) created,
edited and moved through their cycle in the browser's way (posted forms with the CSRF token),
by the services the API uses: errors at their fields with nothing stored, stale versions
answered 409, hidden items answered exactly as missing ones, who and when shown."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select, update

from forcegen.labels.legacy import legacy_to_label
from forcegen.workspace.database import session_scope
from forcegen.workspace.label_store import label_columns
from forcegen.workspace.models import User
from forcegen.workspace.relief import events, offers, requests
from forcegen.workspace.relief.models import (
    ReliefOffer,
    ReliefRequest,
    ReliefStatusStep,
)
from forcegen.workspace.relief.schemas import EventCreate, OfferCreate, RequestCreate

from .conftest import Web, csrf_of
from .test_keyboard import _Fields

PLACE = "-175.2; -21.14"
HOME = "166.21; -22.01"


def _event(web: Web, event: str = "EV-1") -> None:
    with session_scope(web.factory) as db:
        admin = db.query(User).filter_by(username="admin").one()
        events.create(db, admin, EventCreate(id=event, name="Cyclone", items=[
            {"id": "WATER-PURIF", "name": "Water purification unit"}]))


def _request(web: Web, rid: str, quantity: int = 2, rel: str | None = None) -> None:
    with session_scope(web.factory) as db:
        admin = db.query(User).filter_by(username="admin").one()
        requests.create(db, admin, RequestCreate(id=rid, event="EV-1", capability="WATER-PURIF",
                                                 quantity=quantity, at=(-175.2, -21.1),
                                                 place="Nuku'alofa", by_hours=72))
        if rel:  # e.g. France only, in the stored form (the admin has no nation)
            db.execute(update(ReliefRequest).where(ReliefRequest.id == rid).values(
                **label_columns(legacy_to_label(0, rel, None), rel, legacy=True)))


def _offer(web: Web, oid: str, nation: str = "FRA", quantity: int = 1) -> None:
    with session_scope(web.factory) as db:
        admin = db.query(User).filter_by(username="admin").one()
        offers.create(db, admin, OfferCreate(id=oid, event="EV-1", nation=nation,
                                             capability="WATER-PURIF", quantity=quantity,
                                             home=(166.2, -22.0)))


def _count(web: Web, model: Any) -> int:
    with session_scope(web.factory) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _stored(web: Web, model: Any, key: str) -> Any:
    with session_scope(web.factory) as db:
        row = db.get(model, key)
        return None if row is None else {c.key: getattr(row, c.key)
                                         for c in model.__table__.columns}


def _error_at(page: str, name: str) -> str:
    m = re.search(rf'<p class="error"[^>]*data-field="{name}">([^<]*)</p>', page)
    assert m, f"no inline error at {name}"
    return m.group(1)


def _request_form(**over: str) -> dict[str, str]:
    return {"event": "EV-1", "capability": "WATER-PURIF", "quantity": "3", "by_hours": "72",
            "priority": "1", "place": "Nuku'alofa", "at": PLACE, "name": "",
            "label_class": "NATO|NATO UNCLASSIFIED", **over}


def _offer_form(**over: str) -> dict[str, str]:
    return {"event": "EV-1", "nation": "FRA", "capability": "WATER-PURIF", "quantity": "2",
            "home": HOME, "notice_hours": "12", "mode": "air", "speed": "", "cost": "0",
            "name": "CASA from La Tontouta", "label_class": "NATO|NATO UNCLASSIFIED", **over}


def _version(web: Web, model: Any, key: str) -> str:
    return str(_stored(web, model, key)["version"])


def test_planner_creates_a_request_bad_fields_first_then_edits_it(web: Web) -> None:
    _event(web)
    lead = web.signed_in("lead")
    token = csrf_of(lead, "/relief/requests/new?event=EV-1")
    r = lead.post("/relief/requests/new", data={**_request_form(
        id="RQ-NEW", quantity="-1", at="Tongatapu", capability="NO-SUCH", by_hours="9999"),
        "csrf_token": token})
    assert r.status_code == 422
    assert "expected longitude; latitude" in _error_at(r.text, "at")
    assert _count(web, ReliefRequest) == 0  # nothing stored while a field is wrong
    r = lead.post("/relief/requests/new", data={**_request_form(
        id="RQ-NEW", quantity="-1", by_hours="9999"), "csrf_token": token})
    assert r.status_code == 422
    assert "greater than or equal to 1" in _error_at(r.text, "quantity")
    assert "less than or equal to 8760" in _error_at(r.text, "by_hours")
    assert 'value="RQ-NEW"' in r.text  # what was typed is kept
    r = lead.post("/relief/requests/new", data={**_request_form(
        id="RQ-NEW", capability="NO-SUCH"), "csrf_token": token})
    assert r.status_code == 422
    assert "unknown capability or relief item &#39;NO-SUCH&#39;" in _error_at(r.text,
                                                                             "capability")
    assert _count(web, ReliefRequest) == 0
    r = lead.post("/relief/requests/new", data={**_request_form(id="RQ-NEW"),
                                                "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"].startswith("/relief/requests/RQ-NEW")
    stored = _stored(web, ReliefRequest, "RQ-NEW")
    assert stored["quantity"] == 3 and stored["at"] == [-175.2, -21.14]
    assert stored["created_by"] == "lead"
    # Edit: an emptied required field is named, then a good change is saved.
    r = lead.post("/relief/requests/RQ-NEW", data={**_request_form(quantity="", version="1"),
                                                   "csrf_token": token})
    assert r.status_code == 422 and "quantity cannot be empty" in _error_at(r.text, "quantity")
    r = lead.post("/relief/requests/RQ-NEW", data={**_request_form(quantity="5", version="1",
                                                                   priority="2"),
                                                   "csrf_token": token})
    assert r.status_code == 303, r.text
    assert _stored(web, ReliefRequest, "RQ-NEW")["quantity"] == 5
    page = lead.get("/relief/requests/RQ-NEW").text
    history = page[page.index('data-testid="history"'):]
    assert "created" in history and "edited" in history and "priority, quantity" in history
    assert history.count("<td>lead</td>") == 2
    # The dashboard links the request and shows its units.
    board = lead.get("/relief/EV-1").text
    assert 'href="/relief/requests/RQ-NEW"' in board


def test_a_stale_request_edit_is_refused_with_what_changed(web: Web) -> None:
    _event(web)
    _request(web, "RQ-1")
    first, second = web.signed_in("admin"), web.signed_in("lead")
    t1, t2 = csrf_of(first, "/relief/requests/RQ-1"), csrf_of(second, "/relief/requests/RQ-1")
    r = second.post("/relief/requests/RQ-1", data={**_request_form(quantity="4", version="1"),
                                                   "csrf_token": t2})
    assert r.status_code == 303
    r = first.post("/relief/requests/RQ-1", data={**_request_form(quantity="7", version="1"),
                                                  "csrf_token": t1})
    assert r.status_code == 409
    assert 'data-testid="conflict"' in r.text and "<strong>lead</strong>" in r.text
    assert "<td>quantity</td><td>7</td><td><strong>4</strong></td>" in r.text
    assert _stored(web, ReliefRequest, "RQ-1")["quantity"] == 4  # the first save stands


def test_liaison_offers_commits_and_delivers_against_a_request(web: Web) -> None:
    _event(web)
    _request(web, "RQ-1", quantity=2)
    fra = web.signed_in("liaison_fra")
    token = csrf_of(fra, "/relief/requests/RQ-1")
    form = fra.get("/relief/offers/new?request=RQ-1").text
    assert '<option value="FRA" selected>FRA</option>' in form
    assert 'value="WATER-PURIF" selected' in form
    # Another nation's offer: refused (403), nothing stored.
    r = fra.post("/relief/offers/new", data={**_offer_form(nation="DEU", id="DEU-X"),
                                             "csrf_token": token})
    assert r.status_code == 403 and _count(web, ReliefOffer) == 0
    r = fra.post("/relief/offers/new", data={**_offer_form(home="far away"),
                                             "csrf_token": token})
    assert r.status_code == 422 and "expected longitude" in _error_at(r.text, "home")
    assert _count(web, ReliefOffer) == 0
    r = fra.post("/relief/offers/new", data={**_offer_form(id="FRA-W1", quantity="3"),
                                             "csrf_token": token})
    assert r.status_code == 303, r.text
    assert _stored(web, ReliefOffer, "FRA-W1")["status"] == "offered"
    page = fra.get("/relief/offers/FRA-W1?request=RQ-1").text
    assert '<option value="RQ-1" selected>' in page
    assert [b for b in re.findall(r'name="status" value="([^"]+)"', page)] == [
        "committed", "released"]
    # Committing more than the request asks: refused at the request, nothing split off.
    r = fra.post("/relief/offers/FRA-W1/status", data={
        "status": "committed", "version": "1", "request": "RQ-1", "csrf_token": token})
    assert r.status_code == 422 and "would be too many" in _error_at(r.text, "commit_to")
    assert _count(web, ReliefOffer) == 1
    assert _stored(web, ReliefOffer, "FRA-W1")["status"] == "offered"
    # Two of the three: the third stays on offer as a new offer.
    r = fra.post("/relief/offers/FRA-W1/status", data={
        "status": "committed", "version": "1", "request": "RQ-1", "units": "2",
        "note": "CASA leaves at dawn", "back": "/relief/offers/FRA-W1", "csrf_token": token})
    assert r.status_code == 303, r.text
    assert "now%20committed" in r.headers["location"]
    assert _count(web, ReliefOffer) == 2
    # Delivered before in transit: the cycle refuses it, and says why.
    r = fra.post("/relief/offers/FRA-W1/status", data={
        "status": "delivered", "version": _version(web, ReliefOffer, "FRA-W1"),
        "csrf_token": token})
    assert r.status_code == 422 and "cannot go from committed to delivered" in r.text
    for status in ("in-transit", "delivered"):
        r = fra.post("/relief/offers/FRA-W1/status", data={
            "status": status, "version": _version(web, ReliefOffer, "FRA-W1"),
            "request": "RQ-1",  # still chosen in the form: only sent when committing
            "csrf_token": token})
        assert r.status_code == 303, r.text
    page = fra.get("/relief/offers/FRA-W1").text
    history = page[page.index('data-testid="history"'):]
    for step in ("offered", "offered → committed", "committed → in-transit",
                 "in-transit → delivered", "request RQ-1", "CASA leaves at dawn"):
        assert step in history, step
    assert history.count("<td>liaison_fra</td>") == 4  # offered, and three steps
    assert "This offer's cycle is complete." in page
    # The request's page lists the offer held for it and its steps; the dashboard shows it.
    req = fra.get("/relief/requests/RQ-1").text
    assert 'data-offer="FRA-W1"' in req and "in-transit → delivered" in req
    # Germany's liaison reads the request, but not France's offer, nor its steps.
    deu = web.signed_in("liaison_deu").get("/relief/requests/RQ-1").text
    assert "FRA-W1" not in deu and "CASA" not in deu and "→" not in deu
    rows = re.findall(r'<tr data-request="RQ-1">(.*?)</tr>', fra.get("/relief/EV-1").text)
    assert rows and "delivered</span>" in rows[0]
    with session_scope(web.factory) as db:
        # Offered (twice: the rest split off), committed, in transit, delivered; the two
        # refused changes recorded nothing.
        assert db.scalar(select(func.count()).select_from(ReliefStatusStep)) == 5


def test_a_stale_status_change_answers_409(web: Web) -> None:
    _event(web)
    _request(web, "RQ-1")
    _offer(web, "FRA-1")
    lead, fra = web.signed_in("lead"), web.signed_in("liaison_fra")
    r = lead.post("/relief/offers/FRA-1/status", data={
        "status": "committed", "version": "1", "request": "RQ-1",
        "csrf_token": csrf_of(lead, "/relief/offers/FRA-1")})
    assert r.status_code == 303
    r = fra.post("/relief/offers/FRA-1/status", data={
        "status": "released", "version": "1", "csrf_token": csrf_of(fra, "/relief/offers/FRA-1")})
    assert r.status_code == 409
    assert "Someone else changed this record" in r.text
    assert "<td>status</td><td>released</td><td><strong>committed</strong></td>" in r.text
    assert _stored(web, ReliefOffer, "FRA-1")["status"] == "committed"


def test_hidden_requests_and_offers_answer_exactly_as_missing_ones(web: Web) -> None:
    _event(web)
    _request(web, "RQ-SECRET", rel=",FRA,")
    _offer(web, "FRA-1")
    deu = web.signed_in("liaison_deu")
    token = csrf_of(deu, "/relief/EV-1")

    def body(path: str, post: dict[str, str] | None = None) -> tuple[int, str]:
        r = deu.post(path, data={**post, "csrf_token": token}) if post is not None \
            else deu.get(path)
        return r.status_code, r.text

    pairs = [("/relief/requests/RQ-SECRET", "/relief/requests/RQ-NONEXI", None),
             ("/relief/requests/RQ-SECRET", "/relief/requests/RQ-NONEXI",
              _request_form(version="1")),
             ("/relief/offers/new?request=RQ-SECRET", "/relief/offers/new?request=RQ-NONEXI",
              None),
             ("/relief/offers/FRA-1", "/relief/offers/FRA-9", None),
             ("/relief/offers/FRA-1", "/relief/offers/FRA-9", _offer_form(version="1")),
             ("/relief/offers/FRA-1/status", "/relief/offers/FRA-9/status",
              {"status": "released", "version": "1"})]
    for hidden, missing, post in pairs:
        h, m = body(hidden, post), body(missing, post)
        assert h[0] == m[0] == 404, (hidden, h[0], m[0])
        assert h[1] == m[1], hidden  # the same page, byte for byte
        assert "RQ-SECRET" not in h[1] and "FRA-1" not in h[1]
    # Nor does the hidden request show on the pages the liaison may open.
    assert "RQ-SECRET" not in deu.get("/relief/EV-1").text
    assert "RQ-SECRET" not in deu.get("/relief/offers/new?event=EV-1").text
    assert _stored(web, ReliefOffer, "FRA-1")["status"] == "offered"
    # The French liaison sees both, and may commit its offer to the request.
    fra = web.signed_in("liaison_fra").get("/relief/offers/FRA-1").text
    assert '<option value="RQ-SECRET"' in fra


def test_who_may_change_what(web: Web) -> None:
    _event(web)
    _request(web, "RQ-1")
    _offer(web, "FRA-1")
    obs = web.signed_in("observer_fra")
    token = csrf_of(obs, "/relief/EV-1")
    assert obs.get("/relief/requests/new").status_code == 403
    assert obs.get("/relief/offers/new").status_code == 403
    page = obs.get("/relief/offers/FRA-1")  # their own nation's: read-only
    assert page.status_code == 200 and 'data-testid="status-form"' not in page.text
    assert "Read-only" in page.text
    r = obs.post("/relief/offers/FRA-1/status", data={"status": "released", "version": "1",
                                                      "csrf_token": token})
    assert r.status_code == 403
    fra = web.signed_in("liaison_fra")
    t = csrf_of(fra, "/relief/EV-1")
    assert "New request" not in fra.get("/relief/EV-1").text
    assert fra.get("/relief/requests/new").status_code == 403
    r = fra.post("/relief/requests/RQ-1", data={**_request_form(quantity="9", version="1"),
                                                "csrf_token": t})
    assert r.status_code == 403
    assert _stored(web, ReliefRequest, "RQ-1")["quantity"] == 2
    assert _stored(web, ReliefOffer, "FRA-1")["status"] == "offered"
    req = fra.get("/relief/requests/RQ-1").text
    assert 'data-testid="offer-against"' in req and "Read-only" in req


def test_relief_pages_work_with_the_keyboard(web: Web) -> None:
    _event(web)
    _request(web, "RQ-1")
    _offer(web, "FRA-1")
    _offer(web, "FRA-2")
    admin = web.signed_in("admin")
    r = admin.post("/relief/offers/FRA-2/status", data={
        "status": "committed", "version": "1", "request": "RQ-1",
        "csrf_token": csrf_of(admin, "/relief/EV-1")})
    assert r.status_code == 303
    problems = []
    # (a committed offer: its form is read-only, the cursor goes to the status form's note)
    for path in ("/relief/requests/new?event=EV-1", "/relief/requests/RQ-1",
                 "/relief/offers/new?request=RQ-1", "/relief/offers/FRA-1",
                 "/relief/offers/FRA-2", "/relief/EV-1"):
        r = admin.get(path)
        assert r.status_code == 200, path
        parser = _Fields()
        parser.feed(r.text)
        problems += [f"{path}: {f} has no label" for f in parser.unlabelled()]
        if parser.autofocus != (path != "/relief/EV-1"):  # the dashboard has no form
            problems.append(f"{path}: {parser.autofocus} autofocus fields (want 1)")
        if len(set(parser.accesskeys)) != len(parser.accesskeys):
            problems.append(f"{path}: access keys used twice: {parser.accesskeys}")
        if "s" not in parser.accesskeys and path not in ("/relief/offers/FRA-2", "/relief/EV-1"):
            problems.append(f"{path}: no Alt+S save")
    assert not problems, "\n".join(problems)


def test_labels_from_the_picker_are_checked_and_kept(web: Web) -> None:
    _event(web)
    fra = web.signed_in("liaison_fra")  # cleared UNCLASSIFIED
    token = csrf_of(fra, "/relief/EV-1")
    form = fra.get("/relief/offers/new?event=EV-1").text
    assert 'value="NATO|NATO UNCLASSIFIED"' in form and 'value="NATO|NATO SECRET"' not in form
    # A forged post: a classification the picker did not offer; refused at the picker.
    r = fra.post("/relief/offers/new", data={**_offer_form(label_class="NATO|NATO SECRET"),
                                             "csrf_token": token})
    assert r.status_code == 422 and "may not grant" in _error_at(r.text, "label")
    assert _count(web, ReliefOffer) == 0
    # A planner may not hide a request from themselves (the lead has no nation) ...
    lead = web.signed_in("lead")
    r = lead.post("/relief/requests/new", data={
        **_request_form(id="RQ-REL"), "label_cat": "NATO|Releasable To|FRA",
        "csrf_token": csrf_of(lead, "/relief/EV-1")})
    assert r.status_code == 422
    assert "would hide the item from you" in _error_at(r.text, "label")
    assert _count(web, ReliefRequest) == 0
    # ... but may mark it RESTRICTED when cleared for it: hidden from the uncleared liaison.
    with session_scope(web.factory) as db:
        db.query(User).filter_by(username="lead").one().clearance = 1
    r = lead.post("/relief/requests/new", data={
        **_request_form(id="RQ-REL", label_class="NATO|NATO RESTRICTED"),
        "csrf_token": csrf_of(lead, "/relief/EV-1")})
    assert r.status_code == 303, r.text
    assert 'data-testid="marking">NATO RESTRICTED</span>' in lead.get(
        "/relief/requests/RQ-REL").text
    assert web.signed_in("liaison_deu").get("/relief/requests/RQ-REL").status_code == 404
    # Saving the form untouched keeps the label (the picker posts it as shown).
    r = lead.post("/relief/requests/RQ-REL", data={
        **_request_form(id="RQ-REL", version="1", quantity="4",
                        label_class="NATO|NATO RESTRICTED"),
        "csrf_token": csrf_of(lead, "/relief/EV-1")})
    assert r.status_code == 303, r.text
    stored = _stored(web, ReliefRequest, "RQ-REL")
    assert stored["quantity"] == 4 and stored["classification"] == 1
