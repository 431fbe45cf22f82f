"""Sign-in throttling (issue 8, High): attempts are counted in the database before hashing,
per client address and in total as well as per (user name, address), and password checks run
under a small semaphore whose excess is answered 429 at once.

Password checks are replaced by a stand-in that counts calls and, where a test needs requests
in flight together, waits on an event: the tests count what was hashed, never how long it took.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from forcegen.workspace.auth import service
from forcegen.workspace.auth.models import LoginAttempt
from forcegen.workspace.config import Settings
from forcegen.workspace.errors import RateLimited, Unauthenticated

from .conftest import PASSWORD, Workspace

API = "/api/v1"


class Checks:
    """Stand-in for ``verify_password``: counts calls; blocks them while ``gate`` is closed."""

    def __init__(self) -> None:
        self.calls = 0
        self.hashes: list[str | None] = []
        self.gate = threading.Event()
        self.gate.set()
        self._lock = threading.Lock()

    def __call__(self, password_hash: str | None, password: str) -> bool:
        with self._lock:
            self.calls += 1
            self.hashes.append(password_hash)
        self.gate.wait(20)
        return password == PASSWORD and password_hash is not None


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Checks]:
    c = Checks()
    monkeypatch.setattr(service, "verify_password", c)
    yield c
    c.gate.set()


def _settings(ws: Workspace, **changes: Any) -> Settings:
    return ws.app.state.settings.model_copy(update=changes)


def _attempt(ws: Workspace, settings: Settings, username: str, password: str, client: str) -> str:
    """One sign-in through the service in its own session: 'ok', 'denied' or 'limited'."""
    with ws.factory() as db:
        try:
            service.authenticate(db, settings, username, password, client)
            db.commit()
            return "ok"
        except Unauthenticated:
            return "denied"
        except RateLimited:
            return "limited"


def _burst(
    ws: Workspace, checks: Checks, calls: list[Callable[[], str]]
) -> list[str]:
    """Run ``calls`` at once with every password check held until all have hashed or been
    refused, then release them; the results in order."""
    results: list[str | None] = [None] * len(calls)

    def run(i: int) -> None:
        results[i] = calls[i]()

    checks.gate.clear()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        settled = checks.calls + sum(r == "limited" for r in results)
        if settled >= len(calls):
            break
        time.sleep(0.01)
    checks.gate.set()
    for t in threads:
        t.join(30)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def _rows(ws: Workspace) -> int:
    with ws.factory() as db:
        return db.scalar(select(func.count()).select_from(LoginAttempt)) or 0


def test_parallel_guesses_are_counted_before_hashing(ws: Workspace, checks: Checks) -> None:
    # Enough slots that only the count can stop them: 16 at once, as in the attack.
    settings = _settings(ws, login_concurrent_hashes=32)
    limit = settings.login_max_failures
    calls = [
        (lambda i=i: _attempt(ws, settings, "observer_deu", f"guess-{i}", "10.1.1.1"))
        for i in range(15)
    ]
    calls.append(lambda: _attempt(ws, settings, "observer_deu", PASSWORD, "10.1.1.1"))
    results = _burst(ws, checks, calls)
    assert checks.calls <= limit, f"{checks.calls} passwords checked, limit {limit}"
    assert results.count("limited") == len(calls) - checks.calls
    if results[-1] == "ok":
        return  # the right password was among the first few: a success resets the count
    # Refused attempts may have been counted for a moment (refusing more than needed, never
    # fewer), so fewer than `limit` may have been checked. Sequential guesses fill the rest of
    # the budget; then even the right password is refused: no more than `limit` checks in all.
    outcome = ""
    for i in range(limit + 1):
        outcome = _attempt(ws, settings, "observer_deu", f"late-{i}", "10.1.1.1")
        if outcome == "limited":
            break
    assert outcome == "limited" and checks.calls <= limit
    assert _attempt(ws, settings, "observer_deu", PASSWORD, "10.1.1.1") == "limited"


def test_one_address_cannot_spray_user_names(ws: Workspace, checks: Checks) -> None:
    settings = _settings(ws, login_max_failures_per_client=3)
    names = [f"nobody-{uuid.uuid4().hex[:8]}" for _ in range(6)]
    results = [_attempt(ws, settings, n, "x", "10.2.2.2") for n in names]
    assert results == ["denied"] * 3 + ["limited"] * 3
    assert checks.calls == 3  # no hashing once the address is over its limit
    # unknown names were checked against the dummy hash, like a wrong password
    assert checks.hashes == [None, None, None]
    # another address is not affected
    assert _attempt(ws, settings, "lead", PASSWORD, "10.2.2.3") == "ok"


def test_global_limit_bounds_a_distributed_flood(ws: Workspace, checks: Checks) -> None:
    settings = _settings(ws, login_max_failures_total=4, login_max_failures_per_client=2)
    # One address over its own limit: its refused attempts leave nothing behind, so they do
    # not use up the global budget.
    first = [_attempt(ws, settings, f"n{i}", "x", "10.3.0.1") for i in range(6)]
    assert first == ["denied", "denied"] + ["limited"] * 4
    assert _rows(ws) == 2
    spread = [_attempt(ws, settings, f"m{i}", "x", f"10.3.1.{i}") for i in range(4)]
    assert spread == ["denied", "denied", "limited", "limited"]
    assert checks.calls == 4


def test_password_checks_beyond_the_semaphore_get_429_at_once(
    ws: Workspace, checks: Checks
) -> None:
    settings = ws.app.state.settings
    slots = settings.login_concurrent_hashes
    checks.gate.clear()
    holders = [
        threading.Thread(target=_attempt, args=(ws, settings, "lead", f"x{i}", f"10.4.0.{i}"))
        for i in range(slots)
    ]
    for t in holders:
        t.start()
    deadline = time.monotonic() + 20
    while checks.calls < slots and time.monotonic() < deadline:
        time.sleep(0.01)
    assert checks.calls == slots
    try:
        c = ws.new_client()
        for name in ("observer_fra", f"unknown-{uuid.uuid4().hex[:6]}"):
            r = c.post(f"{API}/auth/login", json={"username": name, "password": PASSWORD})
            assert r.status_code == 429, r.text
            assert r.json()["error"]["code"] == "rate_limited"
            assert r.headers["retry-after"] == "1"
        assert checks.calls == slots  # refused without hashing
        assert _rows(ws) == slots  # and not counted as failures
    finally:
        checks.gate.set()
        for t in holders:
            t.join(20)
    r = ws.new_client().post(f"{API}/auth/login",
                             json={"username": "observer_fra", "password": PASSWORD})
    assert r.status_code == 200
