"""Sourcing from the browser, the plan as each role sees it, dashboard charts, map, ORBAT,
APP-6 symbols, offline assets and ``forcegen serve``'s example lookup."""

from __future__ import annotations

import re
import time

from forcegen.cli.serve_cmds import example_folder
from forcegen.web.symbols import symbol_svg

from .conftest import EXAMPLE, Web, csrf_of


def _run(web: Web, who: str = "lead") -> tuple[int, str]:
    c = web.signed_in(who)
    r = c.post("/runs", data={"csrf_token": csrf_of(c, "/runs")})
    assert r.status_code == 303, r.text
    run_id = int(r.headers["location"].split("/")[2].split("?")[0])
    for _ in range(300):
        page = c.get(f"/runs/{run_id}").text
        if 'data-testid="run-state">done' in page:
            return run_id, page
        assert "failed" not in re.findall(r'data-testid="run-state">(\w+)', page)
        time.sleep(0.1)
    raise AssertionError("run did not finish")


def test_run_shows_shortfalls_with_reasons(web: Web) -> None:
    _, page = _run(web)
    assert 'data-testid="shortfalls"' in page
    # R-007 (armour, Kyiv) is short in the example: its reasons are listed.
    row = page[page.index('href="/requirements/R-007"'):]
    row = row[: row.index("</tr>")]
    assert "caveat" in row and "not-approved" in row
    assert "P-GBR-04" in page  # planners see every nation's assignments


def test_liaison_sees_own_assignments_only(web: Web) -> None:
    run_id, _ = _run(web)
    c = web.signed_in("liaison_fra")
    page = c.get(f"/runs/{run_id}").text
    table = page[page.index('data-testid="assignments"'):]
    table = table[: table.index("</table>")]
    nations = set(re.findall(r"<td>(P-[A-Z]{3}-\d+)</td><td>([A-Z]{3})</td>", table))
    assert nations and {n for _, n in nations} == {"FRA"}
    assert "P-GBR-" not in page  # reasons naming other nations' pledges are reduced too
    assert c.post("/runs", data={"csrf_token": csrf_of(c)}).status_code == 403


def test_dashboard_charts_are_inline_svg(web: Web) -> None:
    c = web.signed_in("observer_fra")
    assert "No sourcing plan yet" in c.get("/").text
    _run(web)
    page = c.get("/").text
    assert page.count("<svg") >= 3 and "Fill by sector" in page
    assert 'data-testid="shortfalls"' in page
    fill = re.search(r'data-testid="fill">(\d+) / (\d+)<', page)
    assert fill and int(fill[1]) < int(fill[2])
    assert "<?xml" not in page and "http://" not in page.replace("http://www.w3.org", "")


def test_pages_load_nothing_from_outside(web: Web) -> None:
    c = web.signed_in("admin")
    for path in ("/", "/pledges", "/requirements", "/runs", "/map", "/orbat", "/import"):
        page = c.get(path).text
        srcs = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert all(not s.startswith(("http:", "https:", "//")) for s in srcs), path
    assert c.get("/static/style.css").status_code == 200
    assert c.get("/static/app.js").status_code == 200


def test_map_shows_sectors_and_only_visible_bases(web: Web) -> None:
    admin = web.signed_in("admin").get("/map?area=europe").text
    liaison = web.signed_in("liaison_fra").get("/map?area=europe").text
    assert admin.count('class="sector"') == 7 and liaison.count('class="sector"') == 7
    assert 'class="land"' in admin
    bases = re.findall(r'class="base"[^>]*><title>([^<]*)</title>', liaison)
    assert bases and all(t.startswith("FRA") for t in bases)
    assert len(re.findall(r'class="base"', admin)) > len(bases)


def test_orbat_tree_has_symbols_and_assigned_units(web: Web) -> None:
    _run(web)
    page = web.signed_in("liaison_fra").get("/orbat").text
    assert 'data-testid="orbat"' in page and page.count('class="app6"') > 90
    units = re.findall(r"<strong>([A-Z]{3}) P-[A-Z]{3}-\d+</strong>", page)
    assert units and set(units) == {"FRA"}


def test_symbols_follow_the_sidc() -> None:
    infantry = symbol_svg("10031000161211000000")
    assert "M25 50L175 150" in infantry  # the infantry cross
    assert infantry.count('d="M') >= 3  # two echelon bars (battalion) + the cross
    armoured_inf = symbol_svg("10031000161211020000")
    assert 'rx="25"' in armoured_inf and "M25 50L175 150" in armoured_inf
    assert "XXX" in symbol_svg("10031002221804000000")  # corps-level HQ
    assert "M25 150V198" in symbol_svg("10031002181100000000")  # HQ staff
    assert "<circle" in symbol_svg("10033000001202040000")  # sea surface frame
    assert "M25 150C25 40" in symbol_svg("10030100001101040000")  # air frame
    assert "<rect" in symbol_svg("not-a-sidc")  # unknown: a plain friendly frame


def test_serve_finds_the_bundled_example() -> None:
    folder = example_folder()
    assert folder is not None and folder.resolve() == EXAMPLE.resolve()


def test_running_run_page_shows_the_stage_and_its_fraction(web: Web) -> None:
    from forcegen.workspace.database import session_scope
    from forcegen.workspace.runs.models import SourcingRun

    with session_scope(web.factory) as db:
        run = SourcingRun(state="running", stage="RELAX", progress=0.15, include=["approved"],
                          message="LP relaxation: 457 pairs", started_by="lead")
        db.add(run)
        db.flush()
        run_id = run.id
    page = web.signed_in("lead").get(f"/runs/{run_id}").text
    line = page[page.index('data-testid="run-stage"'):]
    line = line[: line.index("</p>")]
    assert 'data-stage="RELAX"' in line and "LP relaxation: 457 pairs" in line and "15%" in line
    assert 'width="15.0"' in page  # the meter is the same fraction


#: A command-line flag in page text ("--include provisional"): web users have no command line.
_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def _flags_in(page: str) -> list[str]:
    """CLI flags a reader could see: page text and attributes, not styles, scripts, comments."""
    shown = re.sub(r"<(style|script)\b.*?</\1>|<!--.*?-->", "", page, flags=re.S)
    return _FLAG.findall(shown)


def test_run_page_speaks_a_planners_words_not_cli_flags(web: Web) -> None:
    _, page = _run(web)
    assert _flags_in(page) == []
    # The example's R-084 fills once provisional pledges count: said by the option's name.
    assert "include provisional pledges" in page
    # The example's plan is proven optimal: said in words; the raw status stays in details.
    quality = re.search(r'data-testid="plan-quality">([^<]+)<', page)
    assert quality is not None and quality.group(1) == "Proven best"
    summary = page[: page.index('data-testid="run-details"')]
    assert "optimal" not in summary and "gap" not in summary.lower()
    listing = web.signed_in("lead").get("/runs").text
    assert "proven best: " in listing and _flags_in(listing) == []


def test_pledges_page_has_readable_headers_and_no_cli_flags(web: Web) -> None:
    page = web.signed_in("lead").get("/pledges").text
    assert _flags_in(page) == []
    assert "Notice to move (days)" in page and ">Version</th>" in page
    assert not re.search(r"<th[^>]*>v</th>", page)
