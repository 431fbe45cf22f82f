"""TAXII 2.1 objects GET with filtering: forcegen's server against the OASIS reference server.

Usage::

    python bench/taxii.py                 # 100,000 objects (a few minutes, mostly loading)
    python bench/taxii.py --quick         # 10,000 objects, fewer requests (smoke run)

Both servers hold the same ``--objects`` STIX objects (half indicators; attack patterns and
notes), each with its label marking definition, so ``2 * --objects`` STIX objects in all:

* forcegen: the workspace app under uvicorn (one process), SQLite file, objects inserted as
  ``POST`` would store them (signed labels: a quarter NATO UNCLASSIFIED, a quarter NATO
  RESTRICTED REL TO GBR, NZL, a quarter REL TO FRA only, a quarter NATO SECRET). The reader is
  a GBR liaison cleared NATO CONFIDENTIAL: half the objects are hidden from them, and every
  answer is filtered object by object;
* ``medallion`` 3.0 (OASIS TAXII 2.1 reference server), memory backend, as its own
  ``medallion`` command runs it (Flask, threaded), with the same objects and no filtering
  (it has no labels).

One client (``requests``), sequential requests, both servers measured in the same run and in
alternating order: first page of ``match[type]=indicator`` (``limit=100``), one object by
``match[id]``, ``added_after`` (the last 1% added), and a full paged read of every indicator
(``limit=1000``, following ``next``). Throughput is requests or objects per second; the
target (issue 15) is >= 5x medallion's.

Results: ``bench/results/taxii.json`` with the machine's facts and the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import insert

from forcegen.intel.markings import label_marking, label_marking_id
from forcegen.intel.objects import version_key
from forcegen.intel.signing import content_bytes
from forcegen.labels.binding import bind
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.label import label_to_json, make_label
from forcegen.workspace.auth.service import create_api_token
from forcegen.workspace.database import make_engine, make_session_factory, session_scope, upgrade
from forcegen.workspace.intel.models import IntelObject
from forcegen.workspace.intel.store import canonical, create_collection
from forcegen.workspace.models import User
from forcegen.workspace.reference import Nation

OUT = Path(__file__).resolve().parent / "results" / "taxii.json"
MEDIA = "application/taxii+json;version=2.1"
COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def make_objects(n: int, seed: int = 15) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        kind = ("indicator", "indicator", "attack-pattern", "note")[i % 4]
        oid = f"{kind}--{uuid.UUID(int=rnd.getrandbits(128), version=4)}"
        when = stamp(T0 + dt.timedelta(seconds=i))
        obj: dict[str, Any] = {"type": kind, "spec_version": "2.1", "id": oid,
                               "created": when, "modified": when}
        if kind == "indicator":
            ip = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
            obj.update(name=f"C2 {ip}", pattern=f"[ipv4-addr:value = '{ip}']",
                       pattern_type="stix", valid_from="2026-11-01T00:00:00Z")
        elif kind == "attack-pattern":
            obj["name"] = f"Technique {i}"
        else:
            obj.update(content=f"Note {i}", object_refs=[oid.replace("note", "indicator")])
        out.append(obj)
    return out


def signed_rows(objects: list[dict[str, Any]], key: SigningKey
                ) -> tuple[list[dict[str, Any]], list[dict]]:
    """Rows for ``intel_objects`` and the STIX objects served (object, marking, ...)."""
    labels = [make_label("NATO", "NATO UNCLASSIFIED", originator="GBR"),
              make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["GBR", "NZL"]},
                         originator="GBR"),
              make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["FRA"]},
                         originator="GBR"),
              make_label("NATO", "NATO SECRET", originator="GBR")]
    rows, stix = [], []
    for i, obj in enumerate(objects):
        label = labels[i * 7 % 4]  # not in step with the types
        mark_id = label_marking_id(obj["id"], obj["modified"])
        binding = bind(label, content_bytes(obj, mark_id), key)
        obj = {**obj, "object_marking_refs": [mark_id]}
        mark = label_marking(obj["id"], obj["modified"], binding)
        added = T0 + dt.timedelta(microseconds=2 * i)
        common = {"collection_id": COLLECTION, "spec_version": "2.1", "date_added": added,
                  "label": canonical(label_to_json(label)),
                  "signature": canonical({k: v for k, v in binding.to_json().items()
                                          if k != "label"}),
                  "marking_id": mark_id, "sector": None, "added_by": "bench"}
        for o in (obj, mark):
            version = o.get("modified") or o["created"]
            rows.append({**common, "object_id": o["id"], "type": o["type"],
                         "version": version_key(version),
                         "body": canonical(o)})
            stix.append((o, stamp(added)))
    return rows, stix


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, headers: dict[str, str], auth: Any = None, timeout: float = 300) -> bool:
    """Whether the server answered ``url`` within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            left = max(1.0, deadline - time.monotonic())
            if requests.get(url, headers=headers, auth=auth, timeout=left).status_code == 200:
                return True
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    return False


def start_forcegen(url: str, port: int, keys: Path) -> subprocess.Popen[bytes]:
    """The workspace under uvicorn; every row served is verified against ``keys``."""
    code = ("import sys, uvicorn\n"
            "from forcegen.workspace.api.app import create_app\n"
            "from forcegen.workspace.config import Settings\n"
            "app = create_app(Settings(database_url=sys.argv[1], migrate_on_start=False,"
            " intel_key_list=sys.argv[3]))\n"
            "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[2]), log_level='warning',"
            " access_log=False)\n")
    return subprocess.Popen([sys.executable, "-c", code, url, str(port), str(keys)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_medallion(folder: Path, port: int, stix: list[tuple[dict, str]]) -> subprocess.Popen:
    objects = [{**o, "__meta": {"date_added": added,
                                "media_type": "application/stix+json;version=2.1"}}
               for o, added in stix]
    manifest = [{"id": o["id"], "date_added": added,
                 "version": o.get("modified") or o["created"],
                 "media_type": "application/stix+json;version=2.1"} for o, added in stix]
    data = {
        "/discovery": {"title": "bench", "default": f"http://127.0.0.1:{port}/api1/",
                       "api_roots": [f"http://127.0.0.1:{port}/api1/"]},
        "api1": {"information": {"title": "bench", "versions": [MEDIA],
                                 "max_content_length": 100_000_000},
                 "status": [],
                 "collections": [{"id": COLLECTION, "title": "bench", "can_read": True,
                                  "can_write": True,
                                  "media_types": ["application/stix+json;version=2.1"],
                                  "objects": objects, "manifest": manifest}]},
    }
    (folder / "medallion-data.json").write_text(json.dumps(data))
    config = {"backend": {"module": "medallion.backends.memory_backend",
                          "module_class": "MemoryBackend",
                          "filename": str(folder / "medallion-data.json"),
                          "session_timeout": 2, "check_interval": 1},
              "users": {"bench": "bench"}, "taxii": {"max_page_size": 1000}}
    (folder / "medallion.json").write_text(json.dumps(config))
    return subprocess.Popen([sys.executable, "-c", "from medallion.scripts.run import main; main()",
                             "--port", str(port), str(folder / "medallion.json")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def load_forcegen(url: str, rows: list[dict[str, Any]]) -> str:
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with session_scope(factory) as db:
        db.add(Nation(code="GBR", groups=["NATO", "FVEY"], extra={}))
        db.flush()
        user = User(username="gbr", password_hash="x", role="liaison", nation="GBR",
                    clearance=2)
        db.add(user)
        db.flush()
        _, token = create_api_token(db, user, "bench")
        create_collection(db, "bench", make_label("NATO", "NATO UNCLASSIFIED"),
                          collection_id=COLLECTION)
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(insert(IntelObject), rows[start:start + 5000])
    engine.dispose()
    return token


class Target:
    def __init__(self, name: str, base: str, headers: dict[str, str], auth: Any) -> None:
        self.name, self.base = name, base
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.session.auth = auth

    def get(self, params: dict[str, Any]) -> dict[str, Any]:
        r = self.session.get(self.base, params=params, timeout=600)
        r.raise_for_status()
        return r.json()  # type: ignore[no-any-return]

    def paged(self, params: dict[str, Any]) -> int:
        n, env = 0, self.get(params)
        while True:
            n += len(env.get("objects", []))
            if not env.get("more"):
                return n
            env = self.get({**params, "next": env["next"]})


def timed(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Seconds for ``repeat`` calls and the objects they returned."""
    t = time.perf_counter()
    count = sum(fn() for _ in range(repeat))
    return time.perf_counter() - t, count


def run_workloads(targets: list[Target], objects: list[dict[str, Any]], repeat: int,
                  ) -> dict[str, Any]:
    rnd = random.Random(7)
    probe = iter([objects[rnd.randrange(len(objects))]["id"] for _ in range(4 * repeat)])
    recent = stamp(T0 + dt.timedelta(microseconds=2 * int(len(objects) * 0.99)))
    workloads: dict[str, tuple[Callable[[Target], int], int, str]] = {
        "first page, match[type]=indicator, limit=100": (
            lambda t: len(t.get({"match[type]": "indicator", "limit": 100}).get("objects", [])),
            repeat, "requests"),
        "one object by match[id]": (
            lambda t: len(t.get({"match[id]": next(probe)}).get("objects", [])),
            repeat, "requests"),
        "added_after (last 1% added), limit=1000": (
            lambda t: len(t.get({"added_after": recent, "limit": 1000}).get("objects", [])),
            repeat, "requests"),
        "every indicator, paged (limit=1000, next)": (
            lambda t: t.paged({"match[type]": "indicator", "limit": 1000}), 1, "objects"),
    }
    results: dict[str, Any] = {}
    for name, (call, times, unit) in workloads.items():
        row: dict[str, Any] = {}
        order = targets if len(results) % 2 == 0 else targets[::-1]
        for target in order:
            seconds, count = timed(functools.partial(call, target), times)
            rate = (times if unit == "requests" else count) / seconds
            row[target.name] = {"seconds": round(seconds, 3), "objects": count,
                                f"{unit}_per_s": round(rate, 2)}
        key = f"{unit}_per_s"
        if "medallion" in row:
            row["ratio"] = round(row["forcegen"][key] / row["medallion"][key], 2)
        results[name] = row
        print(f"  {name}: " + ", ".join(f"{k} {v[key]} {unit}/s ({v['objects']} objects)"
                                        for k, v in row.items() if isinstance(v, dict))
              + (f" -> x{row['ratio']}" if "ratio" in row else ""), flush=True)
    return results


def measure(n: int, repeat: int, medallion_wait: float) -> dict[str, Any]:
    """Both servers over the same ``n`` objects (medallion dropped if it cannot answer)."""
    print(f"{n} objects ({2 * n} STIX objects with their label markings)", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="forcegen-taxii-bench-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        t = time.perf_counter()
        objects = make_objects(n)
        key = SigningKey.generate("GBR")
        keys = folder / "keys.json"
        keys.write_text(json.dumps(KeyList([key.public]).to_json()))
        rows, stix = signed_rows(objects, key)
        build_s = time.perf_counter() - t
        url = f"sqlite:///{folder / 'bench.sqlite'}"
        t = time.perf_counter()
        token = load_forcegen(url, rows)
        load_s = time.perf_counter() - t
        del rows
        fport, mport = free_port(), free_port()
        procs.append(start_forcegen(url, fport, keys))
        procs.append(start_medallion(folder, mport, stix))
        del stix
        fbase = f"http://127.0.0.1:{fport}/taxii2/forcegen/collections/{COLLECTION}/objects/"
        mbase = f"http://127.0.0.1:{mport}/api1/collections/{COLLECTION}/objects/"
        fh = {"Accept": MEDIA, "Authorization": f"Bearer {token}"}
        mh = {"Accept": MEDIA}
        targets = [Target("forcegen", fbase, fh, None)]
        wait_up(fbase + "?limit=1", fh, timeout=300)
        t = time.perf_counter()
        medallion_up = wait_up(mbase + "?limit=1", mh, ("bench", "bench"), medallion_wait)
        first = time.perf_counter() - t
        if medallion_up:
            targets.append(Target("medallion", mbase, mh, ("bench", "bench")))
        else:  # stop it: it would go on computing the abandoned page beside our server
            procs[1].kill()
            print(f"  medallion did not answer a first page within {medallion_wait:.0f} s",
                  flush=True)
        results = run_workloads(targets, objects, repeat)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(folder, ignore_errors=True)
    return {"objects": n, "stix_objects_stored": 2 * n, "requests_per_workload": repeat,
            "build_and_sign_s": round(build_s, 1), "load_s": round(load_s, 1),
            "medallion_first_page_s": round(first, 1) if medallion_up else
            f"no answer within {medallion_wait:.0f} s",
            "results": results}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--objects", type=int, default=100_000)
    ap.add_argument("--compare", type=int, default=1_000,
                    help="also measure both servers on this many objects (medallion's memory "
                         "backend is quadratic in the collection's size)")
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--compare-requests", type=int, default=3,
                    help="requests per workload at the --compare size (medallion is slow)")
    ap.add_argument("--medallion-wait", type=float, default=300.0,
                    help="seconds medallion may take for one first page before it is dropped")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if args.quick:
        args.objects, args.compare, args.requests, args.medallion_wait = 5_000, 500, 5, 60
    load_before = os.getloadavg()
    runs = [measure(n, args.compare_requests if n == args.compare else args.requests,
                    args.medallion_wait) for n in sorted({args.compare, args.objects})]
    doc = {
        "visible_to_reader": "half (labels); medallion serves everything (it has no labels)",
        "runs": runs,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    if not args.quick:
        args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(json.dumps({"load_before": doc["load_average_before"],
                      "load_after": doc["load_average_after"]}))


if __name__ == "__main__":
    main()
