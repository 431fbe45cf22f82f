"""The relief event form in headless Chromium: a planner creates an event from the relief
dashboard (Alt+E; a bad items line refused at its field first), then a request in it, the
capability list following the event chosen (the page script asks the server for the event's
items), and edits the event. Saves docs/screenshots/relief-event.png (1366x768): the new
event's form with the bad line named."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import ADMIN_PASSWORD, Server
from .test_relief_forms import _notice, _shot, _sign_in
from .test_workflow import has_focus

pytestmark = pytest.mark.browser

EVENT = "EV-WINSTON"
OTHER = "EV-FLOOD-X"


def _options(page: Any) -> list[str]:
    return list(page.eval_on_selector_all("#f-capability option", "os => os.map(o => o.value)"))


def test_create_an_event_then_a_request_in_it(page: Any, server: Server) -> None:
    _sign_in(page, server, "admin", ADMIN_PASSWORD)
    # Another event with its own item, through the API, for the list to switch from.
    token = page.input_value("form[action='/logout'] input[name=csrf_token]")
    r = page.context.request.post(
        f"{server.url}/api/v1/relief/events", headers={"X-CSRF-Token": token},
        data={"id": OTHER, "name": "Flood (illustrative)", "items": [{"id": "TARP"}]})
    assert r.status == 201, r.text()

    # From the dashboard, Alt+E: a new event.
    page.goto(f"{server.url}/relief")
    page.keyboard.press("Alt+e")
    page.wait_for_selector("[data-testid=event-form]")
    assert has_focus(page, "#f-id")
    page.fill("#f-id", EVENT)
    page.fill("#f-name", "Cyclone Winston-2 (illustrative)")
    # (before the example's cyclone: /relief opens the newest event on this shared server)
    page.fill("#f-started", "2027-01-20 06:00")
    page.fill("#f-at", "178.0; -17.8")
    page.fill("#f-items", "WATER-PURIF; Water purification unit\nSHELTER-KIT; Shelter kit; kit\n"
                          "GENSET; Generator; set; 10 kVA")  # a fourth part: refused
    page.keyboard.press("Alt+s")
    page.wait_for_selector("p.error[data-field=items]")
    assert page.text_content("p.error[data-field=items]") == \
        "line 3: expected at most ID; name; unit"
    assert has_focus(page, "#f-items")  # the cursor goes to the field in error
    _shot(page, "relief-event")
    page.fill("#f-items", "WATER-PURIF; Water purification unit\nSHELTER-KIT; Shelter kit; kit\n"
                          "GENSET; Generator 10 kVA; set")
    page.keyboard.press("Alt+s")
    assert f"Event {EVENT} created." in _notice(page)
    assert re.search(rf"/relief/{EVENT}\?notice=", page.url), page.url

    # A request in it: the form opens on this event; switching to the other event and back
    # swaps the list of relief items (the capability types stay).
    page.click("[data-testid=new-request]")
    page.wait_for_selector("[data-testid=request-form]")
    assert page.input_value("#f-event") == EVENT
    assert page.locator("[data-testid=relist]").is_hidden()  # the script does its work
    first = _options(page)
    assert {"WATER-PURIF", "SHELTER-KIT", "GENSET", "ROLE1-MED"} <= set(first)
    assert "TARP" not in first
    page.select_option("#f-capability", "SHELTER-KIT")
    page.select_option("#f-event", OTHER)
    page.wait_for_function("() => [...document.querySelectorAll('#f-capability option')]"
                           ".some(o => o.value === 'TARP')")
    other = _options(page)
    assert "SHELTER-KIT" not in other and "ROLE1-MED" in other
    assert page.input_value("#f-capability") == ""  # the choice is not in this event
    page.select_option("#f-event", EVENT)
    page.wait_for_function("() => [...document.querySelectorAll('#f-capability option')]"
                           ".some(o => o.value === 'SHELTER-KIT')")
    assert _options(page) == first
    page.fill("#f-id", "RQ-SAVUSAVU-1")
    page.select_option("#f-capability", "SHELTER-KIT")
    page.fill("#f-quantity", "200")
    page.fill("#f-by_hours", "96")
    page.fill("#f-place", "Savusavu")
    page.fill("#f-at", "179.34; -16.78")
    page.keyboard.press("Alt+s")
    assert "Request RQ-SAVUSAVU-1 created." in _notice(page)
    page.goto(f"{server.url}/relief/{EVENT}")
    row = page.eval_on_selector("[data-testid=relief-table] tr[data-request='RQ-SAVUSAVU-1']",
                                "r => [...r.cells].map(c => c.textContent.trim())")
    assert row[1:3] == ["Savusavu", "SHELTER-KIT"] and row[-1] == "open"

    # The event edited from its dashboard: the item the request names stays.
    page.click("[data-testid=event-page]")
    page.wait_for_selector("[data-testid=event-form]")
    assert has_focus(page, "#f-name")
    page.fill("#f-name", "Cyclone Winston-2, Fiji (illustrative)")
    page.fill("#f-items", "WATER-PURIF; Water purification unit")
    page.keyboard.press("Alt+s")
    page.wait_for_selector("p.error[data-field=items]")
    assert "'SHELTER-KIT' is named by requests or offers" in \
        page.text_content("p.error[data-field=items]")
    page.fill("#f-items", "WATER-PURIF; Water purification unit\nSHELTER-KIT; Shelter kit; kit")
    page.keyboard.press("Alt+s")
    assert f"Event {EVENT} saved." in _notice(page)
    assert page.input_value("#f-items") == \
        "WATER-PURIF; Water purification unit\nSHELTER-KIT; Shelter kit; kit"
    page.goto(f"{server.url}/relief/{EVENT}")
    assert page.text_content("h1") == "Cyclone Winston-2, Fiji (illustrative)"
