"""Keyboard-only forms in headless Chromium: Alt+S saves the form the cursor is in (the access
key ``s`` of its save button, docs/workspace.md "Keyboard"), on a requirement, a nation and the
audit trail's filters reached with Alt+K; the nations and audit pages in the browser."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import ADMIN_PASSWORD, Server
from .test_workflow import has_focus, open_nav, sign_in

pytestmark = pytest.mark.browser


def test_alt_s_saves_a_requirement_without_the_mouse(page: Any, server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    page.goto(f"{server.url}/requirements/R-002")
    before = page.input_value("#f-quantity")
    new = str(int(before) + 1)
    page.fill("#f-quantity", new)
    page.keyboard.press("Alt+s")  # the save button's access key
    page.wait_for_selector("p.notice")
    assert "R-002 saved." in page.text_content("p.notice")
    assert page.input_value("#f-quantity") == new  # stored: the page shows it reloaded
    page.reload()
    assert page.input_value("#f-quantity") == new


def test_nation_page_edit_with_the_keyboard(page: Any, server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    open_nav(page, "/nations")
    page.wait_for_selector("[data-testid=nations]")
    assert has_focus(page, "[name=q]")  # the search box has the cursor
    page.keyboard.type("est")  # Estonia, by name
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/nations\?q=est(&.*)?$"))
    assert page.eval_on_selector_all("tr[data-nation]", "r => r.map(x => x.dataset.nation)") \
        == ["EST"]
    page.click("tr[data-nation=EST] a")
    page.wait_for_selector("[data-testid=nation-form]")
    assert has_focus(page, "#f-name")
    page.fill("#f-ceiling_personnel", "1234")
    page.keyboard.press("Alt+s")
    page.wait_for_selector("p.notice")
    assert "EST saved." in page.text_content("p.notice")
    assert page.input_value("#f-ceiling_personnel") == "1234"


def test_audit_trail_find_open_and_verify(page: Any, server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    page.goto(f"{server.url}/nations/LTU")
    page.fill("#f-ceiling_personnel", "777")
    page.keyboard.press("Alt+s")
    page.wait_for_selector("p.notice")
    open_nav(page, "/audit")
    page.wait_for_selector("[data-testid=audit]")
    page.select_option("form.filters select[name=entity]", "nation")  # applies at once
    page.wait_for_url(re.compile(r".*/audit\?.*entity=nation.*"))
    page.fill("input[name=entity_id]", "LTU")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*entity_id=LTU.*"))
    rows = page.locator("tr[data-seq]")
    assert rows.count() == 1
    rows.first.locator("a").click()
    page.wait_for_selector("[data-testid=changes]")
    assert "777" in page.text_content("[data-testid=changes]")
    page.click("[data-testid=chain] a[href='/audit/verify']")
    page.wait_for_selector("[data-testid=verify-result]")
    assert page.get_attribute("[data-testid=verify-result] p", "data-ok") == "yes"
    assert re.fullmatch(r"[0-9a-f]{64}", page.text_content("[data-testid=head-root]") or "")
