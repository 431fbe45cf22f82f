"""The workspace pages in headless Chromium: search a table with the keyboard and clear the
filter, approve several pledges with one form, and administer an account (create it with a
generated password, which its owner must change at the first sign-in)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import ADMIN_PASSWORD, Server
from .test_workflow import has_focus, open_nav, sign_in

pytestmark = pytest.mark.browser


def _wait_for_query(page: Any, **want: str) -> None:
    """Wait until the pledges page is loaded with exactly these (non-empty) parameters."""
    def matches(url: str) -> bool:
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items() if v and v[0]}
        return parts.path == "/pledges" and query == want
    page.wait_for_url(matches)


def _rows(page: Any) -> list[str]:
    return [str(x) for x in page.eval_on_selector_all(
        "[data-testid=pledges] tr[data-pledge]", "rows => rows.map(r => r.dataset.pledge)")]


def test_search_with_the_keyboard_then_clear_it(page: Any, server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    page.goto(f"{server.url}/pledges")
    everything = page.text_content("[data-testid=active-filters]")
    # The cursor starts in the search box: type and press Enter, no mouse.
    assert has_focus(page, "[name=q]")
    page.keyboard.type("countermeasures")
    page.keyboard.press("Enter")
    _wait_for_query(page, q="countermeasures")
    found = _rows(page)
    assert found, "no pledge found by its capability's name"
    assert "Text: countermeasures" in page.text_content("[data-testid=active-filters]")
    # Choosing a status filters at once (the script submits the form) and keeps the search.
    page.select_option("form.filters select[name=status]", "approved")
    _wait_for_query(page, q="countermeasures", status="approved")
    assert set(_rows(page)) <= set(found)
    # Each filter clears on its own.
    page.click("a.chip[data-filter=Text]")
    _wait_for_query(page, status="approved")
    assert page.input_value("input[name=q]") == ""
    page.click("a.chip[data-filter=Status]")
    _wait_for_query(page)
    assert page.text_content("[data-testid=active-filters]") == everything


def test_liaison_approves_ticked_pledges_at_once(page: Any, server: Server) -> None:
    # An account for the French liaison officer, made by the admin through the API.
    admin = page.context.request
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    token = page.input_value("form[action='/logout'] input[name=csrf_token]")
    r = admin.post(f"{server.url}/api/v1/users", headers={"X-CSRF-Token": token}, data={
        "username": "fra-lno", "password": "liaison password 1", "role": "liaison",
        "nation": "FRA"})
    assert r.status == 201, r.text()
    page.context.clear_cookies()
    sign_in(page, server, "fra-lno", "liaison password 1")
    page.goto(f"{server.url}/pledges?status=provisional")
    # Not P-FRA-09: test_workflow edits and approves that one, and the browser tests share
    # one server per worker, so ticking it here made that test depend on the order.
    ticked = [pid for pid in _rows(page) if pid != "P-FRA-09"][:2]
    assert len(ticked) == 2 and all(t.startswith("P-FRA-") for t in ticked)
    for pid in ticked:
        page.check(f"tr[data-pledge='{pid}'] input[type=checkbox]")
    page.select_option("[data-testid=bulk-status]", "approved")
    page.fill("#bulk-note", "cleared by Paris")
    page.click("[data-testid=bulk-apply]")
    page.wait_for_selector("p.notice")
    assert "2 pledges now approved." in page.text_content("p.notice")
    assert not set(ticked) & set(_rows(page))  # no longer provisional
    page.goto(f"{server.url}/pledges?status=approved&q={ticked[0]}")
    assert _rows(page) == [ticked[0]]


def test_admin_creates_an_account_that_must_change_its_password(page: Any,
                                                               server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    open_nav(page, "/admin/users")
    page.click("[data-testid=new-user]")
    assert has_focus(page, "#f-username")
    page.fill("#f-username", "deu-observer")
    page.fill("#f-full_name", "German observer")
    page.select_option("#f-role", "observer")
    page.select_option("#f-nation", "DEU")
    page.select_option("#f-clearance", "RESTRICTED")
    page.focus("#f-full_name")
    page.keyboard.press("Enter")  # submits the form: no mouse needed
    page.wait_for_selector("[data-testid=generated-password]")
    password = page.input_value("[data-testid=password-value]")
    assert len(password) >= 10
    page.click("text=Done")
    assert "RESTRICTED" in page.text_content("[data-testid=user-form]")
    # Find it in the list by searching.
    page.goto(f"{server.url}/admin/users")
    page.fill("input[name=q]", "german")
    page.keyboard.press("Enter")
    page.wait_for_selector("tr[data-user='deu-observer']")
    assert page.locator("tr[data-user]").count() == 1
    # Its owner signs in and is sent to choose a password first.
    page.context.clear_cookies()
    page.goto(f"{server.url}/login")
    page.fill("#f-username", "deu-observer")
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/account/password$"))
    assert "initial password" in page.text_content("main")
