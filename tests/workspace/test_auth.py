"""Sign-in, browser sessions with CSRF, API tokens, login rate limiting."""

from __future__ import annotations

from .conftest import PASSWORD, Workspace

API = "/api/v1"


def login(ws: Workspace, user: str = "liaison_fra", password: str = PASSWORD) -> tuple[object, str]:
    c = ws.new_client()
    r = c.post(f"{API}/auth/login", json={"username": user, "password": password})
    assert r.status_code == 200, r.text
    return c, r.json()["csrf_token"]


def test_session_cookie_is_secure_httponly_samesite(ws: Workspace) -> None:
    c = ws.new_client()
    r = c.post(f"{API}/auth/login", json={"username": "lead", "password": PASSWORD})
    cookies = r.headers.get_list("set-cookie")
    session = next(h for h in cookies if h.startswith("forcegen_session="))
    csrf = next(h for h in cookies if h.startswith("forcegen_csrf="))
    low = session.lower()
    assert "httponly" in low and "secure" in low and "samesite=strict" in low
    assert "httponly" not in csrf.lower()  # pages must be able to read it
    assert r.json()["user"]["username"] == "lead" and "password_hash" not in r.json()["user"]


def test_cookie_requests_need_the_csrf_token_to_change_state(ws: Workspace) -> None:
    c, csrf = login(ws)
    body = {
        "id": "P-FRA-C",
        "nation": "FRA",
        "capability": "X-ROLE2",
        "quantity": 1,
        "personnel": 1,
        "notice_days": 1,
    }
    assert c.get(f"{API}/pledges").status_code == 200  # reads need no token
    r = c.post(f"{API}/pledges", json=body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = c.post(f"{API}/pledges", json=body, headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    assert ws.client("lead").get(f"{API}/pledges/P-FRA-C").status_code == 404  # nothing saved
    r = c.post(f"{API}/pledges", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    # another session's token does not work for this session
    _, other = login(ws)
    r = c.patch(
        f"{API}/pledges/P-FRA-C",
        json={"version": 1, "quantity": 2},
        headers={"X-CSRF-Token": other},
    )
    assert r.status_code == 403


def test_logout_ends_the_session(ws: Workspace) -> None:
    c, csrf = login(ws)
    assert c.post(f"{API}/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert c.get(f"{API}/users/me").status_code == 401


def test_wrong_password_and_unknown_user_look_the_same(ws: Workspace) -> None:
    c = ws.new_client()
    a = c.post(f"{API}/auth/login", json={"username": "lead", "password": "nope"})
    b = c.post(f"{API}/auth/login", json={"username": "nobody", "password": "nope"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()


def test_login_rate_limited_per_user_and_address(ws: Workspace) -> None:
    c = ws.new_client()
    limit = ws.app.state.settings.login_max_failures
    for _ in range(limit):
        r = c.post(f"{API}/auth/login", json={"username": "observer_deu", "password": "bad"})
        assert r.status_code == 401
    # now even the right password is refused for a while
    r = c.post(f"{API}/auth/login", json={"username": "observer_deu", "password": PASSWORD})
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["retry-after"]) > 0
    # other users from the same address are not locked out
    r = c.post(f"{API}/auth/login", json={"username": "observer_fra", "password": PASSWORD})
    assert r.status_code == 200


def test_api_token_lifecycle(ws: Workspace) -> None:
    c = ws.client("observer_fra")
    r = c.post(f"{API}/auth/tokens", json={"name": "script"})
    assert r.status_code == 201
    token, token_id = r.json()["token"], r.json()["id"]
    script = ws.new_client()
    script.headers["Authorization"] = f"Bearer {token}"
    assert script.get(f"{API}/users/me").json()["username"] == "observer_fra"
    listed = c.get(f"{API}/auth/tokens").json()
    assert all("token" not in t for t in listed) and token_id in [t["id"] for t in listed]
    # someone else's token is "not found"
    assert ws.client("observer_deu").delete(f"{API}/auth/tokens/{token_id}").status_code == 404
    assert c.delete(f"{API}/auth/tokens/{token_id}").status_code == 204
    r = script.get(f"{API}/users/me")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"


def test_tokens_are_stored_hashed(ws: Workspace) -> None:
    from sqlalchemy import select

    from forcegen.workspace.auth.models import ApiToken
    from forcegen.workspace.database import session_scope

    with session_scope(ws.factory) as db:
        stored = set(db.scalars(select(ApiToken.token_hash)))
    assert ws.tokens["admin"] not in stored and len(stored) == len(ws.tokens)


def test_password_change_and_disabled_accounts(ws: Workspace) -> None:
    c = ws.client("lead")
    r = c.post(
        f"{API}/users/me/password",
        json={"current_password": "wrong-one-x", "new_password": "a-new-password-1"},
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "current_password"
    admin = ws.client("admin")
    uid = next(
        u["id"] for u in admin.get(f"{API}/users").json()["items"] if u["username"] == "lead"
    )
    assert admin.patch(f"{API}/users/{uid}", json={"active": False}).status_code == 200
    assert c.get(f"{API}/users/me").status_code == 401  # tokens revoked with the account
    r = ws.new_client().post(f"{API}/auth/login", json={"username": "lead", "password": PASSWORD})
    assert r.status_code == 401


def test_liaison_needs_a_nation(ws: Workspace) -> None:
    r = ws.client("admin").post(
        f"{API}/users", json={"username": "newbie", "password": "0123456789ab", "role": "liaison"}
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "nation"
