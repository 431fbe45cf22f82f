"""Accounts carry a version: an admin's change based on an older view of the account is
refused with 409 and the account as it is, never silently undoing another admin's change."""

from __future__ import annotations

from sqlalchemy import select

from forcegen.workspace.accounts import User
from forcegen.workspace.database import session_scope

from .conftest import Workspace

API = "/api/v1"


def _account(ws: Workspace, name: str) -> User:
    with session_scope(ws.factory) as db:
        u = db.scalar(select(User).where(User.username == name))
        assert u is not None
        db.expunge(u)
        return u


def test_stale_account_change_is_refused_with_the_account_as_it_is(ws: Workspace) -> None:
    target = _account(ws, "liaison_fra")
    admin = ws.client("admin")
    read = admin.get(f"{API}/users/{target.id}").json()
    based_on = read["version"]
    # Another admin lowers the clearance first (this one saw the older account).
    r = admin.patch(f"{API}/users/{target.id}",
                    json={"clearance": "RESTRICTED", "version": based_on})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == based_on + 1
    r = admin.patch(f"{API}/users/{target.id}",
                    json={"clearance": "SECRET", "version": based_on})
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert err["field"] == "version"
    assert err["current"]["clearance"] == "RESTRICTED"
    assert err["current"]["version"] == based_on + 1
    assert "password_hash" not in err["current"]
    after = _account(ws, "liaison_fra")
    assert (after.clearance, after.version) == (1, based_on + 1)  # RESTRICTED kept


def test_disabling_on_a_stale_version_is_refused(ws: Workspace) -> None:
    target = _account(ws, "observer_fra")
    admin = ws.client("admin")
    assert admin.patch(f"{API}/users/{target.id}",
                       json={"full_name": "Observer", "version": target.version}).status_code == 200
    r = admin.patch(f"{API}/users/{target.id}", json={"active": False, "version": target.version})
    assert r.status_code == 409
    assert _account(ws, "observer_fra").active
    # Without a version (older clients) the change applies to what is stored.
    r = admin.patch(f"{API}/users/{target.id}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
