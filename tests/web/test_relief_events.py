"""The relief event form: planners create and edit events in the browser's way (posted forms
with the CSRF token) through the service the API uses; the request and offer forms list the
chosen event's relief items only."""

from __future__ import annotations

import re

from sqlalchemy import text

from forcegen.workspace.database import session_scope
from forcegen.workspace.models import User
from forcegen.workspace.relief import events
from forcegen.workspace.relief.models import ReliefEvent, ReliefRequest
from forcegen.workspace.relief.schemas import EventCreate

from .conftest import Web, csrf_of
from .test_keyboard import _Fields
from .test_relief_forms import _count, _error_at, _request, _request_form, _stored


def _event_form(**over: str) -> dict[str, str]:
    return {"id": "EV-GITA", "name": "Cyclone Gita", "started": "2027-02-10 06:00",
            "at": "-175.2; -21.14",
            "items": "WATER-PURIF; Water purification unit\nSHELTER-KIT; Shelter kit; kit",
            "label_class": "NATO|NATO UNCLASSIFIED", **over}


def _event(web: Web, event: str, *items: str, **extra: object) -> None:
    with session_scope(web.factory) as db:
        admin = db.query(User).filter_by(username="admin").one()
        events.create(db, admin, EventCreate.model_validate({
            "id": event, "name": f"Event {event}",
            "items": [{"id": i, "name": f"{i} item"} for i in items], **extra}))


def _options(page: str) -> list[str]:
    """The option values of the capability select."""
    m = re.search(r'<select id="f-capability".*?</select>', page, re.S)
    assert m, "no capability select"
    return re.findall(r'<option value="([^"]*)"', m.group(0))


def test_planner_creates_an_event_bad_fields_first(web: Web) -> None:
    lead = web.signed_in("lead")
    page = lead.get("/relief")
    assert 'data-testid="new-event"' in page.text and 'accesskey="e"' in page.text
    token = csrf_of(lead, "/relief/events/new")
    r = lead.post("/relief/events/new", data={**_event_form(at="Tonga"), "csrf_token": token})
    assert r.status_code == 422
    assert "expected longitude; latitude" in _error_at(r.text, "at")
    r = lead.post("/relief/events/new", data={**_event_form(
        items="WATER-PURIF\n; no id\n"), "csrf_token": token})
    assert r.status_code == 422
    assert _error_at(r.text, "items").startswith("line 2: id: String should have at least 1")
    r = lead.post("/relief/events/new", data={**_event_form(
        items="WATER-PURIF\n\nTARP; Tarpaulin\nWATER-PURIF; again"), "csrf_token": token})
    assert r.status_code == 422  # the service's duplicate, at the line it is on
    assert _error_at(r.text, "items") == "line 4: duplicate relief item &#39;WATER-PURIF&#39;"
    r = lead.post("/relief/events/new", data={**_event_form(items="A; b; c; d"),
                                              "csrf_token": token})
    assert r.status_code == 422
    assert _error_at(r.text, "items") == "line 1: expected at most ID; name; unit"
    r = lead.post("/relief/events/new", data={**_event_form(started="tomorrow"),
                                              "csrf_token": token})
    assert r.status_code == 422 and "valid datetime" in _error_at(r.text, "started")
    assert "Cyclone Gita" in r.text  # what was typed is kept
    assert _count(web, ReliefEvent) == 0  # nothing stored while a field is wrong
    r = lead.post("/relief/events/new", data={**_event_form(), "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"].startswith("/relief/EV-GITA")
    stored = _stored(web, ReliefEvent, "EV-GITA")
    assert stored["items"] == [
        {"id": "WATER-PURIF", "name": "Water purification unit", "unit": "unit"},
        {"id": "SHELTER-KIT", "name": "Shelter kit", "unit": "kit"}]
    assert stored["at"] == [-175.2, -21.14] and stored["created_by"] == "lead"
    assert stored["started"].strftime("%Y-%m-%d %H:%M %Z") == "2027-02-10 06:00 UTC"
    assert stored["airfields"] is None and stored["settings"] is None
    board = lead.get("/relief/EV-GITA").text
    assert 'href="/relief/events/EV-GITA"' in board and "Edit event" in board
    # The event's page shows what was typed, as the form writes it back.
    page = lead.get("/relief/events/EV-GITA").text
    assert ">WATER-PURIF; Water purification unit\nSHELTER-KIT; Shelter kit; kit</textarea>" \
        in page
    assert 'value="2027-02-10 06:00"' in page and 'value="-175.2; -21.14"' in page


def test_planner_edits_an_event_keeping_what_the_form_does_not_show(web: Web) -> None:
    _event(web, "EV-1", "WATER-PURIF", "TARP", settings={"reach_km": 60},
           airfields=[{"id": "NFTF", "at": [-175.15, -21.24]}])
    _request(web, "RQ-1")  # names WATER-PURIF
    admin = web.signed_in("admin")
    page = admin.get("/relief/events/EV-1").text
    assert "1 of its own" in page and "reach_km 60" in page
    token = csrf_of(admin, "/relief/events/EV-1")
    form = {"version": "1", "name": "Cyclone Gita", "at": "", "started": "",
            "items": "WATER-PURIF; Water purification unit", "csrf_token": token}
    # Dropping an item a request names is refused at the items box; nothing is saved.
    r = admin.post("/relief/events/EV-1", data={**form, "items": "TARP"})
    assert r.status_code == 422
    assert "&#39;WATER-PURIF&#39; is named by requests or offers" in _error_at(r.text, "items")
    assert _stored(web, ReliefEvent, "EV-1")["version"] == 1
    r = admin.post("/relief/events/EV-1", data=form)
    assert r.status_code == 303 and r.headers["location"].startswith("/relief/events/EV-1")
    stored = _stored(web, ReliefEvent, "EV-1")
    assert stored["name"] == "Cyclone Gita" and stored["version"] == 2
    assert [i["id"] for i in stored["items"]] == ["WATER-PURIF"]  # TARP, unused, dropped
    assert stored["settings"]["reach_km"] == 60 and len(stored["airfields"]) == 1  # kept
    assert stored["updated_by"] == "admin"
    assert "Event EV-1 saved." in admin.get(r.headers["location"]).text


def test_a_stale_event_edit_is_refused_with_what_changed(web: Web) -> None:
    _event(web, "EV-1", "WATER-PURIF")
    lead, admin = web.signed_in("lead"), web.signed_in("admin")
    t_lead, t_admin = csrf_of(lead, "/relief/events/EV-1"), csrf_of(admin, "/relief/events/EV-1")
    base = {"version": "1", "at": "", "started": "", "items": "WATER-PURIF; WATER-PURIF item"}
    r = admin.post("/relief/events/EV-1", data={**base, "name": "By admin",
                                                "csrf_token": t_admin})
    assert r.status_code == 303
    r = lead.post("/relief/events/EV-1", data={**base, "name": "By lead",
                                               "items": "WATER-PURIF;WATER-PURIF item",
                                               "csrf_token": t_lead})
    assert r.status_code == 409
    assert 'data-testid="conflict"' in r.text and "last changed by\n    <strong>admin" in r.text
    diff = re.findall(r"<tr><td>(\w+)</td><td>([^<]*)</td><td><strong>([^<]*)</strong>", r.text)
    assert diff == [("name", "By lead", "By admin")]  # the reformatted items line is the same
    assert _stored(web, ReliefEvent, "EV-1")["name"] == "By admin"


def test_who_may_create_and_edit_events_and_hidden_is_missing(web: Web) -> None:
    _event(web, "EV-1", "WATER-PURIF")
    for who in ("liaison_fra", "observer_fra"):
        c = web.signed_in(who)
        token = csrf_of(c, "/relief/EV-1")
        assert c.get("/relief/events/new").status_code == 403
        assert c.post("/relief/events/new", data={**_event_form(),
                                                  "csrf_token": token}).status_code == 403
        page = c.get("/relief/events/EV-1")
        assert page.status_code == 200 and "Read-only" in page.text
        assert 'data-testid="new-event"' not in c.get("/relief/EV-1").text
        r = c.post("/relief/events/EV-1", data={"version": "1", "name": "x",
                                                "csrf_token": token})
        assert r.status_code == 403
    assert _count(web, ReliefEvent) == 1
    assert _stored(web, ReliefEvent, "EV-1")["version"] == 1
    # The event's page counts the requests the reader may see: not Germany's hidden one.
    _request(web, "RQ-FRA", rel=",FRA,")
    requests = re.compile(r'<dt>Requests</dt><dd><a href="/relief/EV-1">(\d+)</a>')
    assert requests.findall(web.signed_in("liaison_fra").get("/relief/events/EV-1").text) == ["1"]
    assert requests.findall(web.signed_in("liaison_deu").get("/relief/events/EV-1").text) == ["0"]
    # A label above the planner's clearance hides an event exactly as a missing one.
    with session_scope(web.factory) as db:
        db.execute(text("UPDATE users SET clearance = 1 WHERE username = 'lead'"))
        db.execute(text("UPDATE users SET clearance = 4 WHERE username = 'admin'"))
    _event(web, "EV-SECRET", "TARP", classification="SECRET")
    lead = web.signed_in("lead")
    token = csrf_of(lead, "/relief/EV-1")
    for post in (None, {"version": "1", "name": "x", "csrf_token": token}):
        h = lead.post("/relief/events/EV-SECRET", data=post) if post \
            else lead.get("/relief/events/EV-SECRET")
        m = lead.post("/relief/events/EV-NONE1", data=post) if post \
            else lead.get("/relief/events/EV-NONE1")
        assert h.status_code == m.status_code == 404
        assert h.text.replace("EV-SECRET", "X") == m.text.replace("EV-NONE1", "X")
        assert "EV-SECRET" not in h.text
    # Nor do its items show in a new request's capability list.
    assert "TARP" not in lead.get("/relief/requests/new").text
    assert lead.get("/relief/requests/new?event=EV-SECRET").status_code == 404


def test_the_request_form_lists_the_chosen_events_items(web: Web) -> None:
    _event(web, "EV-1", "WATER-PURIF")
    _event(web, "EV-2", "SHELTER-KIT", "TARP")
    _request(web, "RQ-1")  # in EV-1
    lead = web.signed_in("lead")
    one = _options(lead.get("/relief/requests/new?event=EV-1").text)
    two = _options(lead.get("/relief/requests/new?event=EV-2").text)
    assert "WATER-PURIF" in one and "SHELTER-KIT" not in one and "TARP" not in one
    assert "SHELTER-KIT" in two and "TARP" in two and "WATER-PURIF" not in two
    assert "ROLE1-MED" in one and "ROLE1-MED" in two  # the capability types in both
    assert _options(lead.get("/relief/requests/RQ-1").text) == one  # its event's
    page = lead.get("/relief/requests/new?event=EV-2").text
    assert 'data-relist="/relief/requests/new"' in page and 'data-testid="relist"' in page
    # Without scripts: "List the chosen event's items" re-renders the form, saving nothing.
    token = csrf_of(lead, "/relief/requests/new?event=EV-1")
    r = lead.post("/relief/requests/new", data={**_request_form(
        id="RQ-TYPED", event="EV-2", capability="WATER-PURIF"), "relist": "1",
        "csrf_token": token})
    assert r.status_code == 200 and 'value="RQ-TYPED"' in r.text
    assert "TARP" in _options(r.text) and "WATER-PURIF" not in _options(r.text)
    assert re.search(r'<option value="EV-2"\s+selected', r.text)
    assert _count(web, ReliefRequest) == 1
    # An item of another event is refused for this one, and the list stays this event's.
    r = lead.post("/relief/requests/new", data={**_request_form(
        event="EV-2", capability="WATER-PURIF"), "csrf_token": token})
    assert r.status_code == 422 and "WATER-PURIF" not in _options(r.text)
    assert "unknown capability or relief item" in _error_at(r.text, "capability")
    r = lead.post("/relief/requests/new", data={**_request_form(
        id="RQ-2", event="EV-2", capability="TARP"), "csrf_token": token})
    assert r.status_code == 303 and _stored(web, ReliefRequest, "RQ-2")["event"] == "EV-2"


def test_the_offer_form_lists_the_chosen_events_items(web: Web) -> None:
    _event(web, "EV-1", "WATER-PURIF")
    _event(web, "EV-2", "TARP")
    fra = web.signed_in("liaison_fra")
    assert "TARP" not in _options(fra.get("/relief/offers/new?event=EV-1").text)
    assert _options(fra.get("/relief/offers/new?event=EV-2").text).count("TARP") == 1
    token = csrf_of(fra, "/relief/offers/new?event=EV-1")
    r = fra.post("/relief/offers/new", data={"event": "EV-2", "nation": "FRA", "relist": "1",
                                             "name": "typed", "csrf_token": token})
    assert r.status_code == 200 and "TARP" in _options(r.text) and 'value="typed"' in r.text
    assert "WATER-PURIF" not in _options(r.text)


def test_event_pages_work_with_the_keyboard(web: Web) -> None:
    _event(web, "EV-1", "WATER-PURIF")
    admin = web.signed_in("admin")
    problems = []
    for path in ("/relief/events/new", "/relief/events/EV-1"):
        parser = _Fields()
        parser.feed(admin.get(path).text)
        problems += [f"{path}: {f} has no label" for f in parser.unlabelled()]
        if parser.autofocus != 1:
            problems.append(f"{path}: {parser.autofocus} autofocus fields (want 1)")
        if len(set(parser.accesskeys)) != len(parser.accesskeys) or "s" not in parser.accesskeys:
            problems.append(f"{path}: access keys {parser.accesskeys}")
    assert not problems, "\n".join(problems)
    board = _Fields()
    board.feed(admin.get("/relief/EV-1").text)
    assert sorted(board.accesskeys) == ["e", "n"]  # New event, New request
