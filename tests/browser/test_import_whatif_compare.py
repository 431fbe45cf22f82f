"""In headless Chromium, through the real server: merge a pledges.csv with its preview, run a
what-if, compare it with a plain run, zoom the road map; dashboard chart text readable."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import ADMIN_PASSWORD, Server
from .test_workflow import sign_in

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reassurance-force"


def _csp_watch(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text
            else None)
    return seen


def _run(page: Any, server: Server, withdraw: str | None = None) -> int:
    page.goto(f"{server.url}/runs")
    if withdraw:
        page.click("[data-testid=whatif] summary")
        page.check(f"#w-{withdraw}")
    page.click("[data-testid=run-form] button[type=submit]")
    page.wait_for_selector("[data-testid=run-state]:text('done')", timeout=60000)
    m = re.search(r"/runs/(\d+)", page.url)
    assert m
    return int(m.group(1))


def test_merge_a_pledges_csv_with_preview(page: Any, server: Server, tmp_path: Path) -> None:
    csp = _csp_watch(page)
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    lines = (EXAMPLE / "pledges.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[0] == "P-DEU-03":
            cells[header.index("personnel")] = "777"
        out.append(",".join(cells))
    path = tmp_path / "pledges.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")

    page.goto(f"{server.url}/import")
    page.set_input_files("[data-testid=import-form] input[type=file]", str(path))
    page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_selector("[data-testid=merge-preview]")
    row = page.locator("[data-testid=merge-changed] tr[data-pledge=P-DEU-03]")
    assert row.count() == 1
    assert "777" in (row.locator("td.new").text_content() or "")
    heading = page.text_content("[data-testid=merge-preview] h2") or ""
    assert "0 to add, 1 to change, 0 to remove" in heading
    page.click("[data-testid=merge-confirm] button[type=submit]")
    page.wait_for_selector("p.notice")
    assert "1 changed" in page.text_content("p.notice")
    page.goto(f"{server.url}/pledges/P-DEU-03")
    assert page.input_value("#f-personnel") == "777"
    assert not csp, csp


def test_what_if_run_and_compare(page: Any, server: Server) -> None:
    csp = _csp_watch(page)
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    base = _run(page, server)
    what = _run(page, server, withdraw="GBR")
    assert "withdrawn: GBR" in page.text_content("[data-testid=run-whatif]")
    page.goto(f"{server.url}/compare")
    page.select_option("[data-testid=compare-a]", str(base))
    page.select_option("[data-testid=compare-b]", str(what))
    page.click("[data-testid=compare-form] button[type=submit]")
    page.wait_for_selector("[data-testid=compare-nations]")
    assert page.locator("[data-testid=compare-lost] tr[data-line]").count() >= 1
    gbr = page.text_content("[data-testid=compare-nations] tr[data-nation=GBR]") or ""
    assert "→ 0" in gbr
    assert not csp, csp


def test_map_zooms_and_dashboard_text_is_readable(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        csp = _csp_watch(page)
        sign_in(page, server, "admin", ADMIN_PASSWORD)
        page.goto(f"{server.url}/map")
        assert page.locator("svg.map path.road").count() >= 3
        before = page.get_attribute("svg.map", "viewBox")
        page.click("[data-map-zoom=in]")
        after = page.get_attribute("svg.map", "viewBox")
        assert before and after and float(after.split()[2]) < float(before.split()[2])
        page.click("[data-map-zoom=reset]")
        reset = page.get_attribute("svg.map", "viewBox") or ""
        assert [float(v) for v in reset.split()] == [float(v) for v in before.split()]
        if page.locator("svg.chart").count() == 0:
            _run(page, server)
        page.goto(f"{server.url}/")
        sizes = page.evaluate("""() => [...document.querySelectorAll('svg.chart text')].map(
            t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a)""")
        assert sizes and min(sizes) >= 11, min(sizes)
        assert not csp, csp
    finally:
        context.close()
