"""The relief forms in headless Chromium: a planner creates a request (a bad position refused
at its field first), France's liaison officer offers against it from the request's page,
commits the offer, marks it in transit and delivered, and the dashboard shows the request
delivered. Saves docs/screenshots/relief-request-new.png, relief-offer.png and
relief-request.png (1366x768)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import ADMIN_PASSWORD, Server
from .test_workflow import has_focus

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
EVENT = "EV-FORMS"
LIAISON = ("fra-relief", "relief liaison password")


def _sign_in(page: Any, server: Server, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{server.url}/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()


def _shot(page: Any, name: str) -> None:
    """The viewport at 1366x768, reduced to a 128-colour palette as scripts/screenshots.py."""
    from PIL import Image

    page.set_viewport_size({"width": 1366, "height": 768})
    image = Image.open(io.BytesIO(page.screenshot(full_page=False))).convert("RGB")
    SHOTS.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(
        SHOTS / f"{name}.png", optimize=True)


def _setup(page: Any, server: Server) -> None:
    """An event (through the API, as the admin) and an account for France's liaison."""
    token = page.input_value("form[action='/logout'] input[name=csrf_token]")
    api, headers = page.context.request, {"X-CSRF-Token": token}
    r = api.post(f"{server.url}/api/v1/relief/events", headers=headers, data={
        "id": EVENT, "name": "Cyclone Gita-2 (illustrative)", "at": [-175.2, -21.1],
        "started": "2027-02-10T00:00:00Z",
        "items": [{"id": "WATER-PURIF", "name": "Water purification unit"}]})
    assert r.status == 201, r.text()
    r = api.post(f"{server.url}/api/v1/users", headers=headers, data={
        "username": LIAISON[0], "full_name": "Cdt. Martin (FRA liaison)",
        "password": LIAISON[1], "role": "liaison", "nation": "FRA"})
    assert r.status == 201, r.text()


def _notice(page: Any) -> str:
    page.wait_for_selector("p.notice")
    return str(page.text_content("p.notice"))


def test_request_offer_commit_deliver_and_the_dashboard(page: Any, server: Server) -> None:
    _sign_in(page, server, "admin", ADMIN_PASSWORD)
    _setup(page, server)

    # The planner: from the dashboard (through the nav menu) to a new request.
    page.goto(f"{server.url}/")
    page.click("nav details:has(a[href='/relief']) > summary")
    page.click("nav a[href='/relief']")
    page.wait_for_url(re.compile(r".*/relief/[^/]+$"))  # the newest event's dashboard
    page.goto(f"{server.url}/relief/{EVENT}")
    page.click("[data-testid=new-request]")
    page.wait_for_selector("[data-testid=request-form]")
    assert has_focus(page, "#f-id")
    page.fill("#f-id", "RQ-TON-9")
    page.select_option("#f-capability", "WATER-PURIF")
    page.fill("#f-name", "Water for Vaiola hospital")
    page.fill("#f-quantity", "3")
    page.fill("#f-by_hours", "72")
    page.fill("#f-place", "Nuku'alofa")
    page.fill("#f-at", "Tongatapu")  # not a position: refused at its field
    page.keyboard.press("Alt+s")
    page.wait_for_selector("p.error[data-field=at]")
    assert "expected longitude; latitude" in page.text_content("p.error[data-field=at]")
    assert page.input_value("#f-id") == "RQ-TON-9"  # what was typed is kept
    _shot(page, "relief-request-new")
    page.fill("#f-at", "-175.2; -21.14")
    page.click("[data-testid=request-form] button[type=submit]")
    assert "Request RQ-TON-9 created." in _notice(page)

    # France's liaison officer offers against it, from the request's page.
    _sign_in(page, server, *LIAISON)
    page.goto(f"{server.url}/relief/{EVENT}")
    assert page.locator("[data-testid=new-request]").count() == 0  # planners only
    page.click("[data-testid=relief-table] a[href='/relief/requests/RQ-TON-9']")
    page.click("[data-testid=offer-against]")
    page.wait_for_selector("[data-testid=offer-form]")
    assert page.input_value("#f-quantity") == "3"  # filled in from the request
    assert page.locator("#f-nation option").all_inner_texts() == ["FRA"]
    page.fill("#f-name", "CASA CN-235 from La Tontouta")
    page.fill("#f-home", "166.21; -22.01")
    page.fill("#f-notice_hours", "12")
    page.keyboard.press("Alt+s")
    created = _notice(page)
    offer = re.search(r"Offer (FRA-\S+) created\.", created)
    assert offer, created
    assert page.text_content("h1 .badge") == "offered"

    # Commit it to the request (the only one it may serve), then in transit, delivered.
    assert page.input_value("#f-request") == "RQ-TON-9"
    page.fill("#f-note", "loading at La Tontouta")
    page.click("[data-testid=status-form] button[value=committed]")
    assert "now committed" in _notice(page)
    assert page.text_content("[data-testid=held-for]") == "RQ-TON-9"
    _shot(page, "relief-offer")
    page.click("[data-testid=status-form] button[value=in-transit]")
    assert "now in-transit" in _notice(page)
    page.click("[data-testid=status-form] button[value=delivered]")
    assert "now delivered" in _notice(page)
    assert page.locator("[data-testid=status-form]").count() == 0  # the cycle is complete
    steps = page.eval_on_selector_all(
        "[data-testid=history] tbody tr",
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))")
    assert [s[2] for s in steps] == ["offered", "offered → committed",
                                     "committed → in-transit", "in-transit → delivered"]
    assert {s[1] for s in steps} == {LIAISON[0]}

    # The request's page and the dashboard show it delivered.
    page.click("[data-testid=held-for]")
    page.wait_for_selector("[data-testid=held-offers]")
    assert offer.group(1) in page.text_content("[data-testid=held-offers]")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator("[data-testid=history]").scroll_into_view_if_needed()  # offers and history
    _shot(page, "relief-request")
    page.goto(f"{server.url}/relief/{EVENT}")
    row = page.eval_on_selector(
        "[data-testid=relief-table] tr[data-request='RQ-TON-9']",
        "r => [...r.cells].map(c => c.textContent.trim())")
    assert row[5:11] == ["3", "0", "0", "3", "0", "delivered"]
    assert page.text_content("[data-testid=relief-open]") == "0"
