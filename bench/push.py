"""Push delivery: p99 latency with 100 Server-Sent Events subscribers and 50 objects per second.

Usage::

    python bench/push.py                          # SQLite, one server process
    python bench/push.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/intel15 \\
        --processes 2                             # subscribers on one process, posts to another

A workspace server (uvicorn, one or two processes) holds one collection. Subscribers (GBR
liaisons; half the objects are released to them, the rest to FRA only, so every stream filters)
connect to the first process; a poster sends signed indicators at a fixed rate to the last
process with the TAXII objects POST, ``--per-post`` (10) to an envelope. Each delivery's
latency is the time from the start of the POST to the arrival of the event at a subscriber
(same machine clock); ``after_stored_s`` is from the POST's answer (the objects stored and
committed) to the event, so it leaves out the STIX validation of the POST itself
(``post_s``). At most four posts are in flight: the achieved rate shows any shortfall. Two phases
in the same run: the baseline, one subscriber at the same rate, then ``--subscribers``; the
ratio of their p99 shows what fan-out costs. The subscribers and the poster run in this one
process (asyncio, ``httpx``) on the same cores as the server.

Target (issue 15): p99 under 1 s with 100 subscribers and 50 objects per second.
Results: ``bench/results/push.json`` with the load average before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2 as httpx  # httpx2: the maintained fork the venv pins (constraints.txt)

from forcegen.intel.signing import sign_object
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.label import make_label
from forcegen.workspace.auth.service import create_api_token
from forcegen.workspace.database import make_engine, make_session_factory, session_scope, upgrade
from forcegen.workspace.intel.store import create_collection
from forcegen.workspace.models import User
from forcegen.workspace.reference import Nation

OUT = Path(__file__).resolve().parent / "results" / "push.json"
MEDIA = "application/taxii+json;version=2.1"
COLLECTION = "5e1d0c7a-50b5-4d2e-9a59-000000000015"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str) -> str:
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(make_session_factory(engine)) as db:
        for code in ("GBR", "FRA"):
            db.add(Nation(code=code, groups=["NATO"], extra={}))
        db.flush()
        user = User(username="gbr", password_hash="x", role="liaison", nation="GBR",
                    clearance=2)
        db.add(user)
        db.flush()
        _, token = create_api_token(db, user, "bench")
        create_collection(db, "bench", make_label("NATO", "NATO UNCLASSIFIED"),
                          collection_id=COLLECTION)
    engine.dispose()
    return token


def start(url: str, port: int, keys: Path, profile: Path | None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FORCEGEN_DATABASE_URL": url, "FORCEGEN_INTEL_KEY_LIST": str(keys),
           "FORCEGEN_MIGRATE_ON_START": "false"}
    # --profile: the server's event loop thread under cProfile (not its worker threads).
    prof = ["-c", _PROFILED, str(profile / f"server-{port}.prof")] if profile else \
        ["-m", "uvicorn"]
    return subprocess.Popen([sys.executable, *prof, "--factory",
                             "forcegen.workspace.api.app:create_app", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning", "--no-access-log"],
                            env=env, stdout=subprocess.DEVNULL,
                            stderr=open(os.environ.get("PUSH_BENCH_LOG", os.devnull), "ab"))


# uvicorn re-raises SIGTERM after its shutdown: a handler of ours turns it into an exit that
# lets the profile be written.
_PROFILED = """
import cProfile, signal, sys
from uvicorn.main import main
out, sys.argv = sys.argv[1], ["uvicorn", *sys.argv[2:]]
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
profile = cProfile.Profile()
profile.enable()
try:
    main()
except SystemExit:
    pass
finally:
    profile.disable()
    profile.dump_stats(out)
"""


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the server processes have used (Linux ``/proc``).

    On a shared machine wall-clock latency follows the load; CPU seconds per object do not.
    """
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (after the name)
    return total / os.sysconf("SC_CLK_TCK")


def wait_up(base: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/taxii2/", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{base} did not start")


def envelopes(n: int, key: SigningKey, per_post: int) -> list[tuple[list[str], bytes]]:
    """``n`` signed indicators, ``per_post`` per envelope; every other one hidden from the reader.

    Returns (the indicator ids, the envelope) per post.
    """
    labels = [make_label("NATO", "NATO UNCLASSIFIED", {"Releasable To": ["GBR"]},
                         originator="GBR"),
              make_label("NATO", "NATO UNCLASSIFIED", {"Releasable To": ["FRA"]},
                         originator="GBR")]
    objs: list[tuple[str, list[dict[str, Any]]]] = []
    for i in range(n):
        ip = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
        obj = {"type": "indicator", "spec_version": "2.1",
               "id": f"indicator--{uuid.uuid4()}",
               "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z",
               "name": f"C2 {ip}", "pattern": f"[ipv4-addr:value = '{ip}']",
               "pattern_type": "stix", "valid_from": "2026-12-01T00:00:00Z"}
        signed, mark = sign_object(obj, labels[i % 2], key)
        objs.append((obj["id"], [signed, mark]))
    out = []
    for start in range(0, n, per_post):
        chunk = objs[start:start + per_post]
        out.append(([oid for oid, _ in chunk],
                    json.dumps({"objects": [o for _, pair in chunk for o in pair]}).encode()))
    return out


async def subscriber(base: str, token: str, arrivals: list[tuple[str, float]],
                     ready: asyncio.Event, stop: asyncio.Event, status: list[int]) -> None:
    headers = {"Accept": "text/event-stream", "Authorization": f"Bearer {token}"}
    url = f"{base}/taxii2/forcegen/collections/{COLLECTION}/events/"
    async with httpx.AsyncClient(timeout=None) as client, \
            client.stream("GET", url, headers=headers) as resp:
        status.append(resp.status_code)
        ready.set()
        async for line in resp.aiter_lines():
            if line.startswith("data: ") and '"type":"indicator"' in line:
                arrivals.append((json.loads(line[6:])["id"], time.perf_counter()))
            if stop.is_set():
                break


async def _post(client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str],
                oids: list[str], done: dict[str, float], gate: asyncio.Semaphore) -> int:
    async with gate:
        try:
            status = (await client.post(url, content=body, headers=headers)).status_code
        except httpx.HTTPError:
            status = 0
    for oid in oids:
        done[oid] = time.perf_counter()
    return status


async def phase(sub_base: str, post_base: str, token: str, subscribers: int, rate: float,
                items: list[tuple[list[str], bytes]]) -> dict[str, Any]:
    """``rate``: envelopes per second."""
    arrivals: list[list[tuple[str, float]]] = [[] for _ in range(subscribers)]
    readies = [asyncio.Event() for _ in range(subscribers)]
    stop = asyncio.Event()
    statuses: list[int] = []
    tasks = []
    # Subscribers connect ten at a time (a hundred at once would queue for the server's
    # database connections while it authenticates them).
    for start in range(0, subscribers, 10):
        wave = range(start, min(start + 10, subscribers))
        tasks += [asyncio.create_task(subscriber(sub_base, token, arrivals[i], readies[i],
                                                 stop, statuses)) for i in wave]
        await asyncio.gather(*(readies[i].wait() for i in wave))
    await asyncio.sleep(1.0)
    sent: dict[str, float] = {}
    done: dict[str, float] = {}
    # At most a few posts in flight: beyond what the server absorbs, more would only queue
    # in its connection pool (the achieved rate then shows the shortfall).
    gate = asyncio.Semaphore(4)
    headers = {"Accept": MEDIA, "Content-Type": MEDIA, "Authorization": f"Bearer {token}"}
    url = f"{post_base}/taxii2/forcegen/collections/{COLLECTION}/objects/"
    posts: list[asyncio.Task[Any]] = []
    async with httpx.AsyncClient(timeout=300) as client:
        t0 = time.perf_counter()
        for i, (oids, body) in enumerate(items):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            for oid in oids:
                sent[oid] = time.perf_counter()
            posts.append(asyncio.create_task(_post(client, url, body, headers, oids, done,
                                                   gate)))
        answers = await asyncio.gather(*posts)
        post_s = time.perf_counter() - t0
    every = [oid for oids, _ in items for oid in oids]
    connected = sum(1 for x in statuses if x == 200)
    want = connected * sum(1 for i, a in enumerate(answers) if a == 202
                             for _ in items[i][0][::2])
    drain = time.perf_counter() + 30  # the last ones delivered (or given up on)
    while sum(len(a) for a in arrivals) < want and time.perf_counter() < drain:
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    visible = {oid for i, oid in enumerate(every) if i % 2 == 0}
    lat = sorted(at - sent[oid] for arr in arrivals for oid, at in arr if oid in sent)
    # After the server answered 202 (stored and committed); an event may arrive first: 0.
    after = sorted(max(0.0, at - done[oid]) for arr in arrivals for oid, at in arr
                   if oid in done)
    posting = sorted(done[o] - sent[o] for o in done)
    leaked = sum(1 for arr in arrivals for oid, _ in arr if oid not in visible)
    expected = subscribers * len(visible)

    def pct(values: list[float], p: float) -> float | None:
        return round(values[min(len(values) - 1, int(p * len(values)))], 4) if values else None

    def dist(values: list[float]) -> dict[str, float | None]:
        return {"p50": pct(values, 0.5), "p90": pct(values, 0.9), "p99": pct(values, 0.99),
                "max": round(values[-1], 4) if values else None}

    counts = sorted(len(a) for a in arrivals)
    return {"subscribers": subscribers, "subscribers_connected": connected,
            "deliveries_per_subscriber_min_max": [counts[0], counts[-1]],
            "objects_posted": len(every),
            "objects_per_s_target": rate * len(items[0][0]),
            "objects_per_s_achieved": round(len(every) / post_s, 1),
            "objects_per_post": len(items[0][0]),
            "posts_failed": sum(1 for a in answers if a != 202),
            "deliveries_expected": expected, "deliveries": len(lat),
            "hidden_delivered": leaked,
            "latency_s": dist(lat),  # from the start of the POST to the event
            "after_stored_s": dist(after),  # from the 202 answer to the event
            "post_s": dist(posting)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subscribers", type=int, default=100)
    ap.add_argument("--rate", type=float, default=50.0, help="objects per second")
    ap.add_argument("--per-post", type=int, default=10,
                    help="objects per POST (the poster sends rate/per-post envelopes a second)")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--database-url", default=None,
                    help="default: a new SQLite file (PostgreSQL: an empty database)")
    ap.add_argument("--processes", type=int, default=1, choices=(1, 2))
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--profile", type=Path, default=None,
                    help="a folder: run the servers under cProfile, one .prof file each")
    args = ap.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="forcegen-push-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'push.sqlite'}"
    key = SigningKey.generate("GBR")
    keys = folder / "keys.json"
    keys.write_text(json.dumps(KeyList([key.public]).to_json()))
    token = seed(url)
    n = int(args.rate * args.seconds)
    procs, bases = [], []
    load_before = os.getloadavg()
    try:
        for _ in range(args.processes):
            port = free_port()
            procs.append(start(url, port, keys, args.profile))
            bases.append(f"http://127.0.0.1:{port}")
        for b in bases:
            wait_up(b)
        posts_per_s = args.rate / args.per_post
        pids = [p.pid for p in procs]

        def run(subscribers: int) -> dict[str, Any]:
            items = envelopes(n, key, args.per_post)
            cpu = cpu_seconds(pids)
            out = asyncio.run(phase(bases[0], bases[-1], token, subscribers, posts_per_s, items))
            # The servers' CPU over the phase (connecting, posting, fanning out, draining):
            # what decides the latency once the machine is shared.
            cpu = cpu_seconds(pids) - cpu
            out["server_cpu_s"] = round(cpu, 2)
            out["server_cpu_ms_per_object"] = round(1000 * cpu / out["objects_posted"], 2)
            return out

        baseline = run(1)
        print(json.dumps({"baseline": baseline}), flush=True)
        loaded = run(args.subscribers)
        print(json.dumps({"fan_out": loaded}), flush=True)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(folder, ignore_errors=True)
    p99, base99 = loaded["latency_s"]["p99"], baseline["latency_s"]["p99"]
    s99, sbase99 = loaded["after_stored_s"]["p99"], baseline["after_stored_s"]["p99"]
    doc = {"backend": url.split(":", 1)[0], "processes": args.processes,
           "baseline_one_subscriber": baseline, "fan_out": loaded,
           "p99_ratio_fan_out_to_baseline": round(p99 / base99, 2) if p99 and base99 else None,
           "after_stored_p99_ratio_fan_out_to_baseline":
               round(s99 / sbase99, 2) if s99 and sbase99 else None,
           "target_p99_s": 1.0, "met": bool(p99 is not None and p99 < 1.0
                                             and loaded["deliveries"] == loaded[
                                                 "deliveries_expected"]),
           "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                       "platform": platform.platform()},
           "load_average_before": [round(x, 2) for x in load_before],
           "load_average_after": [round(x, 2) for x in os.getloadavg()]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(json.dumps({k: doc[k] for k in ("p99_ratio_fan_out_to_baseline", "met",
                                          "load_average_before", "load_average_after")}))


if __name__ == "__main__":
    main()
