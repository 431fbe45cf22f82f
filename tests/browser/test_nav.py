"""The nav bar's grouped menus in headless Chromium: every section still reachable, by mouse
and by keyboard alone, one menu open at a time, and a bar that fits a narrow screen."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import ADMIN_PASSWORD, Server
from .test_workflow import has_focus, sign_in

pytestmark = pytest.mark.browser

#: Every section an admin (a planner too) had a link to before the links were grouped.
ADMIN_LINKS = {"/", "/requirements", "/pledges", "/nations", "/runs", "/deployments", "/orbat",
               "/map", "/relief", "/intel", "/import", "/audit", "/admin/users"}


def _open(page: Any) -> list[str]:
    return page.eval_on_selector_all("nav details.menu", "ds => ds.filter(d => d.open)"
                                     ".map(d => d.querySelector('summary').textContent.trim())")


def test_every_link_is_in_a_menu_and_shown_only_when_it_opens(page: Any, server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    hrefs = page.eval_on_selector_all("nav a[href]", "as => as.map(a => a.getAttribute('href'))")
    assert sorted(hrefs) == sorted(ADMIN_LINKS)  # each once, none lost
    assert page.is_visible("nav > a[href='/']")  # the dashboard stays on the bar
    for href in sorted(ADMIN_LINKS - {"/"}):
        page.keyboard.press("Escape")  # close the menu opened before
        link = f"nav a[href='{href}']"
        assert not page.is_visible(link), href  # folded away until its menu opens
        page.click(f"nav details:has(a[href='{href}']) > summary")
        assert page.is_visible(link), href
        assert len(_open(page)) == 1  # opening a menu closes the one open before
    page.click("main")  # a click elsewhere closes it
    assert _open(page) == []


def test_keyboard_alone_opens_a_menu_follows_a_link_and_escapes(page: Any,
                                                                server: Server) -> None:
    sign_in(page, server, "admin", ADMIN_PASSWORD)
    page.focus("nav > a[href='/']")
    page.keyboard.press("Tab")
    assert has_focus(page, "nav details.menu:nth-of-type(1) > summary")
    assert page.text_content("nav details.menu:nth-of-type(1) > summary") == "Force"
    page.keyboard.press("Enter")
    assert _open(page) == ["Force"]
    page.keyboard.press("Tab")
    assert has_focus(page, "nav a[href='/requirements']")
    page.keyboard.press("Escape")  # closes the menu, the cursor back on its name
    assert _open(page) == []
    assert has_focus(page, "nav details.menu:nth-of-type(1) > summary")
    page.keyboard.press("Tab")  # a closed menu's links are skipped: on to the next menu
    assert page.evaluate("document.activeElement.textContent.trim()") == "Plans"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert has_focus(page, "nav a[href='/runs']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/runs$"))
    # The page says where it is: its link is current, its menu's name is marked.
    assert page.get_attribute("nav a[href='/runs']", "aria-current") == "page"
    assert page.get_attribute("nav details:has(a[href='/runs']) > summary", "class") == "active"
    assert page.get_attribute("nav > a[href='/']", "aria-current") is None


@pytest.mark.parametrize("width", [1400, 1024, 400])
def test_the_bar_does_not_overflow(browser: Any, server: Server, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        sign_in(page, server, "admin", ADMIN_PASSWORD)
        rect = "es => es.map(e => [e.getBoundingClientRect().top, e.getBoundingClientRect().right])"
        entries = page.eval_on_selector_all("nav > a, nav > details > summary", rect)
        tops = [top for top, _ in entries]
        assert len(tops) == 5 and max(tops) - min(tops) < 2  # the nav bar: one row of five
        parts = page.eval_on_selector_all("header.top > *", rect)
        assert max(right for _, right in parts + entries) <= width  # nothing off the side
        assert page.eval_on_selector("header.top", "h => h.scrollWidth") <= width
        header = page.eval_on_selector("header.top", "h => h.getBoundingClientRect().height")
        assert header <= (52 if width >= 1024 else 80)  # two rows on a phone, never three
        # An open menu is drawn over the page, inside the window.
        page.click("nav details:has(a[href='/admin/users']) > summary")
        box = page.locator("nav a[href='/admin/users']").bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
    finally:
        context.close()
