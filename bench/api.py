"""Workspace API benchmark: pledge list latency under load, and scenario import time.

Usage::

    python bench/api.py [--pledges 5000] [--rate 200] [--seconds 10] [--workers 1,2]
                        [--backends sqlite,postgresql] [--no-imports]

For each backend (SQLite file; PostgreSQL schema in database ``test`` at 127.0.0.1:5432, skipped
if unreachable) it

1. creates a workspace holding a generated scenario with ``--pledges`` pledges (30 nations),
2. starts a real ``uvicorn`` server process on 127.0.0.1 with each ``--workers`` count,
3. measures closed-loop capacity with ``wrk`` if installed (8 connections, each sending as soon
   as its last answer arrived) of ``/api/v1/health`` (the stack's own ceiling: no sign-in, no
   database) and of the pledge list, and reports their ratio,
4. sends ``GET /api/v1/pledges?limit=100&offset=...`` open-loop at ``--rate`` requests/s for
   ``--seconds`` (latency counted from each request's scheduled start, so a stalled server is
   not hidden), and reports p50/p90/p99/max,
5. steps the offered rate up until the server falls behind (completes < 95 % of the offered
   rate or p99 > 50 ms, twice in a row at that rate): the last rate it kept up with is the
   sustained maximum,
6. with ``--labelled F`` (default 0.2), labels that fraction of the pledges (classification,
   releasability) and measures the list again, now with the label filter in every query,
7. unless ``--no-imports``, times importing the bundled example (``examples/reassurance-force``)
   and the generated scenario through ``POST /api/v1/scenario/import``.

The open-loop client is a minimal keep-alive HTTP/1.1 client on asyncio streams in this process
(the server is another process): it spends tens of microseconds per request where httpx spent
about a millisecond, which on a 2-core machine capped what could be measured. It still shares
the cores with the server, so absolute numbers are a floor; the load average is recorded before
and after each server's runs. Loopback only, bounded in requests and time. Results:
``bench/results/api.json``.
"""

from __future__ import annotations

import argparse
import asyncio
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
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "reassurance-force"
RESULTS = ROOT / "bench" / "results" / "api.json"
PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NATIONS = [
    "ALB",
    "BEL",
    "BGR",
    "CAN",
    "HRV",
    "CZE",
    "DNK",
    "EST",
    "FIN",
    "FRA",
    "DEU",
    "GRC",
    "HUN",
    "ISL",
    "ITA",
    "LVA",
    "LTU",
    "LUX",
    "MNE",
    "NLD",
    "MKD",
    "NOR",
    "POL",
    "PRT",
    "ROU",
    "SVK",
    "SVN",
    "ESP",
    "SWE",
    "GBR",
]


def scenario(n_pledges: int, seed: int = 7) -> dict[str, Any]:
    """A valid scenario with ``n_pledges`` pledges over 30 nations and 4 sectors."""
    rng = random.Random(seed)
    caps = [f"BENCH-{i:02d}" for i in range(20)]
    sectors = ["north", "south", "east", "west"]
    statuses = ["offered", "provisional", "approved", "approved", "withdrawn"]
    return {
        "forcegen": 1,
        "name": f"bench {n_pledges} pledges",
        "nations": [{"code": c} for c in NATIONS],
        "catalog": [{"code": c, "name": c, "category": "land", "role": "combat"} for c in caps],
        "sectors": [{"id": s, "at": [20 + i, 50]} for i, s in enumerate(sectors)],
        "requirements": [
            {
                "id": f"R-{i:04d}",
                "capability": rng.choice(caps),
                "quantity": rng.randint(1, 4),
                "sector": rng.choice(sectors),
                "priority": rng.randint(1, 3),
                "notice_days": rng.choice([10, 30, 60]),
            }
            for i in range(400)
        ],
        "pledges": [
            {
                "id": f"P-{i:05d}",
                "nation": rng.choice(NATIONS),
                "capability": rng.choice(caps),
                "quantity": rng.randint(1, 3),
                "personnel": rng.randint(50, 900),
                "notice_days": rng.choice([5, 10, 20, 40]),
                "status": rng.choice(statuses),
                "cost": rng.randint(1, 50) * 1e5,
            }
            for i in range(n_pledges)
        ],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(url: str, port: int, workers: int = 1) -> None:
    """Subprocess entry point: the API on ``url`` in ``workers`` processes, as ``forcegen serve
    --workers`` runs it (``forcegen.serve``: ``SO_REUSEPORT`` sockets with
    ``TCP_NODELAY``). A ``--baseline-src`` tree must have that module, or its earlier home
    ``forcegen.workspace.server`` (commit bdf7acf on)."""
    from forcegen.workspace.config import Settings

    try:
        from forcegen.serve import run_server
    except ImportError:  # a --baseline-src tree from before the layers were enforced
        from forcegen.workspace.server import run_server  # type: ignore[no-redef]

    settings = Settings(database_url=url, cookie_secure=False)
    run_server(settings, "127.0.0.1", port, workers=workers, log_level="warning", web=False)


def prepare(url: str, n_pledges: int) -> str:
    """Migrate, create an admin with an API token, import the generated scenario."""
    from forcegen.scenario import scenario_from_dict
    from forcegen.workspace.accounts import User
    from forcegen.workspace.auth.service import create_api_token
    from forcegen.workspace.database import (
        make_engine,
        make_session_factory,
        session_scope,
        upgrade,
    )
    from forcegen.workspace.scenarios.service import import_scenario
    from forcegen.workspace.users.schemas import UserCreate
    from forcegen.workspace.users.service import create

    engine = make_engine(url)
    upgrade(engine)
    with session_scope(make_session_factory(engine)) as db:
        system = User(username="bench", role="admin", password_hash="!")
        admin = create(db, system, UserCreate(username="bench", password="bench-password-1",
                                              role="admin"))
        _, token = create_api_token(db, admin, "bench")
        import_scenario(db, admin, scenario_from_dict(scenario(n_pledges)), {})
    engine.dispose()
    return token


PAGE_PATH = "/api/v1/pledges?limit=100&offset={offset}"


class _Conn:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol for GETs.

    The load generator shares two cores with the server, so it must cost far less per request
    than the server does: httpx spends about a millisecond of Python per request, this a few
    tens of microseconds (no header objects, no JSON parsing of the 37 kB pages).
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def get(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
                break
        body = await self.reader.readexactly(length)
        return status, body


async def open_loop(
    port: int, token: str, rate: float, seconds: float, pages: int, max_conns: int = 64
) -> dict[str, Any]:
    """Send at ``rate``/s for ``seconds``; latencies from each request's scheduled time.

    Open loop: request ``i`` is due at ``t0 + i / rate`` whatever happened to earlier ones,
    and its latency counts from then, so time spent queued for a free connection (at most
    ``max_conns`` in flight) or in the server's backlog is included, not hidden.
    """
    n = int(rate * seconds)
    requests = [
        (
            f"GET {PAGE_PATH.format(offset=100 * (i % pages))} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\r\n"
        ).encode()
        for i in range(n)
    ]
    idle: list[_Conn] = []
    opened = 0
    free = asyncio.Condition()
    lat: list[float] = []
    errors = 0

    async def connection() -> _Conn:
        nonlocal opened
        async with free:
            while not idle and opened >= max_conns:
                await free.wait()
            if idle:
                return idle.pop()
            opened += 1
        return _Conn(*await asyncio.open_connection("127.0.0.1", port))

    async def release(conn: _Conn | None) -> None:
        nonlocal opened
        async with free:
            if conn is None:
                opened -= 1
            else:
                idle.append(conn)
            free.notify()

    async def one(i: int, scheduled: float) -> None:
        nonlocal errors
        conn: _Conn | None = None
        try:
            conn = await connection()
            status, body = await asyncio.wait_for(conn.get(requests[i]), 10)
            # A page starts with its items; no need to parse 37 kB per answer.
            if status != 200 or not body.startswith(b'{"items":['):
                errors += 1
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
            if conn is not None:
                conn.writer.close()
                conn = None
        lat.append(time.perf_counter() - scheduled)
        await release(conn)

    warm = await connection()  # warm up: one request on a fresh connection
    await asyncio.wait_for(warm.get(requests[0]), 30)  # a hung server fails, not hangs
    await release(warm)
    tasks = []
    t0 = time.perf_counter() + 0.05
    for i in range(n):
        scheduled = t0 + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    for conn in idle:
        conn.writer.close()
    lat.sort()

    def pct(p: float) -> float:
        return round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 2)

    return {
        "offered_rps": rate,
        "requests": n,
        "errors": errors,
        "achieved_rps": round(n / elapsed, 1),
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(1000 * lat[-1], 2),
    }


WRK_ARGS = ("wrk", "-t1", "-c8", "--latency")
WRK_SCRIPT = """
local token, pages, path = "{token}", {pages}, "{path}"
local i = 0
request = function()
  i = i + 1
  local p = path
  if pages > 0 then p = p .. (100 * (i % pages)) end
  return wrk.format("GET", p, {{["Authorization"] = "Bearer " .. token}})
end
"""


def closed_loop(port: int, token: str, path: str, pages: int, seconds: float) -> dict[str, Any]:
    """Throughput with ``wrk`` (C, one thread, 8 connections, each sending as soon as its last
    answer arrived): the server's capacity when the client costs next to nothing. ``{}`` if
    ``wrk`` is not installed."""
    if shutil.which("wrk") is None:
        return {}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT.format(token=token, pages=pages, path=path))
    try:
        out = subprocess.run(
            [*WRK_ARGS, f"-d{seconds:g}s", "-s", f.name, f"http://127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
        )
    finally:
        os.unlink(f.name)
    res: dict[str, Any] = {"connections": 8, "seconds": seconds}
    for line in out.stdout.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            res["rps"] = float(parts[1])
        elif len(parts) == 2 and parts[0] in ("50%", "90%", "99%"):
            res[f"p{parts[0][:-1]}_ms"] = _wrk_ms(parts[1])
        elif "Non-2xx" in line or "Socket errors" in line:
            res.setdefault("errors", []).append(line.strip())
    return res


def _wrk_ms(value: str) -> float:
    for unit, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if value.endswith(unit):
            return round(float(value[: -len(unit)]) * scale, 2)
    return float(value)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def import_time(base: str, token: str, name: str, content: bytes) -> float:
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as c:
        t = time.perf_counter()
        r = c.post("/api/v1/scenario/import", files={"file": (name, content)})
        took = time.perf_counter() - t
    r.raise_for_status()
    return round(took, 3)


def zip_folder(folder: Path) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, str(Path("scenario") / p.relative_to(folder)))
    return buf.getvalue()


def label_fraction(url: str, fraction: float, seed: int = 11) -> int:
    """Label ``fraction`` of the pledges (levels, releasability lists) and clear the bench
    user for everything with nation FRA. Every list released to FRA: the label filter runs in
    every query but hides nothing, so pages are the same as unlabelled and the difference
    is the filter's cost. Returns how many pledges were labelled."""
    from sqlalchemy import text

    from forcegen.labels.legacy import legacy_to_label
    from forcegen.workspace.database import make_engine
    from forcegen.workspace.label_store import label_columns

    rng = random.Random(seed)
    engine = make_engine(url)
    with engine.begin() as conn:
        owners = dict(conn.execute(text("SELECT id, nation FROM pledges ORDER BY id")).all())
        chosen = rng.sample(sorted(owners), int(fraction * len(owners)))
        rels = [None, ",FRA,GBR,", ",DEU,FRA,POL,", ",FRA,"]
        rows = []
        for i in chosen:  # the stored label form (forcegen.workspace.label_store)
            level, rel = rng.randint(1, 3), rng.choice(rels)
            cols = label_columns(legacy_to_label(level, rel, owners[i]), rel, legacy=True)
            rows.append({**cols, "i": i})
        conn.execute(
            text(f"UPDATE pledges SET {', '.join(f'{k} = :{k}' for k in rows[0] if k != 'i')} "
                 "WHERE id = :i"),
            rows,
        )
        conn.execute(
            text("UPDATE users SET clearance = 4, nation = 'FRA' WHERE username = 'bench'")
        )
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE pledges"))
    engine.dispose()
    return len(chosen)


def bench_backend(url: str, args: argparse.Namespace) -> dict[str, Any]:
    token = prepare(url, args.pledges)
    out: dict[str, Any] = {}
    for workers in args.workers:
        if args.baseline_src:
            out[f"baseline_workers_{workers}"] = run_server(
                url, token, workers, args, src=args.baseline_src
            )
        out[f"workers_{workers}"] = run_server(url, token, workers, args)
    if args.imports:
        out.update(run_server(url, token, 1, args, imports=True))
    if args.labelled:
        # After the imports: an import over data its importer may not see is refused.
        out["labelled_pledges"] = label_fraction(url, args.labelled)
        for workers in args.workers:
            out[f"labelled_workers_{workers}"] = run_server(url, token, workers, args)
    return out


def run_server(
    url: str,
    token: str,
    workers: int,
    args: argparse.Namespace,
    imports: bool = False,
    src: Path | None = None,
) -> dict[str, Any]:
    """Start a server with ``workers`` processes and measure the pledge list (or imports).

    ``src``: serve another source tree of the package (a baseline, e.g. ``git archive`` of an
    older commit) over the same database, which it must not migrate.
    """
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(src or ROOT / "src")}
    if src is not None:
        env["FORCEGEN_MIGRATE_ON_START"] = "false"
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", url, str(port), str(workers)], env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        if workers > 1:
            # One worker answering is not all listening: connections made before the others
            # bind their sockets would all land on the first one.
            time.sleep(3)
        if imports:
            res: dict[str, Any] = {}
            if (EXAMPLE / "scenario.yaml").is_file():
                res["import_example_s"] = import_time(
                    base, token, "example.zip", zip_folder(EXAMPLE)
                )
            big = yaml.safe_dump(scenario(args.pledges)).encode()
            res[f"import_{args.pledges}_pledges_s"] = import_time(base, token, "big.yaml", big)
            return res
        pages = args.pledges // 100
        out: dict[str, Any] = {"source": str(src or ROOT / "src")}
        out["load_average_before"] = load_average()
        # Same-run reference: the cheapest endpoint (no sign-in, no database) through the same
        # server, so the pledge list can be read as a ratio of what the stack itself allows.
        out["closed_loop_health"] = closed_loop(port, token, "/api/v1/health", 0, args.wrk_seconds)
        out["closed_loop_list"] = closed_loop(
            port, token, PAGE_PATH.format(offset=""), pages, args.wrk_seconds
        )
        if out["closed_loop_health"].get("rps") and out["closed_loop_list"].get("rps"):
            out["list_vs_health"] = round(
                out["closed_loop_list"]["rps"] / out["closed_loop_health"]["rps"], 3
            )
        out["target"] = asyncio.run(open_loop(port, token, args.rate, args.seconds, pages))
        steps = []
        sustained = 0.0
        for rate in args.steps:
            # A failed step is run once more before it counts: other work on the machine (the
            # load average is recorded) can stall a 4-second window. Both attempts are kept.
            for attempt in (1, 2):
                res = asyncio.run(open_loop(port, token, rate, args.step_seconds, pages))
                res["attempt"] = attempt
                steps.append(res)
                kept_up = (
                    res["achieved_rps"] >= 0.95 * rate and res["p99_ms"] < 50 and not res["errors"]
                )
                if kept_up:
                    break
            if not kept_up:
                break
            sustained = rate
        out["steps"] = steps
        out["sustained_max_rps"] = sustained
        out["load_average_after"] = load_average()
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def postgres_url() -> tuple[str, str] | None:
    try:
        import psycopg

        psycopg.connect(PG_BASE.replace("+psycopg", ""), connect_timeout=3).close()
    except Exception as exc:
        print(f"postgresql skipped: {exc}", file=sys.stderr)
        return None
    schema = f"fgbench_{uuid.uuid4().hex[:10]}"
    return f"{PG_BASE}?options=-csearch_path%3D{schema}", schema


def pg_schema(schema: str, create: bool) -> None:
    import psycopg

    with psycopg.connect(PG_BASE.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"' if create else f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pledges", type=int, default=5000)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument(
        "--steps",
        type=lambda s: [float(x) for x in s.split(",")],
        default=[50, 100, 150, 200, 300, 400, 600],
    )
    ap.add_argument("--step-seconds", type=float, default=4)
    ap.add_argument(
        "--workers",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1],
        help="uvicorn worker processes to measure, comma-separated (e.g. 1,2)",
    )
    ap.add_argument("--wrk-seconds", type=float, default=4, help="closed-loop runs (wrk)")
    ap.add_argument(
        "--no-imports", dest="imports", action="store_false", help="skip the import timings"
    )
    ap.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="also measure this source tree (its src/ folder) as the baseline, in the same run",
    )
    ap.add_argument(
        "--labelled",
        type=float,
        default=0.2,
        help="then label this fraction of pledges and measure again with the label filter on "
        "(0: skip)",
    )
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "setup": {
            "pledges": args.pledges,
            "page": 100,
            "uvicorn_workers": args.workers,
            "rate": args.rate,
            "seconds": args.seconds,
        },
        "backends": {},
        "note": (
            "loopback, one machine: server, PostgreSQL, wrk and the open-loop client share its "
            "cores, as do any other jobs running on it (see each run's load averages); "
            "baseline_* rows serve --baseline-src over the same database in the same run"
        ),
    }
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{tmp}/bench.sqlite"
                results["backends"]["sqlite"] = bench_backend(url, args)
        elif backend == "postgresql":
            pg = postgres_url()
            if pg is None:
                continue
            url, schema = pg
            pg_schema(schema, True)
            try:
                results["backends"]["postgresql"] = bench_backend(url, args)
            finally:
                pg_schema(schema, False)
        print(json.dumps({backend: results["backends"].get(backend)}, indent=1), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
