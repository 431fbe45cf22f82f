"""Who may open the merge, compare and map pages, and that a denial reveals nothing.

Every page route this module lists is checked for every role; a new page of the merge import,
compare or map without a rule here fails ``test_every_part_b_page_has_a_rule``.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from .conftest import EXAMPLE, USERS, Web, csrf_of

WHO = ("anon", *USERS)
CSV = (EXAMPLE / "pledges.csv").read_bytes()
FRA_ONLY = b"\n".join([CSV.splitlines()[0],
                       *(ln for ln in CSV.splitlines()[1:] if b",FRA," in ln)]) + b"\n"

#: (method, path) -> (request kwargs, {who: status}); POSTs get the user's CSRF token.
RULES: dict[tuple[str, str], tuple[dict[str, Any], dict[str, int]]] = {
    ("GET", "/import/pledges"): ({}, {"anon": 303, "admin": 200, "lead": 200,
                                      "liaison_fra": 200, "liaison_deu": 200,
                                      "observer_fra": 403}),
    ("POST", "/import/pledges"): (
        {"files": {"file": ("pledges.csv", FRA_ONLY, "text/csv")}},
        {"anon": 401, "admin": 200, "lead": 200, "liaison_fra": 200, "liaison_deu": 422,
         "observer_fra": 403},
    ),
    ("POST", "/import/pledges/confirm"): (
        {"data": {"token": "x" * 20, "preview": "0" * 64}},
        {"anon": 401, "admin": 410, "lead": 410, "liaison_fra": 410, "liaison_deu": 410,
         "observer_fra": 403},
    ),
    ("GET", "/compare"): ({}, {"anon": 303, **dict.fromkeys(USERS, 200)}),
}


def test_every_part_b_page_has_a_rule(web: Web) -> None:
    from forcegen.web.views import compare, merge

    paths = set()
    for module in (merge, compare):
        for r in module.router.routes:
            assert isinstance(r, APIRoute)
            paths |= {(m, r.path) for m in r.methods - {"HEAD"}}
    assert paths == set(RULES)


@pytest.mark.parametrize("route", sorted(RULES), ids=lambda r: f"{r[0]} {r[1]}")
def test_part_b_role_matrix(web: Web, route: tuple[str, str]) -> None:
    method, path = route
    kwargs, expect = RULES[route]
    failures = []
    for who in WHO:
        c = web.client() if who == "anon" else web.signed_in(who)
        req = {k: (dict(v) if isinstance(v, dict) else v) for k, v in kwargs.items()}
        if method == "POST":
            token = "" if who == "anon" else csrf_of(c, "/")
            req["data"] = {**req.get("data", {}), "csrf_token": token}
        r = c.request(method, path, **req)
        if r.status_code != expect[who]:
            failures.append(f"{who}: {r.status_code} (expected {expect[who]})")
        if r.status_code in (403, 404, 410):
            assert "P-FRA" not in r.text and "P-DEU" not in r.text, who
    assert not failures, "\n".join(failures)
