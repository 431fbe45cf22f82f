"""Account administration pages (admins only): list and search, create, change role, nation and
clearance (never one's own), reset a password (must be changed, sessions end), disable and
enable; every change audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from forcegen.workspace.database import session_scope
from forcegen.workspace.models import AuditEntry, User

from .conftest import PASSWORD, Web, csrf_of, post_login

ADMIN_PAGES = ("/admin/users", "/admin/users/new")


def _user(web: Web, name: str) -> User:
    with session_scope(web.factory) as db:
        u = db.scalar(select(User).where(User.username == name))
        assert u is not None
        db.expunge(u)
        return u


def _audit(web: Web, account: User) -> list[str]:
    with session_scope(web.factory) as db:
        return [e.action for e in db.scalars(select(AuditEntry).where(
            AuditEntry.entity == "user", AuditEntry.entity_id == str(account.id)))]


def test_only_admins_reach_the_account_pages(web: Web) -> None:
    target = _user(web, "observer_fra").id
    for who in ("lead", "liaison_fra", "observer_fra"):
        c = web.signed_in(who)
        assert 'href="/admin/users"' not in c.get("/").text
        token = csrf_of(c)
        for path in (*ADMIN_PAGES, f"/admin/users/{target}"):
            assert c.get(path).status_code == 403, (who, path)
        for path, data in ((f"/admin/users/{target}", {"role": "admin"}),
                           (f"/admin/users/{target}/password", {"password": ""}),
                           (f"/admin/users/{target}/active", {"active": "no"}),
                           ("/admin/users/new", {"username": "x", "role": "admin"})):
            assert c.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    assert _user(web, "observer_fra").role == "observer" and _user(web, "observer_fra").active
    anon = web.client()
    assert anon.get("/admin/users").headers["location"].startswith("/login?next=")
    admin = web.signed_in("admin")
    assert 'href="/admin/users"' in admin.get("/").text
    assert admin.get("/admin/users/999999").status_code == 404


def test_list_searches_and_filters_accounts(web: Web) -> None:
    c = web.signed_in("admin")
    names = re.findall(r'data-user="([^"]+)"', c.get("/admin/users?q=LIAISON").text)
    assert names == ["liaison_deu", "liaison_fra"]
    names = re.findall(r'data-user="([^"]+)"', c.get("/admin/users?nation=FRA").text)
    assert sorted(names) == ["liaison_fra", "observer_fra"]
    page = c.get("/admin/users?role=observer&active=yes").text
    assert re.findall(r'data-user="([^"]+)"', page) == ["observer_fra"]
    assert "Role: <b>observer</b>" in page


def test_create_with_a_generated_password_that_must_be_changed(web: Web) -> None:
    c = web.signed_in("admin")
    token = csrf_of(c, "/admin/users/new")
    bad = c.post("/admin/users/new", data={"csrf_token": token, "username": "new liaison",
                                           "role": "liaison", "nation": ""})
    assert bad.status_code == 422 and 'data-field="username"' in bad.text
    bad = c.post("/admin/users/new", data={"csrf_token": token, "username": "pol1",
                                           "role": "liaison", "nation": ""})
    assert bad.status_code == 422 and "must belong to a nation" in bad.text
    r = c.post("/admin/users/new", data={"csrf_token": token, "username": "pol1",
                                         "full_name": "Polish liaison", "role": "liaison",
                                         "nation": "POL", "clearance": "RESTRICTED"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    password = re.search(r'value="([^"]+)" data-testid="password-value"', r.text)
    assert password and len(password.group(1)) >= 10
    account = _user(web, "pol1")
    assert (account.role, account.nation, account.clearance) == ("liaison", "POL", 1)
    assert account.must_change_password
    assert _audit(web, account) == ["create"]
    again = c.post("/admin/users/new", data={"csrf_token": token, "username": "POL1",
                                             "role": "observer", "nation": "POL"})
    assert again.status_code == 422 and "already exists" in again.text
    # The new account signs in with it and is sent to change it first.
    n = web.client()
    r = post_login(n, {"username": "pol1", "password": password.group(1), "next": "/"})
    assert r.status_code == 303 and r.headers["location"] == "/account/password"


def test_change_role_nation_clearance_but_not_ones_own(web: Web) -> None:
    c = web.signed_in("admin")
    target = _user(web, "observer_fra")
    token = csrf_of(c, f"/admin/users/{target.id}")
    r = c.post(f"/admin/users/{target.id}", data={
        "csrf_token": token, "full_name": "Obs", "role": "liaison", "nation": "DEU",
        "clearance": "SECRET"})
    assert r.status_code == 303
    after = _user(web, "observer_fra")
    assert (after.role, after.nation, after.clearance, after.full_name) == (
        "liaison", "DEU", 3, "Obs")
    assert _audit(web, target) == ["update"]
    # A planner role without a nation is fine; a liaison without one is refused at its field.
    r = c.post(f"/admin/users/{target.id}", data={"csrf_token": token, "role": "liaison",
                                                   "nation": "", "clearance": "SECRET"})
    assert r.status_code == 422 and 'data-field="nation"' in r.text
    # One's own page offers no role, nation or clearance fields, and a forged post is refused.
    me = _user(web, "admin")
    own = c.get(f"/admin/users/{me.id}").text
    assert 'data-testid="own-account"' in own and 'name="role"' not in own
    assert 'data-testid="toggle-active"' not in own
    r = c.post(f"/admin/users/{me.id}", data={"csrf_token": token, "clearance": "TOP SECRET"})
    assert r.status_code == 403 and "another admin" in r.text
    r = c.post(f"/admin/users/{me.id}/active", data={"csrf_token": token, "active": "no"})
    assert r.status_code == 422
    assert _user(web, "admin").clearance == me.clearance and _user(web, "admin").active


def test_reset_password_and_disable_end_the_sessions(web: Web) -> None:
    victim = web.signed_in("liaison_deu")
    assert victim.get("/pledges").status_code == 200
    target = _user(web, "liaison_deu")
    c = web.signed_in("admin")
    token = csrf_of(c, f"/admin/users/{target.id}")
    r = c.post(f"/admin/users/{target.id}/password", data={"csrf_token": token,
                                                            "password": "short"})
    assert r.status_code == 422 and 'data-field="password"' in r.text
    r = c.post(f"/admin/users/{target.id}/password", data={"csrf_token": token,
                                                            "password": "a new password 1"})
    assert r.status_code == 303
    assert victim.get("/pledges").status_code == 303  # signed out
    assert _user(web, "liaison_deu").must_change_password
    r = c.post(f"/admin/users/{target.id}/active", data={"csrf_token": token, "active": "no"})
    assert r.status_code == 303 and not _user(web, "liaison_deu").active
    n = web.client()
    r = post_login(n, {"username": "liaison_deu", "password": "a new password 1"})
    assert r.status_code == 401
    r = c.post(f"/admin/users/{target.id}/active", data={"csrf_token": token, "active": "yes"})
    assert r.status_code == 303 and _user(web, "liaison_deu").active
    assert [a for a in _audit(web, target) if a != "login"] == ["update"] * 3
    assert post_login(n, {"username": "liaison_deu", "password": PASSWORD}).status_code == 401


def test_stale_account_form_shows_the_conflict_page(web: Web) -> None:
    target = _user(web, "liaison_fra")
    first, second = web.signed_in("admin"), web.signed_in("admin")
    form = first.get(f"/admin/users/{target.id}").text
    based_on = re.search(r'name="version" value="(\d+)"', form)
    assert based_on and based_on.group(1) == str(target.version)
    # Another admin (another browser) lowers the clearance first.
    token2 = csrf_of(second, f"/admin/users/{target.id}")
    r = second.post(f"/admin/users/{target.id}", data={
        "csrf_token": token2, "version": str(target.version), "full_name": "",
        "role": "liaison", "nation": "FRA", "clearance": "RESTRICTED"})
    assert r.status_code == 303, r.text
    # The first admin saves the form loaded before: refused, the stored account is shown.
    token = csrf_of(first, "/admin/users")
    r = first.post(f"/admin/users/{target.id}", data={
        "csrf_token": token, "version": based_on.group(1), "full_name": "",
        "role": "liaison", "nation": "FRA", "clearance": "SECRET"})
    assert r.status_code == 409
    assert 'data-testid="conflict"' in r.text
    assert "<td>clearance</td><td>SECRET</td><td><strong>RESTRICTED</strong></td>" in r.text
    assert f'name="version" value="{target.version + 1}"' in r.text  # retry on the new one
    assert _user(web, "liaison_fra").clearance == 1
    # Disabling from the stale page is refused the same way.
    r = first.post(f"/admin/users/{target.id}/active", data={
        "csrf_token": token, "version": based_on.group(1), "active": "no"})
    assert r.status_code == 409 and 'data-testid="conflict"' in r.text
    assert _user(web, "liaison_fra").active
