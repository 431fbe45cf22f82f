"""The web pages record the labelled records they show as audit read entries (issue 14).

The entries' content, grouping and visibility are tested through the API in
``tests/workspace/test_audit_reads.py``; here: which pages append them, naming what they show.
"""

from __future__ import annotations

import csv
import io
import re

import yaml
from sqlalchemy import func, select

from forcegen.workspace.audit.models import AuditEntry
from forcegen.workspace.database import session_scope

from .conftest import Web


def _head(web: Web) -> int:
    with session_scope(web.factory) as db:
        return int(db.scalar(select(func.max(AuditEntry.seq))) or 0)


def _reads(web: Web, since: int) -> list[tuple[str, str, list[str], int, str | None]]:
    with session_scope(web.factory) as db:
        return [(e.entity, e.after["via"], e.after["ids"], e.after["count"], e.actor)
                for e in db.scalars(select(AuditEntry).where(
                    AuditEntry.action == "read", AuditEntry.seq > since)
                    .order_by(AuditEntry.seq))]


def test_detail_list_and_csv_pages(web: Web) -> None:
    c = web.signed_in("lead")
    page = c.get("/pledges")
    assert page.status_code == 200
    shown = sorted(set(re.findall(r'href="/pledges/([A-Z0-9-]+)"', page.text)))
    assert shown
    start = _head(web)
    assert c.get("/pledges").status_code == 200
    got = _reads(web, start)
    assert {(e, v, a) for e, v, _, _, a in got} == {("pledge", "web list", "lead")}
    assert sorted(i for _, _, ids, _, _ in got for i in ids) == shown
    start = _head(web)
    assert c.get(f"/pledges/{shown[0]}").status_code == 200
    assert _reads(web, start) == [("pledge", "web get", [shown[0]], 1, "lead")]
    start = _head(web)
    r = c.get("/requirements.csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[1:]
    got = _reads(web, start)
    assert {e for e, *_ in got} == {"requirement"}
    assert sum(n for *_, n, _ in got) == len(rows)
    # A hidden or missing record writes nothing.
    start = _head(web)
    assert c.get("/pledges/NOPE-1").status_code == 404
    assert _head(web) == start


def test_scenario_download_records_every_record_exported(web: Web) -> None:
    c = web.signed_in("lead")
    start = _head(web)
    r = c.get("/scenario/download/yaml")
    assert r.status_code == 200
    doc = yaml.safe_load(r.content)
    got = _reads(web, start)
    for entity, section in (("pledge", "pledges"), ("requirement", "requirements")):
        assert sum(n for e, _, _, n, _ in got if e == entity) == len(doc[section])
    assert {v for _, v, *_ in got} == {"web export yaml"}
    # A liaison may not download it: refused, nothing written.
    start = _head(web)
    assert web.signed_in("liaison_fra").get("/scenario/download/yaml").status_code == 403
    assert _reads(web, start) == []
