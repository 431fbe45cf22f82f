"""The relief dashboard in headless Chromium: the cyclone example's requests and offers entered
through the API, some moved through their cycle, then the page's table, totals and map, and
the matched plan's routes drawn on it. Saves docs/screenshots/relief-dashboard.png
(1366x768)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ADMIN_PASSWORD, Server
from .test_workflow import sign_in

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"


def _load(page: Any, server: Server) -> str:
    """The example's relief section through the API, as the admin; returns the event id."""
    doc = yaml.safe_load((ROOT / "examples" / "pacific-cyclone" / "scenario.yaml").read_text())
    relief = doc["relief"]
    token = page.input_value("form[action='/logout'] input[name=csrf_token]")
    api = page.context.request
    headers = {"X-CSRF-Token": token}

    def post(path: str, body: Any, want: int = 201) -> Any:
        r = api.post(f"{server.url}/api/v1{path}", headers=headers, data=body)
        assert r.status == want, f"{path}: {r.text()}"
        return r.json()

    known = {n["code"] for n in api.get(f"{server.url}/api/v1/nations").json()}
    for n in doc["nations"]:
        if n["code"] not in known:
            post("/nations", {"code": n["code"], "name": n["name"]})
    ev = relief["events"][0]
    post("/relief/events", {"id": ev["id"], "name": ev["name"], "at": ev["at"],
                            "started": f"{ev['started']}T00:00:00Z", "items": relief["items"],
                            "airfields": relief["airfields"], "ports": relief["ports"],
                            "settings": relief["settings"]})
    for r in relief["requests"]:
        post("/relief/requests", r)
    keep = ("id", "nation", "capability", "quantity", "home", "notice_hours", "mode", "speed",
            "name")
    for o in relief["offers"]:
        post("/relief/offers", {"event": ev["id"], **{k: o[k] for k in keep if k in o}})
    steps = [("OF-NZL-1", "committed", "RQ-TON-1"), ("OF-NZL-1", "in-transit", None),
             ("OF-GBR-1", "committed", "RQ-FJI-2"), ("OF-FRA-1", "committed", "RQ-TON-1"),
             ("OF-FRA-1", "in-transit", None), ("OF-FRA-1", "delivered", None)]
    for offer, status, request in steps:
        v = api.get(f"{server.url}/api/v1/relief/offers/{offer}").json()["version"]
        body = {"version": v, "status": status, **({"request": request} if request else {})}
        if offer == "OF-GBR-1":  # shelter kits cannot serve a generator request: refused
            r = api.post(f"{server.url}/api/v1/relief/offers/{offer}/status", headers=headers,
                         data=body)
            assert r.status == 422
            continue
        post(f"/relief/offers/{offer}/status", body, 200)
    return str(ev["id"])


def test_relief_dashboard_table_totals_map_and_plan(page: Any, server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    event = _load(page, server)
    page.set_viewport_size({"width": 1366, "height": 768})
    # Straight to this event: /relief opens the newest one, and other tests on the same server
    # (test_relief_forms) may have made a newer event.
    page.goto(f"{server.url}/relief/{event}")
    assert page.text_content("[data-testid=relief-requests]") == "7"
    rows = page.eval_on_selector_all(
        "[data-testid=relief-table] tbody tr",
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))")
    ton1 = next(r for r in rows if r[0] == "RQ-TON-1")
    # asked 3: NZL's 2 in transit, France's 1 delivered -> nothing open, in transit.
    assert ton1[5:11] == ["3", "0", "2", "1", "0", "in transit"]
    assert {r[10] for r in rows if r[0] != "RQ-TON-1"} == {"open"}
    nations = page.text_content("[data-testid=relief-nations]")
    assert "NZL" in nations and "FRA" in nations
    svg = "[data-testid=relief-map] svg"
    assert page.locator(f"{svg} rect.request").count() == 7
    assert page.locator(f"{svg} rect.rq-in-transit").count() == 1
    # Every base but the British team's at Brize Norton, left outside the Pacific view.
    assert page.locator(f"{svg} circle.home").count() >= 5
    assert "1 home base far from the requests" in page.text_content("main")
    assert page.locator(f"{svg} path.land").count() > 0  # drawn from the shipped land
    assert page.locator(f"{svg} path.route").count() == 2  # the held offers' lines
    # The map is wider than tall and fits Vanuatu to Tonga across the antimeridian.
    box = page.locator(svg).bounding_box()
    assert box and box["width"] > box["height"]
    page.click("[data-testid=relief-plan]")
    page.wait_for_selector("[data-testid=relief-in-time]")
    in_time, asked = page.text_content("[data-testid=relief-in-time]").split(" / ")
    assert int(asked) == 917 and 0 < int(in_time) <= 917
    assert page.locator(f"{svg} path.route").count() > 2  # the plan's routes
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "relief-dashboard.png"))
