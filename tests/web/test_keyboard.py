"""Keyboard-friendly pages: every field has a label a screen reader announces, each page puts
the cursor in one first field, save and search have access keys, focus is visible."""

from __future__ import annotations

from html.parser import HTMLParser

from forcegen.web.app import STATIC_DIR

from .conftest import Web

PAGES = ("/pledges", "/pledges/new", "/pledges/P-FRA-05", "/requirements", "/requirements/new",
         "/requirements/R-002", "/runs", "/admin/users", "/admin/users/new", "/admin/users/3",
         "/account/password", "/nations", "/nations/FRA", "/audit")


class _Fields(HTMLParser):
    """Inputs and selects, whether each is labelled, and the autofocus / accesskey attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.label_for: set[str] = set()
        self.in_label = 0
        #: (description, id, labelled by a wrapping <label> or aria-label)
        self.fields: list[tuple[str, str, bool]] = []
        self.autofocus = 0
        self.accesskeys: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "autofocus" in a:
            self.autofocus += 1
        if a.get("accesskey"):
            self.accesskeys.append(str(a["accesskey"]))
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.label_for.add(str(a["for"]))
        elif tag in ("input", "select", "textarea") and a.get("type") not in (
                "hidden", "submit", "button"):
            self.fields.append((f"{tag} name={a.get('name')}", str(a.get("id") or ""),
                                bool(self.in_label or a.get("aria-label"))))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.in_label -= 1

    def unlabelled(self) -> list[str]:
        return [d for d, i, direct in self.fields if not direct and i not in self.label_for]


def test_every_field_is_labelled_and_one_has_the_cursor(web: Web) -> None:
    c = web.signed_in("admin")
    problems = []
    for path in PAGES:
        r = c.get(path)
        assert r.status_code == 200, path
        parser = _Fields()
        parser.feed(r.text)
        for field in parser.unlabelled():
            problems.append(f"{path}: {field} has no label")
        if parser.autofocus != 1:
            problems.append(f"{path}: {parser.autofocus} autofocus fields (want 1)")
        if len(set(parser.accesskeys)) != len(parser.accesskeys):
            problems.append(f"{path}: access keys used twice: {parser.accesskeys}")
    assert not problems, "\n".join(problems)


def test_tables_and_forms_have_access_keys() -> None:
    templates = STATIC_DIR.parent / "templates"
    macros = (templates / "macros.html").read_text()
    assert 'accesskey="k"' in macros  # search box of every table
    for name in ("pledge_form.html", "requirement_form.html", "admin_user_form.html",
                 "nation.html"):
        assert 'accesskey="s"' in (templates / name).read_text(), name
    css = (STATIC_DIR / "style.css").read_text()
    assert "button:focus-visible" in css and "a:focus-visible" in css
