"""Every role against every page and form of the web UI (the API has its own matrix in
``tests/workspace/test_authz_matrix.py``).

Keyed by the app's own routes: a page or form added without a rule here fails
``test_every_page_has_a_rule``. Forms are posted with the user's CSRF token and a body the
service refuses (or a stale version), so a permitted post changes nothing the next role sees:
the check is who gets past the access rules (2xx, 409, 410, 422) and who is stopped (403,
hidden: 404; not signed in: sign-in page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute

from forcegen.workspace.database import session_scope
from forcegen.workspace.models import User

from .conftest import Web, csrf_of, pledge_form

WHO = ("anon", "admin", "lead", "liaison_fra", "liaison_deu", "observer_fra")
PLANNERS = ("admin", "lead")
EDITORS = (*PLANNERS, "liaison_fra", "liaison_deu")

Build = Callable[[Web], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    build: Build
    #: The status each role gets; anonymous visitors are sent to sign in (GET) or refused.
    expect: dict[str, int]


def get(path: str) -> Build:
    return lambda _web: {"path": path}


def post(path: str, **data: Any) -> Build:
    return lambda _web: {"path": path, "data": data}


def allowed(code: int, *who: str, hidden: tuple[str, ...] = (), anon: int = 303) -> dict[str, int]:
    """``code`` for ``who`` (everyone signed in if none named), 404 for ``hidden``, else 403."""
    names = who or WHO[1:]
    out = {"anon": anon}
    for w in WHO[1:]:
        out[w] = code if w in names else 404 if w in hidden else 403
    return out


def _relief_event(web: Web) -> dict[str, Any]:
    """An unclassified relief event (made once per database): every role may open it."""
    from forcegen.workspace.relief import events
    from forcegen.workspace.relief.models import ReliefEvent
    from forcegen.workspace.relief.schemas import EventCreate

    with session_scope(web.factory) as db:
        if db.get(ReliefEvent, "EV-WEB") is None:
            admin = db.query(User).filter_by(username="admin").one()
            events.create(db, admin, EventCreate(id="EV-WEB", name="Cyclone"))
    return {"path": "/relief/EV-WEB"}


def _relief_records(path: str, **data: Any) -> Build:
    """A request to a relief form, over the event ``EV-WEB`` with request ``RQ-WEB`` (every
    role may see it) and France's offer ``FRA-WEB`` (made once per database)."""

    def build(web: Web) -> dict[str, Any]:
        from forcegen.workspace.relief import offers, requests
        from forcegen.workspace.relief.models import ReliefRequest
        from forcegen.workspace.relief.schemas import OfferCreate, RequestCreate

        _relief_event(web)
        with session_scope(web.factory) as db:
            if db.get(ReliefRequest, "RQ-WEB") is None:
                admin = db.query(User).filter_by(username="admin").one()
                requests.create(db, admin, RequestCreate(
                    id="RQ-WEB", event="EV-WEB", capability="ROLE1-MED", quantity=1,
                    at=(-175.2, -21.1), by_hours=72))
                offers.create(db, admin, OfferCreate(
                    id="FRA-WEB", event="EV-WEB", nation="FRA", capability="ROLE1-MED",
                    quantity=1, home=(166.2, -22.0)))
        return {"path": path, **({"data": data} if data else {})}

    return build


def _user_id(web: Web, name: str) -> int:
    with session_scope(web.factory) as db:
        return int(db.query(User).filter_by(username=name).one().id)


def _run(web: Web) -> int:
    """A finished run over the example (unclassified: every role may open it)."""
    from forcegen.workspace.runs import service as runs

    with session_scope(web.factory) as db:
        lead = db.query(User).filter_by(username="lead").one()
        run_id = runs.create(db, lead, [], None).id
    runs.execute(web.factory, run_id)
    return run_id


def _deployment(suffix: str) -> Build:
    """A page of a finished deployment run (unclassified: every role may open it)."""

    def build(web: Web) -> dict[str, Any]:
        from tests.workspace.deploy_sample import add_deployment_run, deployment_doc

        return {"path": f"/deployments/{add_deployment_run(web.factory, deployment_doc())}"
                        f"{suffix}"}

    return build


def _fra_pledges() -> bytes:
    """The example's pledges.csv cut to France's rows (a table a French liaison may merge)."""
    from .conftest import EXAMPLE

    rows = (EXAMPLE / "pledges.csv").read_bytes().splitlines()
    return b"\n".join([rows[0], *(r for r in rows[1:] if b",FRA," in r)]) + b"\n"


def _user_page(suffix: str = "", **data: Any) -> Build:
    def build(web: Web) -> dict[str, Any]:
        out: dict[str, Any] = {"path": f"/admin/users/{_user_id(web, 'observer_fra')}{suffix}"}
        if data:
            out["data"] = data
        return out
    return build


INTEL = "0a4b3c8e-5555-4a4a-8b8b-000000000005"


def _intel(path: str, **data: Any) -> Build:
    """A request to an intel page, over a collection every signed-in role may see."""
    def build(web: Web) -> dict[str, Any]:
        from forcegen.labels.label import make_label
        from forcegen.workspace.intel import store

        with session_scope(web.factory) as db:
            if db.get(store.IntelCollection, INTEL) is None:
                store.create_collection(db, "Threats", make_label("NATO", "NATO UNCLASSIFIED"),
                                        collection_id=INTEL)
        return {"path": path, **({"data": data} if data else {})}
    return build


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/"): Rule(get("/"), allowed(200)),
    ("GET", "/login"): Rule(get("/login"), {**allowed(303), "anon": 200}),
    ("POST", "/login"): Rule(post("/login", username="x", password="y"),
                             {w: 403 for w in WHO}),  # without the sign-in form's token
    ("POST", "/logout"): Rule(post("/logout"), {**allowed(303), "anon": 303}),
    ("GET", "/account"): Rule(get("/account"), allowed(200)),
    ("GET", "/account/password"): Rule(get("/account/password"), allowed(200)),
    ("POST", "/account/password"): Rule(
        post("/account/password", current_password="wrong", new_password="x" * 12,
             repeat_password="x" * 12), allowed(422, anon=401)),
    ("GET", "/map"): Rule(get("/map"), allowed(200)),
    ("GET", "/orbat"): Rule(get("/orbat"), allowed(200)),
    # Relief: the first event's page (a redirect), the dashboard of one event.
    ("GET", "/relief"): Rule(lambda web: {**_relief_event(web), "path": "/relief"},
                             allowed(303)),
    ("GET", "/relief/{event_id}"): Rule(_relief_event, allowed(200)),
    # Relief forms: requests as the API (planners change, every role reads); offers as the
    # API (planners, a liaison their own nation's; an observer reads its own nation's).
    # Relief events as the API: planners create and edit (a refused body: nothing is made),
    # every role reads.
    ("GET", "/relief/events/new"): Rule(get("/relief/events/new"), allowed(200, *PLANNERS)),
    ("POST", "/relief/events/new"): Rule(post("/relief/events/new", at="Tonga"),
                                         allowed(422, *PLANNERS, anon=401)),
    ("GET", "/relief/events/{event_id}"): Rule(_relief_records("/relief/events/EV-WEB"),
                                               allowed(200)),
    ("POST", "/relief/events/{event_id}"): Rule(
        _relief_records("/relief/events/EV-WEB", version="999", name="x"),
        allowed(409, *PLANNERS, anon=401)),
    ("GET", "/relief/requests/new"): Rule(_relief_records("/relief/requests/new?event=EV-WEB"),
                                          allowed(200, *PLANNERS)),
    ("POST", "/relief/requests/new"): Rule(_relief_records("/relief/requests/new"),
                                           allowed(422, *PLANNERS, anon=401)),
    ("GET", "/relief/requests/{request_id}"): Rule(_relief_records("/relief/requests/RQ-WEB"),
                                                   allowed(200)),
    ("POST", "/relief/requests/{request_id}"): Rule(
        _relief_records("/relief/requests/RQ-WEB", version="999", quantity="2"),
        allowed(409, *PLANNERS, anon=401)),
    ("GET", "/relief/offers/new"): Rule(_relief_records("/relief/offers/new?request=RQ-WEB"),
                                        allowed(200, *EDITORS)),
    ("POST", "/relief/offers/new"): Rule(_relief_records("/relief/offers/new"),
                                         allowed(422, *EDITORS, anon=401)),
    ("GET", "/relief/offers/{offer_id}"): Rule(
        _relief_records("/relief/offers/FRA-WEB"),
        allowed(200, *PLANNERS, "liaison_fra", "observer_fra", hidden=("liaison_deu",))),
    ("POST", "/relief/offers/{offer_id}"): Rule(
        _relief_records("/relief/offers/FRA-WEB", version="999", quantity="2"),
        allowed(409, *PLANNERS, "liaison_fra", hidden=("liaison_deu",), anon=401)),
    ("POST", "/relief/offers/{offer_id}/status"): Rule(
        _relief_records("/relief/offers/FRA-WEB/status", version="999", status="released"),
        allowed(409, *PLANNERS, "liaison_fra", hidden=("liaison_deu",), anon=401)),
    ("GET", "/pledges"): Rule(get("/pledges?q=P-&status=approved"), allowed(200)),
    ("GET", "/pledges.csv"): Rule(get("/pledges.csv?q=fra"), allowed(200)),
    ("GET", "/pledges/new"): Rule(get("/pledges/new"), allowed(200, *EDITORS)),
    ("POST", "/pledges/new"): Rule(post("/pledges/new"), allowed(422, *EDITORS, anon=401)),
    ("POST", "/pledges/status"): Rule(post("/pledges/status", status="approved"),
                                      allowed(422, *EDITORS, anon=401)),
    ("GET", "/pledges/{pledge_id}"): Rule(
        get("/pledges/P-FRA-05"),
        allowed(200, *PLANNERS, "liaison_fra", "observer_fra", hidden=("liaison_deu",))),
    ("POST", "/pledges/{pledge_id}"): Rule(
        lambda web: {"path": "/pledges/P-FRA-05",
                     "data": pledge_form(web, "P-FRA-05", version="999")},
        allowed(409, *PLANNERS, "liaison_fra", hidden=("liaison_deu",), anon=401)),
    ("POST", "/pledges/{pledge_id}/status"): Rule(
        post("/pledges/P-FRA-05/status", status="withdrawn", version="999"),
        allowed(409, *PLANNERS, "liaison_fra", hidden=("liaison_deu",), anon=401)),
    ("GET", "/requirements"): Rule(get("/requirements?q=R-0&priority=1"), allowed(200)),
    ("GET", "/requirements.csv"): Rule(get("/requirements.csv"), allowed(200)),
    ("GET", "/requirements/new"): Rule(get("/requirements/new"), allowed(200, *PLANNERS)),
    ("POST", "/requirements/new"): Rule(post("/requirements/new"),
                                        allowed(422, *PLANNERS, anon=401)),
    ("GET", "/requirements/{requirement_id}"): Rule(get("/requirements/R-002"), allowed(200)),
    ("POST", "/requirements/{requirement_id}"): Rule(
        post("/requirements/R-002", version="999", quantity="2"),
        allowed(409, *PLANNERS, anon=401)),
    ("GET", "/runs"): Rule(get("/runs?q=lead&state=done"), allowed(200)),
    ("POST", "/runs"): Rule(post("/runs", max_classification="TOP SECRET"),
                            allowed(422, *PLANNERS, anon=401)),
    # (the run: one finished over the example, made once per test)
    ("GET", "/runs/{run_id}"): Rule(get("/runs/{run_id}"), allowed(200)),
    ("GET", "/runs/{run_id}/download/{fmt}"): Rule(get("/runs/{run_id}/download/json"),
                                                   allowed(200)),
    ("GET", "/deployments"): Rule(get("/deployments?q=lead&state=done"), allowed(200)),
    ("POST", "/deployments"): Rule(post("/deployments", max_classification="TOP SECRET"),
                                   allowed(422, *PLANNERS, anon=401)),
    ("GET", "/deployments/{deployment_id}"): Rule(_deployment(""), allowed(200)),
    ("GET", "/deployments/{deployment_id}/download/{fmt}"): Rule(
        _deployment("/download/csv"), allowed(200)),
    ("GET", "/scenario/download/{fmt}"): Rule(get("/scenario/download/json"),
                                              allowed(200, *PLANNERS)),
    ("GET", "/import"): Rule(get("/import"), allowed(200, *PLANNERS)),
    ("POST", "/import"): Rule(
        lambda _web: {"path": "/import", "files": {"file": ("s.yaml", b"- not a mapping")}},
        allowed(422, *PLANNERS, anon=401)),
    ("POST", "/import/confirm"): Rule(post("/import/confirm", token="no-such-upload"),
                                      allowed(410, *PLANNERS, anon=401)),
    # Merging a pledge table (its preview is answered 410 once gone), comparing runs.
    ("GET", "/import/pledges"): Rule(get("/import/pledges"), allowed(200, *EDITORS)),
    ("POST", "/import/pledges"): Rule(
        lambda _web: {"path": "/import/pledges",
                      "files": {"file": ("pledges.csv", _fra_pledges(), "text/csv")}},
        {**allowed(200, *EDITORS, anon=401), "liaison_deu": 422}),
    ("POST", "/import/pledges/confirm"): Rule(
        post("/import/pledges/confirm", token="x" * 20, preview="0" * 64),
        allowed(410, *EDITORS, anon=401)),
    ("GET", "/compare"): Rule(get("/compare"), allowed(200)),
    # Nations (every role reads; planners change, as the API) and the audit trail (planners).
    ("GET", "/nations"): Rule(get("/nations?q=fr&pending=yes"), allowed(200)),
    ("GET", "/nations/{code}"): Rule(get("/nations/FRA"), allowed(200)),
    ("POST", "/nations/{code}"): Rule(post("/nations/FRA", version="999", name="France"),
                                      allowed(409, *PLANNERS, anon=401)),
    ("GET", "/audit"): Rule(get("/audit?actor=loader&entity=scenario"),
                            allowed(200, *PLANNERS)),
    ("GET", "/audit/verify"): Rule(get("/audit/verify"), allowed(200, *PLANNERS)),
    ("GET", "/audit/{seq}"): Rule(get("/audit/1"), allowed(200, *PLANNERS)),
    # The intel feed (every role reads), its live fragment (no object: not found), compose
    # (those who may write to a collection: not observers).
    ("GET", "/intel"): Rule(_intel(f"/intel?collection={INTEL}&type=indicator"), allowed(200)),
    ("GET", "/intel/items/{seq}"): Rule(_intel(f"/intel/items/1?collection={INTEL}"),
                                        allowed(404, hidden=WHO[1:])),
    ("GET", "/intel/compose"): Rule(_intel("/intel/compose"), allowed(200, *EDITORS)),
    ("POST", "/intel/compose"): Rule(
        _intel("/intel/compose", collection=INTEL, type="indicator", label_class="TLP|RED"),
        allowed(422, *EDITORS, anon=401)),
    ("GET", "/admin/users"): Rule(get("/admin/users?q=lia&role=liaison"), allowed(200, "admin")),
    ("GET", "/admin/users/new"): Rule(get("/admin/users/new"), allowed(200, "admin")),
    ("POST", "/admin/users/new"): Rule(post("/admin/users/new", username="bad name"),
                                       allowed(422, "admin", anon=401)),
    ("GET", "/admin/users/{user_id}"): Rule(_user_page(), allowed(200, "admin")),
    ("POST", "/admin/users/{user_id}"): Rule(_user_page(role="nobody"),
                                             allowed(422, "admin", anon=401)),
    ("POST", "/admin/users/{user_id}/password"): Rule(_user_page("/password", password="short"),
                                                      allowed(422, "admin", anon=401)),
    ("POST", "/admin/users/{user_id}/active"): Rule(_user_page("/active", active="maybe"),
                                                    allowed(422, "admin", anon=401)),
}


def page_routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) of the web UI (routers nested in routers included)."""
    out: set[tuple[str, str]] = set()

    def walk(routes: Any) -> None:
        for r in routes:
            if isinstance(r, APIRoute):
                if not r.path.startswith("/api"):
                    out.update((m, r.path) for m in r.methods - {"HEAD", "OPTIONS"})
            else:  # an included router (FastAPI >= 0.16x nests them)
                sub = getattr(r, "original_router", None) or getattr(r, "router", None)
                if sub is not None:
                    walk(sub.routes)

    from forcegen.web.views import router

    walk(router.routes)
    del app
    return out


def test_every_page_has_a_rule(web: Web) -> None:
    routes = page_routes(web.app)
    assert routes - set(RULES) == set(), "pages or forms without an access rule"
    assert set(RULES) - routes == set(), "rules for pages that no longer exist"


@pytest.mark.parametrize("who", WHO)
def test_page_matrix(web: Web, who: str) -> None:
    """Each role through every page and form with one session (signing out last)."""
    c = web.client() if who == "anon" else web.signed_in(who)
    token = "" if who == "anon" else csrf_of(c)
    run: list[int] = []

    def finished_run(web_: Web) -> int:
        if not run:
            run.append(_run(web_))
        return run[0]

    failures = []
    for route in sorted(RULES, key=lambda r: r == ("POST", "/logout")):
        req = RULES[route].build(web) if "{run_id}" not in route[1] else {
            "path": route[1].replace("{run_id}", str(finished_run(web))).replace(
                "{fmt}", "json")}
        path = req.pop("path")
        if route[0] == "POST":
            data = {**req.pop("data", {}), **({"csrf_token": token} if token else {})}
            r = c.post(path, data=data, **req)
        else:
            r = c.get(path)
        want = RULES[route].expect[who]
        if r.status_code != want:
            failures.append(f"{route}: {r.status_code} (expected {want}) {r.text[:120]!r}")
        elif who == "anon" and want == 303:
            assert r.headers["location"].startswith("/login"), (route, r.headers["location"])
    assert not failures, "\n".join(failures)
