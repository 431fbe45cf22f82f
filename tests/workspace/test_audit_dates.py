"""``GET /api/v1/audit?since=&until=``: entries of UTC days, both included; a bad date is 422."""

from __future__ import annotations

from sqlalchemy import text

from .conftest import Workspace

API = "/api/v1"


def _seqs(ws: Workspace, **params: str) -> list[int]:
    r = ws.client("admin").get(f"{API}/audit", params={"limit": 500, **params})
    assert r.status_code == 200, r.text
    return [e["seq"] for e in r.json()["items"]]


def test_audit_entries_by_day(ws: Workspace) -> None:
    everything = _seqs(ws)
    assert len(everything) >= 3
    first, second, *rest = sorted(everything)
    # Place two entries on known days (the chain is not verified here).
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET at = '2026-03-01T23:59:59.999999+00:00' "
                          "WHERE seq = :s"), {"s": first})
        conn.execute(text("UPDATE audit_log SET at = '2026-03-02T00:00:00.000000+00:00' "
                          "WHERE seq = :s"), {"s": second})
    assert _seqs(ws, since="2026-03-01", until="2026-03-01") == [first]
    assert _seqs(ws, since="2026-03-02", until="2026-03-02") == [second]
    assert sorted(_seqs(ws, until="2026-03-02")) == [first, second]
    # The other entries were written now, after both days.
    assert sorted(_seqs(ws, since="2026-03-02")) == [second, *rest]
    for bad in ("2026-3-1", "20260301", "yesterday", "2026-02-30"):
        r = ws.client("admin").get(f"{API}/audit", params={"since": bad})
        assert r.status_code == 422, bad
        assert r.json()["error"]["field"] == "since"
