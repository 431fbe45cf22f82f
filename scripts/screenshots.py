"""Screenshots of the workspace pages for the documentation (docs/screenshots/, 1366x768 PNG).

Starts ``forcegen serve`` with the bundled example exactly as the browser tests do
(``tests/browser/conftest.py``: ``serve_workspace``, Debian's Chromium through Playwright),
signs in, makes a sourcing run and a few accounts, and captures each page at 1366x768. The
PNGs are reduced to a 128-colour palette (Pillow) so that each stays small.

Run from the repository root::

    python scripts/screenshots.py            # all pages
    python scripts/screenshots.py --only pledges-search
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}


def _save(page: Any, name: str) -> Path:
    """The viewport as ``docs/screenshots/<name>.png``, palette-reduced."""
    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot(full_page=False))).convert("RGB")
    small = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    path = OUT / f"{name}.png"
    small.save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KiB")
    return path


def _sign_in(page: Any, url: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()


def _prepare(page: Any, url: str, admin_password: str) -> int:
    """A finished sourcing run and a few accounts; returns the run's number."""
    _sign_in(page, url, "admin", admin_password)
    token = page.input_value("form[action='/logout'] input[name=csrf_token]")
    api = page.context.request
    for name, full, role, nation, level in (
        ("fra-lno", "Cdt. Martin (FRA liaison)", "liaison", "FRA", "SECRET"),
        ("deu-lno", "Oberstlt. Weber (DEU liaison)", "liaison", "DEU", "CONFIDENTIAL"),
        ("pol-obs", "Maj. Nowak (POL observer)", "observer", "POL", "RESTRICTED"),
        ("j5-plans", "J5 plans cell", "lead_planner", None, "SECRET"),
    ):
        api.post(f"{url}/api/v1/users", headers={"X-CSRF-Token": token}, data={
            "username": name, "full_name": full, "password": "screenshot pass 1", "role": role,
            "nation": nation, "clearance": level})
    page.goto(f"{url}/runs")
    page.check("input[name=include][value=provisional]")
    page.click("[data-testid=run-form] button[type=submit]")
    page.wait_for_selector("[data-testid=run-state]:text('done')", timeout=120000)
    return int(page.url.split("?")[0].rsplit("/", 1)[1])


def _shots(url: str, run: int) -> dict[str, Callable[[Any], None]]:
    def pledges_search(page: Any) -> None:
        page.goto(f"{url}/pledges?q=infantry&status=provisional")
        for box in page.locator("td.tick input").all()[:2]:
            box.check()
        page.select_option("[data-testid=bulk-status]", "approved")

    def pledges_bulk_report(page: Any) -> None:
        page.goto(f"{url}/pledges?q=P-FRA")
        page.check("tr[data-pledge='P-FRA-05'] input[type=checkbox]")  # approved already
        page.check("tr[data-pledge='P-FRA-16'] input[type=checkbox]")
        page.select_option("[data-testid=bulk-status]", "approved")
        page.click("[data-testid=bulk-apply]")
        page.wait_for_selector("[data-testid=bulk-report]")

    def generated_password(page: Any) -> None:
        page.goto(f"{url}/admin/users/new")
        page.fill("#f-username", "ita-lno")
        page.fill("#f-full_name", "Ten. Col. Rossi (ITA liaison)")
        page.select_option("#f-role", "liaison")
        page.select_option("#f-nation", "ITA")
        page.select_option("#f-clearance", "CONFIDENTIAL")
        page.click("[data-testid=user-form] button[type=submit]")
        page.wait_for_selector("[data-testid=generated-password]")

    def user_edit(page: Any) -> None:
        page.goto(f"{url}/admin/users?q=fra-lno")
        page.click("tr[data-user='fra-lno'] a")
        page.wait_for_selector("[data-testid=user-form]")

    def nation_edit(page: Any) -> None:
        page.goto(f"{url}/nations/FRA")
        page.fill("#f-ceiling_personnel", "4500")
        page.keyboard.press("Alt+s")  # saved with the keyboard: the notice shows
        page.wait_for_selector("p.notice")

    def audit_entry(page: Any) -> None:
        page.goto(f"{url}/audit?entity=nation&entity_id=FRA")
        page.locator("tr[data-seq] a").first.click()
        page.wait_for_selector("[data-testid=changes]")

    def user_conflict(page: Any) -> None:
        page.goto(f"{url}/admin/users?q=deu-lno")
        page.click("tr[data-user='deu-lno'] a")
        page.wait_for_selector("[data-testid=user-form]")
        # Another admin changes the account while this form is open.
        token = page.input_value("form[action='/logout'] input[name=csrf_token]")
        uid = page.url.split("?")[0].rsplit("/", 1)[1]
        version = int(page.input_value("[data-testid=user-form] input[name=version]"))
        page.context.request.patch(f"{url}/api/v1/users/{uid}", headers={
            "X-CSRF-Token": token}, data={"clearance": "RESTRICTED", "version": version})
        page.select_option("#f-clearance", "SECRET")
        page.click("[data-testid=user-form] button[type=submit]")
        page.wait_for_selector("[data-testid=conflict]")

    def nations_liaison(page: Any) -> None:
        _sign_in(page, url, "fra-lno", "screenshot pass 1")
        page.goto(f"{url}/nations")

    return {
        "nations": lambda p: p.goto(f"{url}/nations"),
        "nation-edit": nation_edit,
        "audit-trail": lambda p: p.goto(f"{url}/audit"),
        "audit-entry": audit_entry,
        "audit-verify": lambda p: p.goto(f"{url}/audit/verify"),
        "admin-user-conflict": user_conflict,
        "pledges-search": pledges_search,
        "pledges-bulk-report": pledges_bulk_report,
        "requirements-search": lambda p: p.goto(f"{url}/requirements?q=medical&priority=1"),
        "runs-search": lambda p: p.goto(f"{url}/runs?state=done"),
        "run-downloads": lambda p: p.goto(f"{url}/runs/{run}"),
        "dashboard-downloads": lambda p: (p.goto(f"{url}/"), p.locator(
            "[data-testid=scenario-downloads]").scroll_into_view_if_needed()),
        "admin-users": lambda p: p.goto(f"{url}/admin/users"),
        "admin-user-new": lambda p: p.goto(f"{url}/admin/users/new"),
        "admin-user-edit": user_edit,
        "admin-generated-password": generated_password,
        # last: signs in as the French liaison officer (must change the password first)
        "nations-liaison": nations_liaison,
    }


def main(argv: list[str] | None = None) -> int:
    """Capture the screenshots; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="capture only this page (repeatable)")
    args = parser.parse_args(argv)
    # The server runs this checkout's code, from any working directory.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    sys.path.insert(0, str(ROOT / "tests"))
    from playwright.sync_api import sync_playwright

    from browser.conftest import (  # the browser tests' own server and browser settings
        ADMIN_PASSWORD,
        CHROMIUM,
        CHROMIUM_ARGS,
        serve_workspace,
    )
    from forcegen.labels.keys import SigningKey

    OUT.mkdir(parents=True, exist_ok=True)
    tmp_dir = tempfile.TemporaryDirectory(prefix="forcegen-shots-")
    # An audit signing key, so the audit page shows a signed tree head.
    key_file = Path(tmp_dir.name) / "audit-key.json"
    key_file.write_text(json.dumps(SigningKey.generate("GBR").to_json()), encoding="utf-8")
    with tmp_dir as tmp, sync_playwright() as pw, serve_workspace(
            Path(tmp), {"FORCEGEN_AUDIT_SIGNING_KEY": str(key_file)}) as server:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        context.set_default_timeout(30000)
        page = context.new_page()
        run = _prepare(page, server.url, ADMIN_PASSWORD)
        for name, show in _shots(server.url, run).items():
            if args.only and name not in args.only:
                continue
            show(page)
            page.wait_for_load_state()
            _save(page, name)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
