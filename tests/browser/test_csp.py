"""The pages keep to their Content-Security-Policy in a real browser: no violation is reported
while signing in and opening every page (inline script, style attribute or ``javascript:``
URL would each be one), the fill bars still show, and a cross-site page cannot sign the browser
in (login CSRF)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ADMIN_PASSWORD, Server
from .test_workflow import sign_in

pytestmark = pytest.mark.browser

PAGES = ("/", "/pledges", "/requirements", "/runs", "/orbat", "/map", "/account",
         "/pledges/P-FRA-01", "/pledges/NO-SUCH", "/pledges?q=fra&status=approved",
         "/requirements?priority=1", "/admin/users", "/admin/users/new", "/admin/users/1")


def test_no_policy_violation_on_any_page(page: Any, server: Server) -> None:
    violations: list[str] = []
    page.on("console", lambda m: violations.append(f"{page.url}: {m.text[:80]}")
            if "Content Security Policy" in m.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('Content Security Policy: ' + e.violatedDirective));"
    )
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    # A finished run, so that the run page and the dashboard show their fill bars.
    page.goto(f"{server.url}/runs")
    page.click("[data-testid=run-form] button[type=submit]")
    page.wait_for_selector("[data-testid=run-state]:text('done')", timeout=40000)
    run_url = page.url
    for path in PAGES:
        page.goto(f"{server.url}{path}")
        page.wait_for_load_state("load")
    page.goto(run_url)
    page.wait_for_load_state("load")
    assert page.locator(".meter rect").count() >= 1
    box = page.locator(".meter rect").first.bounding_box()
    assert box is not None and box["height"] > 0  # shown without any style attribute
    # The error page's "Back" link goes back without a javascript: URL.
    page.goto(f"{server.url}/pledges/NO-SUCH")
    page.click("a[data-back], a:text('Back')")
    page.wait_for_url(run_url)
    assert violations == []


def test_cross_site_form_cannot_sign_in(page: Any, server: Server) -> None:
    # A page of another origin (here: a data: URL) auto-submits the sign-in form.
    page.goto(
        "data:text/html,<form method=post action='" + server.url + "/login'>"
        "<input name=username value=admin><input name=password value='" + ADMIN_PASSWORD + "'>"
        "</form><script>document.forms[0].submit()</script>"
    )
    page.wait_for_load_state("load")
    assert "did not come from this site" in page.content()
    page.goto(f"{server.url}/pledges")
    assert "/login" in page.url  # still signed out
