"""The nav bar's menus as each role gets them: every link the role had before the grouping,
in its group, nothing more; the current page marked in its group (``tests/browser/test_nav``
drives the menus in a browser)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from .conftest import Web

COMMON = {
    "Force": ["/requirements", "/pledges", "/nations"],
    "Plans": ["/runs", "/deployments", "/orbat", "/map"],
    "Share": ["/relief", "/intel"],
}
EXPECTED = {
    "admin": {**COMMON, "Force": [*COMMON["Force"], "/import"],
              "Admin": ["/audit", "/admin/users"]},
    "lead": {**COMMON, "Force": [*COMMON["Force"], "/import"], "Admin": ["/audit"]},
    "liaison_fra": {**COMMON, "Force": [*COMMON["Force"], "/import/pledges"]},
    "observer_fra": COMMON,
}


class _Nav(HTMLParser):
    """The nav bar's top links, and each menu's name and links, with what is marked current."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside <nav> while > 0
        self.menu: str | None = None
        self.in_summary = False
        self.top: list[str] = []
        self.menus: dict[str, list[str]] = {}
        self.marked_menus: list[str] = []
        self.current: list[str] = []
        self._summary_active = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "nav":
            self.depth += 1
        elif self.depth and tag == "details":
            self.menu = ""
        elif self.depth and tag == "summary":
            self.in_summary, self._summary_active = True, a.get("class") == "active"
        elif self.depth and tag == "a":
            href = a.get("href") or ""
            (self.menus[self.menu] if self.menu else self.top).append(href)
            if a.get("aria-current") == "page":
                self.current.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self.depth -= 1
        elif tag == "details":
            self.menu = None
        elif tag == "summary":
            self.in_summary = False

    def handle_data(self, data: str) -> None:
        if self.in_summary and data.strip():
            self.menu = data.strip()
            self.menus[self.menu] = []
            if self._summary_active:
                self.marked_menus.append(self.menu)


def _nav(html: str) -> _Nav:
    parser = _Nav()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_gets_its_links_grouped(web: Web, who: str) -> None:
    nav = _nav(web.signed_in(who).get("/").text)
    assert nav.top == ["/"]
    assert nav.menus == EXPECTED[who]
    assert nav.current == ["/"] and nav.marked_menus == []


@pytest.mark.parametrize(("path", "link", "menu"), [
    ("/pledges?status=approved", "/pledges", "Force"),
    ("/import", "/import", "Force"),
    ("/runs", "/runs", "Plans"),
    ("/intel", "/intel", "Share"),
    ("/admin/users/new", "/admin/users", "Admin"),
    ("/audit", "/audit", "Admin"),
])
def test_the_current_page_is_marked_in_its_menu(web: Web, path: str, link: str,
                                                 menu: str) -> None:
    page = web.signed_in("admin").get(path)
    assert page.status_code == 200, path
    nav = _nav(page.text)
    assert nav.current == [link] and nav.marked_menus == [menu]
