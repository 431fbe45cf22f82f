"""A burst of clients that takes every pooled connection gets 503 "busy", never a 500."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from forcegen.workspace.database import make_engine, upgrade

from .conftest import build_app


def test_exhausted_pool_answers_503_busy_with_retry_after(tmp_path: Path) -> None:
    # One pooled connection, no overflow, a short wait: holding it makes the pool "full".
    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}", pool_size=1, max_overflow=0,
                         pool_timeout=0.2)
    upgrade(engine)
    app = build_app(engine)
    client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    assert client.get("/api/v1/health").status_code == 200
    with engine.connect() as held:
        held.execute(text("SELECT 1"))
        r = client.get("/api/v1/pledges", headers={"Authorization": "Bearer nothing"})
    assert r.status_code == 503
    assert r.headers["retry-after"] == "1"
    assert r.json()["error"]["code"] == "busy"
    # The connection back in the pool, the same request is answered normally (401: no account).
    assert client.get("/api/v1/pledges",
                      headers={"Authorization": "Bearer nothing"}).status_code == 401
    engine.dispose()
