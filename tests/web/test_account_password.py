"""Changing one's password in the web UI signs out every other browser of the account and
revokes its API tokens, and keeps the browser that made the change (issue 8, Medium)."""

from __future__ import annotations

from sqlalchemy import select

from forcegen.workspace.accounts import User
from forcegen.workspace.auth.models import ApiToken
from forcegen.workspace.auth.service import create_api_token
from forcegen.workspace.database import session_scope

from .conftest import PASSWORD, Web, csrf_of


def test_password_change_in_the_form_ends_other_sessions_and_tokens(web: Web) -> None:
    with session_scope(web.factory) as db:
        lead = db.scalars(select(User).where(User.username == "lead")).one()
        create_api_token(db, lead, "script")
    here, elsewhere = web.signed_in("lead"), web.signed_in("lead")
    r = here.post("/account/password", data={
        "csrf_token": csrf_of(here, "/account/password"),
        "current_password": PASSWORD,
        "new_password": "another-password-42",
        "repeat_password": "another-password-42",
    })
    assert r.status_code == 303, r.text
    assert here.get("/pledges").status_code == 200
    r = elsewhere.get("/pledges")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    with session_scope(web.factory) as db:
        assert all(db.scalars(select(ApiToken.revoked)))
