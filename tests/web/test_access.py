"""Who sees what on the pages, sign-in, sign-out and CSRF on forms."""

from __future__ import annotations

import re

from forcegen.workspace.accounts import User
from forcegen.workspace.database import session_scope
from forcegen.workspace.pledges.models import Pledge

from .conftest import Web, csrf_of, post_login

ROW = re.compile(r'data-pledge="([^"]+)"')


def _pledge(web: Web, pledge_id: str) -> Pledge:
    with session_scope(web.factory) as db:
        row = db.get(Pledge, pledge_id)
        assert row is not None
        db.expunge(row)
        return row


def test_anonymous_pages_redirect_to_sign_in(web: Web) -> None:
    c = web.client()
    for path in ("/", "/pledges", "/pledges/P-FRA-01", "/runs", "/orbat", "/map", "/import",
                 "/pledges?q=fra", "/pledges.csv", "/requirements.csv", "/admin/users",
                 "/admin/users/new", "/admin/users/1", "/runs/1/download/xlsx",
                 "/scenario/download/csv"):
        r = c.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login?next=")
    r = c.get("/login")
    assert r.status_code == 200 and 'name="password"' in r.text


def test_wrong_password_is_refused_on_the_form(web: Web) -> None:
    c = web.client()
    r = post_login(c, {"username": "admin", "password": "not the password"})
    assert r.status_code == 401
    assert "wrong user name or password" in r.text
    assert "forcegen_session" not in c.cookies


def test_sign_in_never_redirects_off_site(web: Web) -> None:
    c = web.client()
    r = post_login(
        c,
        {"username": "lead", "password": "correct horse battery staple",
         "next": "//evil.example/x"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_liaison_sees_own_pledges_and_only_totals_of_others(web: Web) -> None:
    c = web.signed_in("liaison_fra")
    r = c.get("/pledges")
    assert r.status_code == 200
    ids = ROW.findall(r.text)
    assert ids and all(i.startswith("P-FRA-") for i in ids)
    assert "P-GBR-01" not in r.text
    # The totals table: its own nation, and the others merged (no single foreign pledge).
    assert 'data-testid="totals"' in r.text and "<td>other nations</td>" in r.text
    assert "<td>GBR</td>" not in r.text
    assert c.get("/pledges/P-GBR-01").status_code == 404
    assert c.get("/pledges?nation=GBR").text.count("data-pledge=") == 0
    assert 'href="/import"' not in r.text
    assert c.get("/import").status_code == 403


def test_planner_sees_every_nation(web: Web) -> None:
    c = web.signed_in("lead")
    r = c.get("/pledges?nation=GBR")
    ids = ROW.findall(r.text)
    assert ids and all(i.startswith("P-GBR-") for i in ids)
    assert 'data-testid="totals"' not in r.text
    assert 'href="/import"' in r.text


def test_observer_is_read_only(web: Web) -> None:
    c = web.signed_in("observer_fra")
    r = c.get("/pledges/P-FRA-05")
    assert r.status_code == 200
    assert "Read-only" in r.text and 'data-testid="status-form"' not in r.text
    assert "New pledge" not in c.get("/pledges").text
    token = csrf_of(c, "/pledges")
    r = c.post("/pledges/P-FRA-05", data={"csrf_token": token, "version": "1", "quantity": "3"})
    assert r.status_code == 403
    r = c.post("/pledges/P-FRA-05/status",
               data={"csrf_token": token, "version": "1", "status": "withdrawn"})
    assert r.status_code == 403
    assert _pledge(web, "P-FRA-05").status == "approved"
    assert c.post("/runs", data={"csrf_token": token}).status_code == 403


def test_forms_without_the_csrf_token_are_refused(web: Web) -> None:
    c = web.signed_in("liaison_fra")
    before = _pledge(web, "P-FRA-05")
    for data in ({}, {"csrf_token": "forged"}):
        r = c.post("/pledges/P-FRA-05", data={**data, "version": "1", "quantity": "4"})
        assert r.status_code == 403, r.text
        r = c.post("/pledges/P-FRA-05/status", data={**data, "version": "1", "status": "withdrawn"})
        assert r.status_code == 403
    assert c.post("/logout").status_code == 403
    after = _pledge(web, "P-FRA-05")
    assert (after.quantity, after.status, after.version) == (
        before.quantity, before.status, before.version)
    # Another user's token does not work either.
    other = web.signed_in("liaison_deu")
    token = csrf_of(other)
    r = c.post("/pledges/P-FRA-05", data={"csrf_token": token, "version": "1", "quantity": "4"})
    assert r.status_code == 403


def test_sign_out_ends_the_session(web: Web) -> None:
    c = web.signed_in("lead")
    r = c.post("/logout", data={"csrf_token": csrf_of(c)})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert c.get("/").status_code == 303


def test_generated_password_must_be_changed_first(web: Web) -> None:
    with session_scope(web.factory) as db:
        user = db.query(User).filter_by(username="lead").one()
        user.must_change_password = True
    c = web.signed_in("lead")
    r = c.get("/pledges")
    assert r.status_code == 303 and r.headers["location"] == "/account/password"
    token = csrf_of(c, "/account/password")
    r = c.post("/account/password", data={
        "csrf_token": token, "current_password": "correct horse battery staple",
        "new_password": "short", "repeat_password": "short"})
    assert r.status_code == 422 and 'data-field="new_password"' in r.text
    r = c.post("/account/password", data={
        "csrf_token": token, "current_password": "correct horse battery staple",
        "new_password": "a much better passphrase", "repeat_password": "a much better passphrase"})
    assert r.status_code == 303
    assert c.get("/pledges").status_code == 200
