"""Where a form says to go next (``next`` after sign-in, ``back`` after a status change) is
followed only when it is a path on this site (``web.core.local_path``, one rule for all)."""

from __future__ import annotations

import pytest

from forcegen.web.core import local_path

from .conftest import Web, post_login

OFF_SITE = ["//evil.example/x", "/\\evil.example", "/\t/evil.example", "/\n/evil.example",
            "https://evil.example/", "evil.example", "", None]


@pytest.mark.parametrize("target", OFF_SITE)
def test_another_host_or_no_path_gives_the_default(target: str | None) -> None:
    assert local_path(target, "/pledges") == "/pledges"


@pytest.mark.parametrize("target", ["/", "/pledges?status=approved&q=fra", "/pledges/P-FRA-01"])
def test_a_path_on_this_site_is_kept(target: str) -> None:
    assert local_path(target, "/") == target


def test_sign_in_and_a_status_change_keep_to_the_site(web: Web) -> None:
    c = web.client()
    r = post_login(c, {"username": "lead", "password": "correct horse battery staple",
                       "next": "/\\evil.example"})
    assert r.status_code == 303 and r.headers["location"] == "/"
    r = post_login(web.client(), {"username": "lead", "password": "correct horse battery staple",
                                  "next": "/pledges?status=approved"})
    assert r.headers["location"] == "/pledges?status=approved"
