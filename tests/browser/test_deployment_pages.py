"""The deployment pages in headless Chromium: a planner starts a deployment run from the
workspace form, sees its Gantt chart, downloads the force list (CSV) and the workbook, and
follows the chain of command by day on the ORBAT page. Saves docs/screenshots/
deployment-gantt.png and orbat-by-day.png (1366x768)."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from .conftest import ADMIN_PASSWORD, Server, serve_workspace
from .test_workflow import sign_in

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def quick_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The bundled example served with an 8 s solver limit: the plan is checked, not its proof."""
    try:
        with serve_workspace(tmp_path_factory.mktemp("deploy"),
                             {"FORCEGEN_RUN_TIME_LIMIT": "8"}) as running:
            yield running
    except RuntimeError as exc:
        pytest.fail(str(exc))


def _wait_done(page: Any, seconds: float = 240) -> None:
    """Reload the run page (it refreshes itself while running) until the run is done."""
    deadline = time.monotonic() + seconds
    while (state := page.text_content("[data-testid=run-state]")) != "done":
        assert state != "failed", page.text_content("main")
        assert time.monotonic() < deadline, "the deployment run did not finish"
        page.wait_for_timeout(1000)
        page.reload()


def _table(page: Any, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))")


def test_deployment_run_gantt_downloads_and_orbat_by_day(page: Any, quick_server: Server,
                                                         tmp_path: Path) -> None:
    url = quick_server.url
    sign_in(page, quick_server, "admin", ADMIN_PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 768})

    # Start a run from the form, with a what-if: one airfield lost.
    page.goto(f"{url}/deployments")
    page.click("[data-testid=deploy-whatif] summary")
    page.check("[data-testid=deploy-whatif] input[name=without][value=rzeszow]")
    page.click("[data-testid=deploy-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/deployments/\d+(\?.*)?$"))
    run = int(page.url.split("?")[0].rsplit("/", 1)[1])
    page.goto(f"{url}/deployments/{run}")  # the page without the one-off notice
    _wait_done(page)
    assert "rzeszow" in page.text_content("[data-testid=deploy-options]")

    # The Gantt draws one bar per unit line of the table (up to the 400 drawn).
    rows = _table(page, "[data-testid=unit-lines]")
    ulns = [r[0] for r in rows]
    assert len(ulns) > 50 and len(set(ulns)) == len(ulns)
    bars = page.eval_on_selector_all("svg.gantt [data-line]",
                                     "els => els.map(e => e.getAttribute('data-line'))")
    assert set(bars) == set(ulns[:400]) and len(bars) == min(400, len(ulns))
    assert all(r[3] != "rzeszow" and r[4] != "rzeszow" for r in rows)  # POE, POD
    closure = int(page.text_content("[data-testid=closure]").split()[1])
    assert closure == max(int(r[9]) for r in rows)  # the latest arrival
    # Drawn at its own scale (one readable row per line), scrolled inside its panel.
    box = page.locator("svg.gantt").bounding_box()
    assert box and box["height"] > 10 * min(400, len(ulns))
    page.locator(".gantt-box").evaluate("e => e.scrollIntoView()")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "deployment-gantt.png"))

    # The downloads: the force list as one plain CSV table (marking on every row) and the
    # workbook, both holding the lines the page lists.
    downloads = "[data-testid=deploy-downloads]"
    with page.expect_download() as got:
        page.click(f"{downloads} a[href$='/download/csv']")
    text = Path(got.value.path()).read_text(encoding="utf-8-sig")
    assert got.value.suggested_filename == f"deployment-{run}-tpfdd.csv"
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["ULN"] for r in table] == ulns
    assert [int(r["planned_arrival_day"]) for r in table] == [int(r[9]) for r in rows]
    assert {r["marking"] for r in table} and all(r["marking"] for r in table)
    with page.expect_download() as got:
        page.click(f"{downloads} a[href$='/download/xlsx']")
    book = openpyxl.load_workbook(io.BytesIO(Path(got.value.path()).read_bytes()))
    in_book = [r[0] for r in book["unit lines"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert sorted(in_book) == sorted(ulns)

    # The ORBAT on day 0: nothing has arrived; half-way, some lines have and some have not;
    # on the closure day everything has, under the relationship transferred on arrival.
    page.goto(f"{url}/orbat?day=0")
    counts = page.text_content("[data-testid=orbat-counts]")
    assert "not yet moved" in counts or "in transit" in counts
    assert "operational control" not in counts and "tactical control" not in counts
    arrived = {day: sum(int(r[9]) <= day for r in rows) for day in (closure // 2, closure)}
    for day in (closure // 2, closure):
        page.fill("[data-testid=orbat-day-input]", str(day))
        page.press("[data-testid=orbat-day-input]", "Enter")
        page.wait_for_url(re.compile(rf".*/orbat\?day={day}$"))
        counts = page.text_content("[data-testid=orbat-counts]")
        in_theatre = sum(int(n) for n in re.findall(
            r"(\d+) (?:under operational control|under tactical control|in theatre)", counts))
        assert in_theatre == arrived[day], (day, counts)
        if day == closure // 2:
            assert 0 < in_theatre < len(rows)
            page.screenshot(path=str(SHOTS / "orbat-by-day.png"))
    assert "not yet moved" not in counts and "in transit" not in counts
