"""Screenshots of the pledge merge, what-if, compare and map pages at 1366x768 for the docs.

Starts ``forcegen serve`` with the bundled example on a temporary SQLite database and a free
port, drives Debian's Chromium through Playwright (no browser download), and writes PNGs
reduced to 256 colours (Pillow) into ``docs/screenshots/``:

    python scripts/screenshot_planning_pages.py [--out docs/screenshots] [--chromium PATH]

Nothing leaves the machine: the server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "reassurance-force"
PASSWORD = "screenshot-password"
VIEWPORT = {"width": 1366, "height": 768}


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """``forcegen serve`` of this checkout on a free local port; its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
           "FORCEGEN_DATABASE_URL": f"sqlite:///{folder / 'workspace.sqlite'}",
           "FORCEGEN_LOG_LEVEL": "warning"}
    log = (folder / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "forcegen", "serve", "--port", str(port),
         "--admin-password", PASSWORD],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v1/health", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("forcegen serve did not start; see " + str(log.name)) from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def save(page: Any, out: Path, name: str) -> None:
    """A viewport screenshot as a 256-colour PNG."""
    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot(full_page=False)))
    small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    path = out / f"{name}.png"
    small.save(path, optimize=True)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


def edited_pledges(folder: Path) -> Path:
    """The example's pledges.csv with one change and one new pledge."""
    lines = (EXAMPLE / "pledges.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[0] == "P-DEU-03":
            cells[header.index("personnel")] = "640"
            cells[header.index("notice_days")] = "15"
        out.append(",".join(cells))
    new = dict.fromkeys(header, "")
    new.update({"id": "P-DEU-40", "nation": "DEU", "capability": "ENG-BN", "quantity": "1",
                "personnel": "520", "notice_days": "30", "status": "offered", "cost": "21000000",
                "home": "9.99;53.55"})
    out.append(",".join(new[h] for h in header))
    path = folder / "pledges.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def run(page: Any, url: str, withdraw: str | None = None) -> int:
    """Start a sourcing run from the form (optionally a what-if) and wait for its plan."""
    page.goto(f"{url}/runs")
    if withdraw:
        page.click("[data-testid=whatif] summary")
        page.check(f"#w-{withdraw}")
    page.click("[data-testid=run-form] button[type=submit]")
    page.wait_for_selector("[data-testid=run-state]:text('done')", timeout=120000)
    m = re.search(r"/runs/(\d+)", page.url)
    assert m
    return int(m.group(1))


def main() -> None:
    """Take every screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default=os.environ.get("FORCEGEN_CHROMIUM",
                                                             "/usr/bin/chromium"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, served(Path(tmp)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.set_default_timeout(30000)
        page.goto(f"{url}/login")
        page.fill("#f-username", "admin")
        page.fill("#f-password", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(re.compile(r".*/$"))

        page.goto(f"{url}/import/pledges")
        page.set_input_files("[data-testid=merge-form] input[type=file]",
                             str(edited_pledges(Path(tmp))))
        page.click("[data-testid=merge-form] button[type=submit]")
        page.wait_for_selector("[data-testid=merge-preview]")
        page.locator("[data-testid=merge-preview]").scroll_into_view_if_needed()
        save(page, args.out, "pledge-merge-preview")

        base = run(page, url)
        page.goto(f"{url}/runs")
        page.click("[data-testid=whatif] summary")
        page.check("#w-GBR")
        page.fill("[name=ceiling_POL]", "2500")
        page.evaluate("""() => { const f = document.querySelector('[data-testid=run-form]');
            window.scrollTo(0, f.getBoundingClientRect().top + window.scrollY - 90); }""")
        save(page, args.out, "run-what-ifs")
        what = run(page, url, withdraw="GBR")

        page.goto(f"{url}/compare?a={base}&b={what}")
        save(page, args.out, "compare-runs")
        page.goto(f"{url}/map?run={what}")
        save(page, args.out, "map-roads")
        page.goto(f"{url}/")
        page.locator("svg.chart").first.scroll_into_view_if_needed()
        save(page, args.out, "dashboard-charts")
        browser.close()


if __name__ == "__main__":
    main()
