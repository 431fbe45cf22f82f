"""The workspace's label filter on the labels engine against the former five-level rule.

Usage::

    python bench/labels_workspace.py [--pledges 5000] [--labelled 0.2] [--reps 50]

Builds a SQLite workspace with ``--pledges`` pledges (``bench/api.py``'s generated scenario),
labels ``--labelled`` of them (levels and releasability lists, in the stored label form) and,
for a reader cleared TOP SECRET of nation FRA, times in the same run:

* the filtered count of pledges with the engine's rules compiled to SQL
  (``access.label_visible``) against the former rule's SQL (``labels.visible_clause``, the
  baseline); both must select the same rows, and the engine deciding every row in Python
  (``readers.Reader``) must agree;
* the same agreement for a reader the labels hide rows from (RESTRICTED, nation POL);
* deciding a page of 100 rows with the engine (``Reader.sees_row``: parsed and decided once
  per distinct label, remembered across requests) against the former per-row rule
  (``labels.may_see``).

Results: ``bench/results/labels_workspace.json`` with the load average before and after.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from forcegen.workspace import labels
from forcegen.workspace.access import label_visible
from forcegen.workspace.database import make_engine, make_session_factory, session_scope
from forcegen.workspace.models import Pledge, User
from forcegen.workspace.readers import Reader

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "labels_workspace.json"


def _api_bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_api", HERE / "api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _times(fn: Any, reps: int) -> dict[str, float]:
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return {"min_ms": round(min(out) * 1e3, 3), "median_ms": round(statistics.median(out) * 1e3, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pledges", type=int, default=5000)
    ap.add_argument("--labelled", type=float, default=0.2)
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    api = _api_bench()
    folder = tempfile.mkdtemp(prefix="fg-labels-ws-")
    url = f"sqlite:///{folder}/bench.sqlite"
    api.prepare(url, args.pledges)
    labelled = api.label_fraction(url, args.labelled)
    load_before = os.getloadavg()[0]
    engine = make_engine(url)
    table: Any = Pledge.__table__
    c = table.c
    result: dict[str, Any] = {"pledges": args.pledges, "labelled": labelled}
    with session_scope(make_session_factory(engine)) as db:
        user = db.query(User).filter_by(username="bench").one()
        old = labels.visible_clause(user.clearance, user.nation, c.classification,
                                    c.releasable_to, c.nation)
        new = label_visible(user, table, c.nation)
        ids_old = set(db.scalars(select(c.id).where(old)))
        ids_new = set(db.scalars(select(c.id).where(new)))
        rows = db.execute(select(c.id, c.label, c.classification, c.releasable_to,
                                 c.nation)).mappings().all()
        reader = Reader(user)
        ids_engine = {r["id"] for r in rows if reader.sees_row(r, r["nation"])}
        result["all_agree"] = ids_old == ids_new == ids_engine
        result["visible"] = len(ids_new)
        # and a reader the labels hide rows from (RESTRICTED, nation POL)
        other = User(username="x", role="observer", nation="POL", clearance=1)
        other_sql = set(db.scalars(select(c.id).where(label_visible(other, table, c.nation))))
        other_old = set(db.scalars(select(c.id).where(labels.visible_clause(
            1, "POL", c.classification, c.releasable_to, c.nation))))
        other_reader = Reader(other)
        other_engine = {r["id"] for r in rows if other_reader.sees_row(r, r["nation"])}
        result["hidden_reader_agrees"] = other_sql == other_old == other_engine
        result["hidden_reader_visible"] = len(other_sql)

        def count(clause: Any) -> Any:
            return lambda: db.execute(select(func.count()).select_from(table).where(clause))

        result["count_former_rule_sql"] = _times(count(old), args.reps)
        result["count_engine_sql"] = _times(count(new), args.reps)
        result["count_ratio_engine_vs_former"] = round(
            result["count_engine_sql"]["min_ms"] / result["count_former_rule_sql"]["min_ms"], 2)
        page = rows[:100]
        clearance, nation = user.clearance, user.nation

        def former_page() -> None:
            for r in page:
                labels.may_see(clearance, nation, r["classification"], r["releasable_to"],
                               r["nation"])

        def engine_page() -> None:
            fresh = Reader(user)  # a new request: its own memo, the process-wide decisions
            for r in page:
                fresh.sees_row(r, r["nation"])

        result["page_former_rule"] = _times(former_page, args.reps)
        result["page_engine"] = _times(engine_page, args.reps)
    engine.dispose()
    doc = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_1min_before": load_before, "load_1min_after": os.getloadavg()[0]},
        "workspace_labels": result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
