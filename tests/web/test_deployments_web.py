"""The deployment pages: a planner starts a run from the form; every reader sees the Gantt, the
closure curve, lift use and the downloads of the plan they may see."""

from __future__ import annotations

import re
import time

from tests.workspace.deploy_sample import LINES, add_deployment_run, deployment_doc

from .conftest import EXAMPLE, Web, csrf_of


def test_planner_page_shows_every_line_and_why_closure(web: Web) -> None:
    run = add_deployment_run(web.factory, deployment_doc())
    page = web.signed_in("lead").get(f"/deployments/{run}").text
    gantt = re.search(r'<svg class="chart gantt".*?</svg>', page, re.S)
    assert gantt is not None
    assert set(re.findall(r'data-line="([^"]+)"', gantt.group(0))) == set(LINES)
    # the late line is edged red, and a tick marks required days
    assert re.search(r'stroke="#dc2626"[^>]*data-line="ULN-DEU-1"', gantt.group(0))
    assert 'data-testid="closure-curve"' in page and 'data-testid="lift-use"' in page
    assert "(bottleneck)" in page
    assert 'data-testid="critical-chain"' in page and "day 10" in page
    links = re.findall(rf'href="(/deployments/{run}/download/\w+)" download', page)
    assert links == [f"/deployments/{run}/download/{f}" for f in ("xlsx", "csv", "json")]
    assert "<script" not in gantt.group(0) and "http://" not in page.replace(
        "http://www.w3.org/2000/svg", ""
    )  # offline: no remote resource


def test_liaison_page_and_files_hold_only_its_nation(web: Web) -> None:
    run = add_deployment_run(web.factory, deployment_doc())
    c = web.signed_in("liaison_fra")
    page = c.get(f"/deployments/{run}").text
    drawn = set(re.findall(r'data-line="([^"]+)"', page))
    assert drawn == {k for k, n in LINES.items() if n == "FRA"}
    others = [k for k, n in LINES.items() if n != "FRA"]
    assert not any(k in page for k in others)
    assert 'data-testid="scope-note"' in page and "day 10" in page  # the totals
    for fmt in ("csv", "json", "xlsx"):
        r = c.get(f"/deployments/{run}/download/{fmt}")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        if fmt != "xlsx":
            assert not any(k in r.text for k in others), fmt


def test_form_starts_a_run_over_the_imported_deployment(web: Web) -> None:
    from forcegen.scenario import load_scenario
    from forcegen.workspace.bootstrap import with_deployment_file
    from forcegen.workspace.database import session_scope
    from forcegen.workspace.models import User
    from forcegen.workspace.scenarios.service import import_scenario

    with session_scope(web.factory) as db:
        admin = db.query(User).filter_by(username="admin").one()
        files = {n: (EXAMPLE / n).read_text() for n in ("network.csv", "nodes.csv")}
        import_scenario(db, admin, with_deployment_file(load_scenario(EXAMPLE), EXAMPLE), files)
    # A short solver limit: the plan is checked, not its proof.
    web.app.state.settings = web.app.state.settings.model_copy(update={"run_time_limit": 8.0})
    lead = web.signed_in("lead")
    form = lead.get("/deployments").text
    assert 'name="without" value="rzeszow"' in form and 'name="lift_C17-GBR"' in form
    bad = lead.post(
        "/deployments", data={"csrf_token": csrf_of(lead, "/deployments"), "lift_C17-GBR": "many"}
    )
    assert bad.status_code == 422 and "not a whole number" in bad.text
    r = lead.post(
        "/deployments", data={"csrf_token": csrf_of(lead, "/deployments"), "without": "rzeszow"}
    )
    assert r.status_code == 303
    url = r.headers["location"].split("?")[0]
    deadline = time.monotonic() + 240
    while 'data-testid="run-state">done' not in (page := lead.get(url).text):
        assert 'data-testid="run-state">failed' not in page, page[-2000:]
        assert time.monotonic() < deadline, "the deployment run did not finish"
        time.sleep(0.5)
    assert "lost: rzeszow" in page
    lines = re.findall(r"<tr><td>(ULN-\d+)</td>", page)
    assert len(lines) > 50
    assert "rzeszow" not in re.sub(r"<[^>]+>", " ", page.split('data-testid="unit-lines"')[1])


def _deployment_of_the_plan(web: Web, run_id: int) -> None:
    """A finished deployment run moving each unit of sourcing run ``run_id`` (day i+1 to i+3)."""
    from forcegen.workspace.database import session_scope
    from forcegen.workspace.models import Requirement, SourcingRun

    with session_scope(web.factory) as db:
        plan = db.get(SourcingRun, run_id).result
        sector = {r.id: r.sector for r in db.query(Requirement)}
    rows = [{"id": f"ULN-{i:04d}", "unit": a["pledge"], "nation": a["nation"],
             "sector": sector[a["requirement"]], "start": i + 1, "arrive": i + 3}
            for i, a in enumerate(plan["assignments"])]
    doc = {"status": "optimal", "closure": len(rows) + 2, "closure_date": None,
           "movements": rows, "command": [{"nation": "DEU", "relationship": "TACON"}],
           "use": {"resources": [], "capacity": [], "days": []}, "totals": {}}
    add_deployment_run(web.factory, doc)


def test_orbat_shows_the_chain_of_command_on_a_day(web: Web) -> None:
    from tests.web.test_page_matrix import _run

    _deployment_of_the_plan(web, _run(web))
    lead = web.signed_in("lead")
    first = lead.get("/orbat?day=0").text
    assert 'data-testid="orbat-day"' in first
    assert "not yet moved" in first and "under operational control" not in first
    assert first.count('class="depth3 cmd-home"') > 5
    last = lead.get("/orbat").text  # default: the day the force closes
    assert "not yet moved" not in last and "in transit" not in last
    assert re.search(r"DEU P-DEU-\w+</strong><small>[^<]*tactical control \(TACON\)", last)
    assert re.search(r"FRA P-FRA-\w+</strong><small>[^<]*operational control \(OPCON\)", last)
    # A liaison sees its own nation's units only, with the same chain of command.
    fra = web.signed_in("liaison_fra").get("/orbat").text
    assert "operational control" in fra and "P-DEU-" not in fra


def test_closure_legend_names_are_cut_cleanly() -> None:
    # Long sector names with a note in brackets: the legend keeps the name before the note,
    # and cuts a still-long name with an ellipsis, never leaving a dangling "(".
    from forcegen.web.deploy_charts import closure_svg

    rows = [{"id": "A", "sector": "s1", "arrive": 3}, {"id": "B", "sector": "s2", "arrive": 5}]
    names = {"s1": "Sector Vinnytsia (centre, logistics hub)",
             "s2": "Sector with a very long name indeed"}
    svg = closure_svg({"s1": 3, "s2": 5}, rows, names)
    assert ">Sector Vinnytsia (day 3)<" in svg
    assert ">Sector with a ver\u2026 (day 5)<" in svg
    assert "( (day" not in svg
