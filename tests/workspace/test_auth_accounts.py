"""Accounts (issue 8, Medium): no self-escalation, a password change or reset ends the other
credentials, and an account that must change its password can do nothing else first."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from forcegen.workspace.accounts import User
from forcegen.workspace.audit.models import AuditEntry
from forcegen.workspace.database import session_scope

from .conftest import PASSWORD, Workspace

API = "/api/v1"
NEW_PASSWORD = "a-brand-new-password-1"


def _uid(ws: Workspace, name: str) -> int:
    with ws.factory() as db:
        return db.scalar(select(User.id).where(User.username == name))


def _sign_in(ws: Workspace, name: str, password: str = PASSWORD) -> Any:
    c = ws.new_client()
    r = c.post(f"{API}/auth/login", json={"username": name, "password": password})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


@pytest.mark.parametrize(
    "change",
    [{"clearance": "TOP SECRET"}, {"nation": "DEU"}, {"role": "lead_planner"}],
)
def test_admin_cannot_change_own_role_nation_or_clearance(
    ws: Workspace, change: dict[str, str]
) -> None:
    admin = ws.client("admin")
    me = _uid(ws, "admin")
    r = admin.patch(f"{API}/users/{me}", json=change)
    assert r.status_code == 403, r.text
    assert f"your own {next(iter(change))}" in r.json()["error"]["message"]
    after = admin.get(f"{API}/users/me").json()
    assert (after["clearance"], after["nation"], after["role"]) == ("UNCLASSIFIED", None, "admin")
    # Unchanged values and other fields stay allowed.
    assert admin.patch(f"{API}/users/{me}",
                       json={"full_name": "Ada", "clearance": "UNCLASSIFIED"}).status_code == 200


def test_another_admin_may_change_an_admin_and_it_is_audited(ws: Workspace) -> None:
    admin = ws.client("admin")
    r = admin.post(f"{API}/users", json={"username": "admin2", "password": "0123456789ab",
                                         "role": "admin"})
    assert r.status_code == 201
    other = r.json()["id"]
    r = admin.patch(f"{API}/users/{other}", json={"clearance": "SECRET", "nation": "FRA"})
    assert r.status_code == 200 and r.json()["clearance"] == "SECRET"
    with ws.factory() as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.entity == "user",
                                                    AuditEntry.entity_id == str(other))
                           .order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.actor == "admin" and entry.action == "update"
    assert entry.before["clearance"] == 0 and entry.after["clearance"] == 3


def test_password_change_ends_other_sessions_and_tokens(ws: Workspace) -> None:
    token_client = ws.client("lead")  # an API token issued earlier
    other = _sign_in(ws, "lead")  # another browser
    current = _sign_in(ws, "lead")  # the one changing the password
    r = current.post(f"{API}/users/me/password",
                     json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 204, r.text
    assert current.get(f"{API}/users/me").status_code == 200  # kept
    assert other.get(f"{API}/users/me").status_code == 401
    assert token_client.get(f"{API}/users/me").status_code == 401


def test_password_change_by_token_keeps_only_that_token(ws: Workspace) -> None:
    lead = ws.client("lead")
    r = lead.post(f"{API}/auth/tokens", json={"name": "second"})
    second = ws.new_client()
    second.headers["Authorization"] = f"Bearer {r.json()['token']}"
    browser = _sign_in(ws, "lead")
    r = lead.post(f"{API}/users/me/password",
                  json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 204
    assert lead.get(f"{API}/users/me").status_code == 200
    assert second.get(f"{API}/users/me").status_code == 401
    assert browser.get(f"{API}/users/me").status_code == 401


def test_admin_reset_ends_sessions_and_tokens(ws: Workspace) -> None:
    token_client = ws.client("liaison_fra")
    browser = _sign_in(ws, "liaison_fra")
    r = ws.client("admin").patch(f"{API}/users/{_uid(ws, 'liaison_fra')}",
                                 json={"password": "reset-password-99"})
    assert r.status_code == 200
    assert token_client.get(f"{API}/users/me").status_code == 401
    assert browser.get(f"{API}/users/me").status_code == 401


def test_must_change_password_allows_only_the_change(ws: Workspace) -> None:
    with session_scope(ws.factory) as db:
        db.scalars(select(User).where(User.username == "admin")).one().must_change_password = True
    admin = ws.client("admin")
    for method, path, body in (
        ("GET", "/users", None),
        ("POST", "/auth/tokens", {"name": "x"}),
        ("GET", "/pledges", None),
        ("GET", "/audit", None),
    ):
        r = admin.request(method, f"{API}{path}", json=body)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"]["code"] == "password_change_required"
    assert admin.get(f"{API}/users/me").status_code == 200
    assert admin.get(f"{API}/auth/session").status_code == 200
    r = admin.post(f"{API}/users/me/password",
                   json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 204
    assert admin.get(f"{API}/users").status_code == 200
