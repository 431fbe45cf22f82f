"""Security headers on pages and API, no inline script or style in any page, and a sign-in form
that a cross-site page cannot submit (login CSRF) (issue 8, Low)."""

from __future__ import annotations

import re
import time

import pytest

from forcegen.web.app import STATIC_DIR

from .conftest import PASSWORD, Web, post_login

TEMPLATES = STATIC_DIR.parent / "templates"
PAGES = ("/", "/pledges", "/requirements", "/runs", "/orbat", "/map", "/account",
         "/account/password", "/pledges/P-FRA-01", "/import", "/no-such-page",
         "/pledges?q=fra&status=approved&sort=-quantity", "/requirements?q=medical&priority=1",
         "/runs?q=lead&state=done", "/admin/users", "/admin/users?q=lia", "/admin/users/new",
         "/admin/users/2", "/pledges.csv", "/scenario/download/json")


def _check_headers(headers: dict[str, str] | object, path: str) -> None:
    h = headers
    csp = h["content-security-policy"]  # type: ignore[index]
    assert "frame-ancestors 'none'" in csp, path
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
    assert "default-src 'none'" in csp, path
    assert h["x-content-type-options"] == "nosniff", path  # type: ignore[index]
    assert h["x-frame-options"] == "DENY", path  # type: ignore[index]
    assert h["referrer-policy"] in ("no-referrer", "same-origin"), path  # type: ignore[index]


def test_pages_api_and_static_files_carry_security_headers(web: Web) -> None:
    anon = web.client()
    for path in ("/login", "/static/app.js", "/api/v1/health", "/api/v1/pledges", "/"):
        _check_headers(anon.get(path).headers, path)
    c = web.signed_in("admin")
    for path in PAGES:
        _check_headers(c.get(path).headers, path)
    # An error produced before any view (body too large) has them too.
    r = c.post("/api/v1/pledges", content=b"x" * (17 * 1024 * 1024),
               headers={"content-type": "application/json"})
    assert r.status_code == 413
    _check_headers(r.headers, "413")


_INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style[\s>]", re.I), "<style> element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_have_nothing_the_policy_blocks(template: str) -> None:
    text = (TEMPLATES / template).read_text()
    for pattern, what in _INLINE:
        assert not pattern.search(text), f"{template}: {what}"


def test_rendered_pages_have_nothing_the_policy_blocks(web: Web) -> None:
    # Charts and symbols are generated in Python: check what the pages really contain.
    c = web.signed_in("admin")
    run = c.post("/runs", data={"csrf_token": _csrf(c)}, follow_redirects=False)
    run_page = run.headers["location"].split("?")[0]
    deadline = time.monotonic() + 90
    while 'data-testid="run-state">done' not in c.get(run_page).text:
        assert time.monotonic() < deadline, "the sourcing run did not finish"
        time.sleep(0.5)
    pages = [*PAGES, run_page]
    assert 'class="chart"' in c.get("/").text  # the dashboard now has its matplotlib charts
    for path in pages:
        text = c.get(path).text
        for pattern, what in _INLINE:
            assert not pattern.search(text), f"{path}: {what}"


def _csrf(c: object) -> str:
    from .conftest import csrf_of

    return csrf_of(c, "/runs")  # type: ignore[arg-type]


def test_cross_site_login_post_sets_no_session(web: Web) -> None:
    # A page on another site posts the form: no pre-session cookie (SameSite=Strict), and it
    # cannot know the token.
    c = web.client()
    for data in ({"username": "lead", "password": PASSWORD},
                 {"username": "lead", "password": PASSWORD, "csrf_token": "guessed"}):
        r = c.post("/login", data=data)
        assert r.status_code == 403, r.text
        assert "forcegen_session" not in r.headers.get("set-cookie", "")
        assert "forcegen_session" not in c.cookies
    # A token from another browser's form does not fit this browser's cookie.
    other = web.client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', other.get("/login").text)
    assert token
    victim = web.client()
    victim.get("/login")
    r = victim.post("/login", data={"username": "lead", "password": PASSWORD,
                                    "csrf_token": token.group(1)})
    assert r.status_code == 403 and "forcegen_session" not in victim.cookies


def test_sign_in_form_cookie_is_httponly_strict_and_replaced_by_the_session(web: Web) -> None:
    c = web.client()
    r = c.get("/login")
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("forcegen_login_csrf=")
    low = cookie.lower()
    assert "httponly" in low and "samesite=strict" in low and "secure" in low
    r = post_login(c, {"username": "lead", "password": PASSWORD})
    assert r.status_code == 303 and "forcegen_session" in c.cookies
    assert "forcegen_login_csrf" not in c.cookies
