"""Table pages: text search and filters on the server (no script needed), shown and clearable,
kept by sorting and paging; a table's CSV holds exactly what the page would list; pledges
without a name show one made of their nation and capability; readable headers."""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import parse_qs, urlsplit

from forcegen.scenario import builtin_catalog, load_scenario

from .conftest import EXAMPLE, Web

ROW = re.compile(r'data-pledge="([^"]+)"')
REQ = re.compile(r'data-requirement="([^"]+)"')


def _example_pledges() -> list[tuple[str, str, str, str]]:
    """(id, nation, capability, status) of every pledge of the bundled example."""
    return [(p.id, p.nation, p.capability, p.status) for p in load_scenario(EXAMPLE).data.pledges]


def _all_rows(c: object, url: str, pattern: re.Pattern[str] = ROW) -> list[str]:
    """Every row listed, following the "Next" links (which must keep the filters)."""
    out: list[str] = []
    seen = set()
    while url and url not in seen:
        seen.add(url)
        page = c.get(url).text  # type: ignore[attr-defined]
        out += pattern.findall(page)
        m = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = html.unescape(m.group(1)) if m else ""
    return out


def test_search_finds_capability_names_and_paging_keeps_it(web: Web) -> None:
    cat = builtin_catalog()
    want = sorted(p for p, _n, cap, _s in _example_pledges()
                  if "infantry" in (cat[cap].name if cap in cat else "").lower())
    assert len(want) > 0
    c = web.signed_in("lead")
    assert sorted(_all_rows(c, "/pledges?q=Infantry")) == want
    page = c.get("/pledges?q=infantry&sort=-quantity").text
    assert 'value="infantry"' in page  # the box shows what was searched
    # Every sort and page link keeps the search.
    links = re.findall(r'<a href="([^"]+)" (?:class="sort|rel="(?:next|prev)")', page)
    assert len(links) >= 6
    for link in map(html.unescape, links):
        assert parse_qs(urlsplit(link).query).get("q") == ["infantry"], link


def test_filters_combine_and_each_is_clearable(web: Web) -> None:
    c = web.signed_in("lead")
    want = sorted(p for p, n, _c, s in _example_pledges() if n == "FRA" and s == "provisional")
    page = c.get("/pledges?nation=FRA&status=provisional&q=p-fra").text
    assert sorted(ROW.findall(page)) == want
    chips = re.findall(r'<a class="chip" href="([^"]+)"[^>]*data-filter="([^"]+)"', page)
    assert {label for _, label in chips} == {"Text", "Nation", "Status"}
    for href, label in chips:
        query = parse_qs(urlsplit(html.unescape(href)).query)
        kept = {"Text": "q", "Nation": "nation", "Status": "status"}
        assert kept[label] not in query  # this filter cleared ...
        assert len(query) == 2  # ... the two others kept
    assert 'data-testid="clear-filters"' in page and 'href="/pledges"' in page
    # An unknown status filters nothing rather than failing the page.
    assert c.get("/pledges?status=bogus").status_code == 200
    nothing = c.get("/pledges?q=zzz-no-such-thing").text
    assert ROW.findall(nothing) == [] and "No pledges match." in nothing


def test_requirements_search_filters_and_csv(web: Web) -> None:
    scenario = load_scenario(EXAMPLE)
    sectors = {s.id: s.name or s.id for s in scenario.data.sectors}
    sector = sorted(sectors)[0]
    want = sorted(r.id for r in scenario.data.requirements
                  if r.sector == sector and r.priority == 1)
    c = web.signed_in("observer_fra")
    url = f"/requirements?sector={sector}&priority=1"
    assert sorted(_all_rows(c, url, REQ)) == want
    page = c.get(url).text
    assert f"Sector: <b>{html.escape(sectors[sector])}</b>" in page
    r = c.get(f"/requirements.csv?sector={sector}&priority=1")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert sorted(x["Line"] for x in rows) == want
    assert {x["Marking"] for x in rows} == {"NATO UNCLASSIFIED"}
    assert {x["Sector name"] for x in rows} == {sectors[sector]}


def test_pledge_csv_is_all_pages_of_the_filtered_table(web: Web) -> None:
    c = web.signed_in("lead")
    r = c.get("/pledges.csv?status=approved")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    want = sorted(p for p, _n, _c, s in _example_pledges() if s == "approved")
    assert len(want) > 50  # more than one page of the table
    assert sorted(x["Pledge"] for x in rows) == want
    assert all(x["Name"] for x in rows)  # derived names where the data has none
    # A liaison's CSV: its own nation only, even when asking for another.
    f = web.signed_in("liaison_fra")
    mine = list(csv.DictReader(io.StringIO(f.get("/pledges.csv").content.decode("utf-8-sig"))))
    assert mine and {x["Nation"] for x in mine} == {"FRA"}
    other = f.get("/pledges.csv?nation=GBR").content.decode("utf-8-sig")
    assert other.count("\n") == 1  # the header only


def test_csv_cells_never_run_as_formulas(web: Web) -> None:
    from forcegen.workspace.database import session_scope
    from forcegen.workspace.models import Pledge

    with session_scope(web.factory) as db:
        row = db.get(Pledge, "P-FRA-05")
        assert row is not None
        row.name = '=HYPERLINK("http://evil.example","x")'
    text = web.signed_in("lead").get("/pledges.csv?q=P-FRA-05").content.decode("utf-8-sig")
    (row_,) = list(csv.DictReader(io.StringIO(text)))
    assert row_["Name"].startswith("'=")


def test_pledges_without_names_show_nation_and_capability(web: Web) -> None:
    cat = builtin_catalog()
    page = web.signed_in("lead").get("/pledges?q=P-FRA-05").text
    row = page[page.index('data-pledge="P-FRA-05"'):]
    row = row[: row.index("</tr>")]
    assert '<span class="derived"' in row and f"France · {cat['INF-MECH-BN'].name}" in row
    # Readable headers: no single-letter or code-like column names.
    heads = [re.sub(r"<[^>]+>", "", h).strip(" ▲▼") for h in
             re.findall(r"<th[^>]*>(.*?)</th>", page[page.index('data-testid="pledges"'):])]
    assert "Notice to move (days)" in heads and "Personnel per unit" in heads
    assert all(len(h) > 2 or h == "" for h in heads if "Tick" not in h), heads


def test_runs_table_searches_and_filters_by_state(web: Web) -> None:
    from .conftest import csrf_of

    c = web.signed_in("lead")
    token = csrf_of(c, "/runs")
    assert c.post("/runs", data={"csrf_token": token}).status_code == 303
    page = c.get("/runs?q=lead").text
    assert 'data-testid="runs"' in page and "Run 1</a>" in page
    assert "Run 1</a>" not in c.get("/runs?q=nobody-started-this").text
    assert "Run 1</a>" not in c.get("/runs?state=failed").text
    assert c.get("/runs?state=nonsense").status_code == 200
