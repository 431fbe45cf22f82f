"""The planner's path through the real server in headless Chromium: sign in, edit a pledge,
approve it, run sourcing, see the shortfall."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import ADMIN_PASSWORD, Server

pytestmark = pytest.mark.browser


def sign_in(page: Any, server: Server, username: str, password: str) -> None:
    page.goto(f"{server.url}/pledges")
    assert "/login" in page.url  # anonymous: sent to the sign-in page
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/pledges$"))


def has_focus(page: Any, selector: str, timeout_ms: int = 5000) -> bool:
    """Whether the element ``selector`` holds the keyboard focus within ``timeout_ms``.

    Browsers apply ``autofocus`` in a rendering step after the load event, so an
    immediate ``document.activeElement`` read races it; waiting a bounded time
    still fails when the page never focuses the element.
    """
    try:
        page.wait_for_function("s => document.activeElement === document.querySelector(s)",
                               arg=selector, timeout=timeout_ms)
    except Exception:  # playwright's TimeoutError: the element never took the focus
        return False
    return True


def open_nav(page: Any, href: str) -> None:
    """Follow the nav bar's link to ``href``: open the menu holding it, then click it."""
    page.click(f"nav details:has(a[href='{href}']) > summary")
    page.click(f"nav a[href='{href}']")
    page.wait_for_url(re.compile(rf".*{re.escape(href)}(\?.*)?$"))


def test_edit_approve_run_and_see_the_shortfall(page: Any, server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    assert page.text_content("[data-testid=whoami]") == "admin"

    # Edit a provisional pledge: a bad value is refused next to its field, then a good one.
    page.goto(f"{server.url}/pledges/P-FRA-09")
    page.fill("#f-personnel", "-5")
    page.click("[data-testid=pledge-form] button[type=submit]")
    assert "greater than or equal to 0" in page.text_content("p.error[data-field=personnel]")
    page.fill("#f-personnel", "480")
    page.click("[data-testid=pledge-form] button[type=submit]")
    page.wait_for_selector("p.notice")
    assert "Pledge P-FRA-09 saved." in page.text_content("p.notice")
    assert page.input_value("#f-personnel") == "480"

    # Approve it with the button of the workflow.
    page.click("[data-testid=status-form] button[value=approved]")
    page.wait_for_selector("p.notice")
    assert "now approved" in page.text_content("p.notice")
    assert page.text_content("h1 .badge") == "approved"

    # Run sourcing and wait for the plan (the page refreshes itself while it runs).
    page.goto(f"{server.url}/runs")
    page.click("[data-testid=run-form] button[type=submit]")
    page.wait_for_selector("[data-testid=run-state]:text('done')", timeout=40000)
    table = page.text_content("[data-testid=shortfalls]")
    assert "CBRN-LAB" in table and "no-offer" in table  # nobody offers a CBRN laboratory
    assignments = page.text_content("[data-testid=assignments]")
    assert "P-FRA-09" in assignments  # the pledge approved above is now used

    # The dashboard shows the same shortfalls and the charts.
    page.goto(f"{server.url}/")
    count = int(page.text_content("[data-testid=shortfall-count]") or "0")
    assert count >= 1
    assert page.locator("svg.chart").count() >= 3


def test_wrong_password_stays_on_the_sign_in_page(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#f-username", "admin")
    page.fill("#f-password", "not the password")
    page.click("form[action='/login'] button[type=submit]")
    assert "wrong user name or password" in page.text_content("p.error")
    assert page.context.cookies() == [] or all(
        c["name"] != "forcegen_session" for c in page.context.cookies()
    )
