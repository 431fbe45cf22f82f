"""Every role against every endpoint: what is allowed, and that denials reveal nothing.

The cases are keyed by the app's own routes: an endpoint added without a rule here fails
``test_every_route_has_a_rule``. Targets belong to FRA, so ``*_fra`` users are "own nation" and
``*_deu`` users "another nation".
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute

from .conftest import PASSWORD, Workspace, build_app
from .relief_sample import new_event, new_offer, new_request

API = "/api/v1"
USERS = ("admin", "lead", "liaison_fra", "liaison_deu", "observer_fra", "observer_deu")
WHO = ("anon", *USERS)
_n = itertools.count(1)

Build = Callable[[Workspace, str], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    build: Build
    expect: dict[str, int]


def everyone(code: int) -> dict[str, int]:
    return {"anon": 401, **dict.fromkeys(USERS, code)}


def only(code: int, *allowed: str, hidden: tuple[str, ...] = ()) -> dict[str, int]:
    out = {"anon": 401}
    for u in USERS:
        out[u] = code if u in allowed else 404 if u in hidden else 403
    return out


PLANNERS = ("admin", "lead")


def fixed(path: str, **kw: Any) -> Build:
    return lambda _ws, _who: {"path": path, **kw}


def fresh_pledge(ws: Workspace) -> str:
    pid = f"P-FRA-T{next(_n)}"
    r = ws.client("admin").post(
        f"{API}/pledges",
        json={
            "id": pid,
            "nation": "FRA",
            "capability": "X-ROLE2",
            "quantity": 1,
            "personnel": 10,
            "notice_days": 3,
        },
    )
    assert r.status_code == 201, r.text
    return pid


def fresh_requirement(ws: Workspace) -> str:
    rid = f"R-T{next(_n)}"
    r = ws.client("admin").post(
        f"{API}/requirements",
        json={
            "id": rid,
            "capability": "X-ROLE2",
            "quantity": 1,
            "sector": "north",
            "notice_days": 3,
        },
    )
    assert r.status_code == 201, r.text
    return rid


def fresh_nation(ws: Workspace) -> str:
    code = "".join(chr(65 + (next(_n) // 26**i) % 26) for i in range(3))
    r = ws.client("admin").post(f"{API}/nations", json={"code": code})
    assert r.status_code == 201, r.text
    return code


def nation_version(ws: Workspace, code: str) -> int:
    return int(ws.client("admin").get(f"{API}/nations/{code}").json()["version"])


def user_id(ws: Workspace, name: str) -> int:
    users = ws.client("admin").get(f"{API}/users", params={"limit": 100}).json()["items"]
    return next(u["id"] for u in users if u["username"] == name)


def admin_token_id(ws: Workspace) -> int:
    return int(ws.client("admin").post(f"{API}/auth/tokens", json={"name": "t"}).json()["id"])


def a_run(ws: Workspace) -> int:
    from forcegen.workspace.database import session_scope
    from forcegen.workspace.runs.models import SourcingRun

    with session_scope(ws.factory) as db:
        run = SourcingRun(
            state="done",
            include=["approved"],
            result={
                "status": "optimal",
                "assignments": [
                    {"pledge": "P-FRA-1", "requirement": "R-001", "units": 2, "nation": "FRA"},
                    {"pledge": "P-DEU-1", "requirement": "R-001", "units": 1, "nation": "DEU"},
                ],
                "shortfalls": [],
            },
        )
        db.add(run)
        db.flush()
        return run.id


_SOLVED: dict[int, dict[str, int]] = {}


def solved_runs(ws: Workspace) -> dict[str, int]:
    """Two finished runs with real plans (made once per workspace): ``{"a": id, "b": id}``."""
    if id(ws) not in _SOLVED:
        ids = [ws.client("admin").post(f"{API}/runs", json={}).json()["id"] for _ in range(2)]
        for _ in range(400):
            states = {ws.client("admin").get(f"{API}/runs/{i}").json()["state"] for i in ids}
            if states <= {"done", "failed"}:
                break
            time.sleep(0.05)
        _SOLVED[id(ws)] = {"a": ids[0], "b": ids[1]}
    return _SOLVED[id(ws)]
def a_planned_run(ws: Workspace) -> int:
    """A run that sourced the sample for real (a plan every role may download its part of)."""
    from forcegen.workspace.database import session_scope
    from forcegen.workspace.models import User
    from forcegen.workspace.runs import service as runs

    with session_scope(ws.factory) as db:
        admin = db.query(User).filter_by(username="admin").one()
        run_id = runs.create(db, admin, [], None).id
    runs.execute(ws.factory, run_id)
    return run_id


def a_deployment(ws: Workspace) -> int:
    """A finished deployment run (unclassified: every role reads its part of it)."""
    from .deploy_sample import add_deployment_run, deployment_doc

    return add_deployment_run(ws.factory, deployment_doc())


def audit_key(ws: Workspace) -> None:
    """Give the app an audit signing key (the shared app keeps it; tests of the keyless
    server set theirs)."""
    from forcegen.labels.keys import KeyList, SigningKey
    from forcegen.workspace.audit.signer import Signer

    if ws.app.state.audit_signer.key is None:
        key = SigningKey.generate("GBR")
        ws.app.state.audit_signer = Signer(key, None, KeyList([key.public]))


def nation_entry(ws: Workspace) -> dict[str, Any]:
    """An audit entry every planner may see (a nation renamed), with the key in place."""
    audit_key(ws)
    admin = ws.client("admin")
    version = admin.get(f"{API}/nations/FRA").json()["version"]
    r = admin.patch(f"{API}/nations/FRA", json={"name": f"France {next(_n)}", "version": version})
    assert r.status_code == 200, r.text
    seq = admin.get(f"{API}/audit", params={"entity": "nation", "limit": 1}).json()["items"]
    return {"path": "/audit/proof/inclusion", "params": {"entry": seq[0]["seq"]}}


def sample_file() -> dict[str, Any]:
    import yaml

    from .sample import sample_scenario

    return {"file": ("s.yaml", yaml.safe_dump(sample_scenario()).encode())}


def fra_pledge_table() -> dict[str, Any]:
    text = ("id,nation,capability,quantity,personnel,notice_days,status\n"
            "P-FRA-1,FRA,X-ROLE2,3,120,10,approved\n")
    return {"file": ("pledges.csv", text.encode(), "text/csv")}


def relief_run(ws: Workspace) -> int:
    """A kept matching run of a fresh event (made by the admin)."""
    event = new_event(ws)
    new_request(ws, event)
    new_offer(ws, event)
    r = ws.client("admin").post(f"{API}/relief/events/{event}/match", json={})
    assert r.status_code == 200, r.text
    return int(r.json()["run"])


def relief_hxl(ws: Workspace) -> dict[str, Any]:
    from .relief_sample import hxl_table

    return {"file": ("3w.csv", hxl_table(new_event(ws), f"RQ-H{next(_n)}"), "text/csv")}


def _offer_path(ws: Workspace, tail: str = "") -> str:
    return f"/relief/offers/{new_offer(ws, new_event(ws))}{tail}"


OWN_OFFER = only(200, *PLANNERS, "liaison_fra", hidden=("liaison_deu",))
SEE_OFFER = only(200, *PLANNERS, "liaison_fra", "observer_fra",
                 hidden=("liaison_deu", "observer_deu"))

RELIEF: dict[tuple[str, str], Case] = {
    ("GET", "/relief/events"): Case(fixed("/relief/events"), everyone(200)),
    ("POST", "/relief/events"): Case(
        lambda _ws, _w: {"path": "/relief/events", "json": {"name": "x"}},
        only(201, *PLANNERS)),
    ("GET", "/relief/events/{event_id}"): Case(
        lambda ws, _w: {"path": f"/relief/events/{new_event(ws)}"}, everyone(200)),
    ("PATCH", "/relief/events/{event_id}"): Case(
        lambda ws, _w: {"path": f"/relief/events/{new_event(ws)}",
                        "json": {"version": 1, "name": "renamed"}},
        only(200, *PLANNERS)),
    ("GET", "/relief/events/{event_id}/board"): Case(
        lambda ws, _w: {"path": f"/relief/events/{new_event(ws)}/board"}, everyone(200)),
    ("POST", "/relief/events/{event_id}/match"): Case(
        lambda ws, _w: {"path": f"/relief/events/{new_event(ws)}/match", "json": {}},
        only(200, *PLANNERS)),
    ("GET", "/intel/status"): Case(fixed("/intel/status"), everyone(200)),
    ("GET", "/relief/events/{event_id}/runs"): Case(
        lambda ws, _w: {"path": f"/relief/events/{new_event(ws)}/runs"}, only(200, *PLANNERS)),
    ("GET", "/relief/runs/{run_id}"): Case(
        lambda ws, _w: {"path": f"/relief/runs/{relief_run(ws)}"}, only(200, *PLANNERS)),
    ("POST", "/relief/import"): Case(
        lambda ws, _w: {"path": "/relief/import", "params": {"dry_run": "true"},
                        "files": relief_hxl(ws)},
        only(200, *PLANNERS)),
    ("GET", "/relief/requests"): Case(fixed("/relief/requests"), everyone(200)),
    ("POST", "/relief/requests"): Case(
        lambda ws, _w: {"path": "/relief/requests", "json": {
            "event": new_event(ws), "capability": "WATER-PURIF", "quantity": 1,
            "at": [0, 0], "by_hours": 5}},
        only(201, *PLANNERS)),
    ("GET", "/relief/requests/{request_id}"): Case(
        lambda ws, _w: {"path": f"/relief/requests/{new_request(ws, new_event(ws))}"},
        everyone(200)),
    ("PATCH", "/relief/requests/{request_id}"): Case(
        lambda ws, _w: {"path": f"/relief/requests/{new_request(ws, new_event(ws))}",
                        "json": {"version": 1, "quantity": 5}},
        only(200, *PLANNERS)),
    ("DELETE", "/relief/requests/{request_id}"): Case(
        lambda ws, _w: {"path": f"/relief/requests/{new_request(ws, new_event(ws))}",
                        "params": {"version": 1}},
        only(204, *PLANNERS)),
    ("GET", "/relief/offers"): Case(fixed("/relief/offers"), everyone(200)),
    ("POST", "/relief/offers"): Case(
        lambda ws, _w: {"path": "/relief/offers", "json": {
            "event": new_event(ws), "nation": "FRA", "capability": "WATER-PURIF",
            "quantity": 1, "home": [166.2, -22.0]}},
        only(201, *PLANNERS, "liaison_fra")),
    ("GET", "/relief/offers/{offer_id}"): Case(
        lambda ws, _w: {"path": _offer_path(ws)}, SEE_OFFER),
    ("GET", "/relief/offers/{offer_id}/history"): Case(
        lambda ws, _w: {"path": _offer_path(ws, "/history")}, SEE_OFFER),
    ("PATCH", "/relief/offers/{offer_id}"): Case(
        lambda ws, _w: {"path": _offer_path(ws), "json": {"version": 1, "quantity": 2}},
        OWN_OFFER),
    ("POST", "/relief/offers/{offer_id}/status"): Case(
        lambda ws, _w: {"path": _offer_path(ws, "/status"),
                        "json": {"version": 1, "status": "released"}},
        OWN_OFFER),
    ("DELETE", "/relief/offers/{offer_id}"): Case(
        lambda ws, _w: {"path": _offer_path(ws), "params": {"version": 1}},
        only(204, *PLANNERS, "liaison_fra", hidden=("liaison_deu",))),
}

CASES: dict[tuple[str, str], Case] = {
    **RELIEF,
    ("GET", "/health"): Case(fixed("/health"), {w: 200 for w in WHO}),
    ("POST", "/auth/login"): Case(
        lambda _ws, who: {
            "path": "/auth/login",
            "json": {"username": "admin" if who == "anon" else who, "password": PASSWORD},
        },
        {w: 200 for w in WHO},
    ),
    ("POST", "/auth/logout"): Case(fixed("/auth/logout"), everyone(204)),
    ("GET", "/auth/session"): Case(fixed("/auth/session"), everyone(200)),
    ("GET", "/auth/tokens"): Case(fixed("/auth/tokens"), everyone(200)),
    ("POST", "/auth/tokens"): Case(fixed("/auth/tokens", json={"name": "x"}), everyone(201)),
    ("DELETE", "/auth/tokens/{token_id}"): Case(
        lambda ws, _w: {"path": f"/auth/tokens/{admin_token_id(ws)}"},
        only(204, "admin", hidden=USERS[1:]),
    ),
    ("GET", "/users/me"): Case(fixed("/users/me"), everyone(200)),
    ("POST", "/users/me/password"): Case(
        fixed(
            "/users/me/password",
            json={"current_password": PASSWORD, "new_password": PASSWORD + "!"},
        ),
        everyone(204),
    ),
    ("GET", "/users"): Case(fixed("/users"), only(200, "admin")),
    ("POST", "/users"): Case(
        lambda _ws, _w: {
            "path": "/users",
            "json": {
                "username": f"u{next(_n)}",
                "password": "0123456789ab",
                "role": "observer",
                "nation": "FRA",
            },
        },
        only(201, "admin"),
    ),
    ("GET", "/users/{user_id}"): Case(
        lambda ws, _w: {"path": f"/users/{user_id(ws, 'observer_fra')}"}, only(200, "admin")
    ),
    ("PATCH", "/users/{user_id}"): Case(
        lambda ws, _w: {
            "path": f"/users/{user_id(ws, 'observer_fra')}",
            "json": {"full_name": "Obs"},
        },
        only(200, "admin"),
    ),
    ("GET", "/nations"): Case(fixed("/nations"), everyone(200)),
    ("POST", "/nations"): Case(
        lambda ws, _w: {
            "path": "/nations",
            "json": {"code": f"Z{next(_n) % 26 + 65:c}{next(_n) % 26 + 65:c}"},
        },
        only(201, *PLANNERS),
    ),
    ("GET", "/nations/{code}"): Case(fixed("/nations/FRA"), everyone(200)),
    ("PATCH", "/nations/{code}"): Case(
        lambda ws, _w: {"path": "/nations/FRA",
                        "json": {"name": "France", "version": nation_version(ws, "FRA")}},
        only(200, *PLANNERS),
    ),
    ("DELETE", "/nations/{code}"): Case(
        lambda ws, _w: {"path": f"/nations/{fresh_nation(ws)}", "params": {"version": 1}},
        only(204, *PLANNERS),
    ),
    ("GET", "/requirements"): Case(fixed("/requirements"), everyone(200)),
    ("POST", "/requirements"): Case(
        lambda _ws, _w: {
            "path": "/requirements",
            "json": {
                "id": f"R-N{next(_n)}",
                "capability": "X-ROLE2",
                "quantity": 1,
                "sector": "north",
                "notice_days": 3,
            },
        },
        only(201, *PLANNERS),
    ),
    ("GET", "/requirements/{requirement_id}"): Case(fixed("/requirements/R-001"), everyone(200)),
    ("PATCH", "/requirements/{requirement_id}"): Case(
        lambda ws, _w: {
            "path": f"/requirements/{fresh_requirement(ws)}",
            "json": {"version": 1, "quantity": 2},
        },
        only(200, *PLANNERS),
    ),
    ("DELETE", "/requirements/{requirement_id}"): Case(
        lambda ws, _w: {"path": f"/requirements/{fresh_requirement(ws)}", "params": {"version": 1}},
        only(204, *PLANNERS),
    ),
    ("GET", "/sectors"): Case(fixed("/sectors"), everyone(200)),
    ("GET", "/capabilities"): Case(fixed("/capabilities"), everyone(200)),
    ("GET", "/pledges"): Case(fixed("/pledges"), everyone(200)),
    ("GET", "/pledges/totals"): Case(fixed("/pledges/totals"), everyone(200)),
    ("POST", "/pledges"): Case(
        lambda _ws, _w: {
            "path": "/pledges",
            "json": {
                "id": f"P-FRA-N{next(_n)}",
                "nation": "FRA",
                "capability": "X-ROLE2",
                "quantity": 1,
                "personnel": 10,
                "notice_days": 3,
            },
        },
        only(201, *PLANNERS, "liaison_fra"),
    ),
    ("GET", "/pledges/{pledge_id}"): Case(
        fixed("/pledges/P-FRA-1"),
        only(200, *PLANNERS, "liaison_fra", "observer_fra", hidden=("liaison_deu", "observer_deu")),
    ),
    ("PATCH", "/pledges/{pledge_id}"): Case(
        lambda ws, _w: {
            "path": f"/pledges/{fresh_pledge(ws)}",
            "json": {"version": 1, "quantity": 2},
        },
        only(200, *PLANNERS, "liaison_fra", hidden=("liaison_deu",)),
    ),
    ("POST", "/pledges/{pledge_id}/status"): Case(
        lambda ws, _w: {
            "path": f"/pledges/{fresh_pledge(ws)}/status",
            "json": {"version": 1, "status": "provisional"},
        },
        only(200, *PLANNERS, "liaison_fra", hidden=("liaison_deu",)),
    ),
    ("DELETE", "/pledges/{pledge_id}"): Case(
        lambda ws, _w: {"path": f"/pledges/{fresh_pledge(ws)}", "params": {"version": 1}},
        only(204, *PLANNERS, "liaison_fra", hidden=("liaison_deu",)),
    ),
    ("POST", "/pledges/import"): Case(
        fixed("/pledges/import", params={"dry_run": "true"}, files=fra_pledge_table()),
        # A liaison of another nation gets the row named (its nation is not theirs), not 403.
        {**only(200, *PLANNERS, "liaison_fra"), "liaison_deu": 422},
    ),
    ("POST", "/runs"): Case(fixed("/runs", json={}), only(202, *PLANNERS)),
    ("GET", "/runs"): Case(fixed("/runs"), everyone(200)),
    ("GET", "/runs/{run_id}"): Case(lambda ws, _w: {"path": f"/runs/{a_run(ws)}"}, everyone(200)),
    ("GET", "/runs/compare"): Case(
        lambda ws, _w: {"path": "/runs/compare", "params": solved_runs(ws)}, everyone(200)
    ),
    ("GET", "/runs/{run_id}/export"): Case(
        lambda ws, _w: {"path": f"/runs/{a_planned_run(ws)}/export",
                        "params": {"format": "json"}},
        everyone(200),
    ),
    ("POST", "/deployments"): Case(fixed("/deployments", json={}), only(202, *PLANNERS)),
    ("GET", "/deployments"): Case(fixed("/deployments"), everyone(200)),
    ("GET", "/deployments/{deployment_id}"): Case(
        lambda ws, _w: {"path": f"/deployments/{a_deployment(ws)}"}, everyone(200)
    ),
    ("GET", "/deployments/{deployment_id}/export"): Case(
        lambda ws, _w: {"path": f"/deployments/{a_deployment(ws)}/export",
                        "params": {"format": "csv"}},
        everyone(200),
    ),
    ("POST", "/scenario/import"): Case(
        lambda _ws, _w: {
            "path": "/scenario/import",
            "params": {"dry_run": "true"},
            "files": sample_file(),
        },
        only(200, *PLANNERS),
    ),
    ("GET", "/scenario/export"): Case(
        fixed("/scenario/export", params={"format": "yaml"}), only(200, *PLANNERS)
    ),
    ("GET", "/audit"): Case(fixed("/audit"), only(200, *PLANNERS)),
    ("GET", "/audit/verify"): Case(fixed("/audit/verify"), only(200, *PLANNERS)),
    ("GET", "/audit/anchor"): Case(fixed("/audit/anchor"), only(200, *PLANNERS)),
    ("GET", "/audit/tree-head"): Case(
        lambda ws, _w: (audit_key(ws), {"path": "/audit/tree-head"})[1], only(200, *PLANNERS)),
    ("GET", "/audit/proof/inclusion"): Case(lambda ws, _w: nation_entry(ws),
                                            only(200, *PLANNERS)),
    ("GET", "/audit/proof/consistency"): Case(
        lambda ws, _w: (audit_key(ws), {"path": "/audit/proof/consistency",
                                        "params": {"first": 1}})[1], only(200, *PLANNERS)),
    ("POST", "/audit/verify"): Case(
        fixed("/audit/verify", json={"anchors": [{"seq": 0, "hash": "0" * 64,
                                                  "at": "2025-01-31T12:00:00Z"}]}),
        only(200, *PLANNERS),
    ),
}


def api_routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) the app serves under /api/v1, from its own OpenAPI document
    (FastAPI >= 0.16x nests included routers, so ``app.routes`` is not flat)."""
    out = set()
    for path, ops in app.openapi()["paths"].items():
        for method in ops:
            if method in ("get", "post", "put", "patch", "delete"):
                out.add((method.upper(), path[len(API) :]))
    for r in app.routes:  # routes hidden from the schema must still have rules
        if isinstance(r, APIRoute) and r.path.startswith(API):
            out |= {(m, r.path[len(API) :]) for m in r.methods - {"HEAD", "OPTIONS"}}
    return out


def test_every_route_has_a_rule() -> None:
    from forcegen.workspace.database import make_engine

    app = build_app(make_engine("sqlite://"))
    routes = api_routes(app)
    assert routes - set(CASES) == set(), "endpoints without an authorization rule"
    assert set(CASES) - routes == set(), "rules for endpoints that no longer exist"


def assert_denial_reveals_nothing(body: Any, status: int) -> None:
    assert set(body) == {"error"}, body
    err = body["error"]
    assert set(err) == {"code", "message", "field"}, err
    assert err["field"] is None
    assert err["code"] == {401: "unauthenticated", 403: "forbidden", 404: "not_found"}[status]
    for secret in ("P-FRA", "R-0", "FRA", "120", "observer_fra"):
        assert secret not in err["message"]


def _wait_for_runs(ws: Workspace) -> None:
    for _ in range(200):
        items = [*ws.client("admin").get(f"{API}/runs").json()["items"],
                 *ws.client("admin").get(f"{API}/deployments").json()["items"]]
        if all(i["state"] in ("done", "failed") for i in items):
            return
        time.sleep(0.05)


@pytest.mark.parametrize("route", sorted(CASES), ids=lambda r: f"{r[0]} {r[1]}")
def test_role_matrix(ws: Workspace, route: tuple[str, str]) -> None:
    case = CASES[route]
    method = route[0]
    failures = []
    try:
        for who in WHO:
            req = case.build(ws, who)
            path = API + req.pop("path")
            r = ws.client(who).request(method, path, **req)
            want = case.expect[who]
            if r.status_code != want:
                failures.append(f"{who}: {r.status_code} (expected {want}) {r.text[:200]}")
                continue
            if want in (401, 403, 404):
                assert_denial_reveals_nothing(r.json(), want)
            # logging out must not break the client for the next checks
            if route == ("POST", "/auth/logout"):
                continue
    finally:
        _wait_for_runs(ws)
    assert not failures, "\n".join(failures)
