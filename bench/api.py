"""Workspace API benchmark: pledge list latency under load, and scenario import time.

Usage::

    python bench/api.py [--pledges 5000] [--rate 200] [--seconds 10] [--backends sqlite,postgresql]

For each backend (SQLite file; PostgreSQL schema in database ``test`` at 127.0.0.1:5432, skipped
if unreachable) it

1. creates a workspace holding a generated scenario with ``--pledges`` pledges (30 nations),
2. starts a real ``uvicorn`` server process on 127.0.0.1 (one worker),
3. sends ``GET /api/v1/pledges?limit=100&offset=...`` open-loop at ``--rate`` requests/s for
   ``--seconds`` (latency counted from each request's scheduled start, so a stalled server is
   not hidden), and reports p50/p90/p99/max,
4. steps the offered rate up until the server falls behind (completes < 95 % of the offered
   rate or p99 > 50 ms): the last rate it kept up with is the sustained maximum,
5. times importing the bundled example (``examples/reassurance-force``) and the generated
   5,000-pledge scenario through ``POST /api/v1/scenario/import``.

Loopback only, bounded in requests and time. The load generator shares the machine's cores
with the server, so absolute numbers are a floor. Results: ``bench/results/api.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
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


def serve(url: str, port: int) -> None:
    """Subprocess entry point: run the API on ``url`` with uvicorn."""
    import uvicorn

    from forcegen.workspace.app import create_app
    from forcegen.workspace.config import Settings

    app = create_app(Settings(database_url=url, cookie_secure=False))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def prepare(url: str, n_pledges: int) -> str:
    """Migrate, create an admin with an API token, import the generated scenario."""
    from forcegen.scenario import scenario_from_dict
    from forcegen.workspace.auth.service import create_api_token
    from forcegen.workspace.database import (
        make_engine,
        make_session_factory,
        session_scope,
        upgrade,
    )
    from forcegen.workspace.scenarios.service import import_scenario
    from forcegen.workspace.users.service import create_user

    engine = make_engine(url)
    upgrade(engine)
    with session_scope(make_session_factory(engine)) as db:
        admin = create_user(db, "bench", "bench-password-1", "admin")
        _, token = create_api_token(db, admin, "bench")
        import_scenario(db, admin, scenario_from_dict(scenario(n_pledges)), {})
    engine.dispose()
    return token


async def open_loop(
    base: str, token: str, rate: float, seconds: float, pages: int
) -> dict[str, Any]:
    """Send at ``rate``/s for ``seconds``; latencies from each request's scheduled time."""
    n = int(rate * seconds)
    lat: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=10.0
    ) as client:
        await client.get("/api/v1/pledges", params={"limit": 100})  # warm up
        t0 = time.perf_counter() + 0.05

        async def one(i: int) -> None:
            nonlocal errors
            scheduled = t0 + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                r = await client.get(
                    "/api/v1/pledges", params={"limit": 100, "offset": 100 * (i % pages)}
                )
                if r.status_code != 200 or len(r.json()["items"]) == 0:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            lat.append(time.perf_counter() - scheduled)

        await asyncio.gather(*(one(i) for i in range(n)))
        elapsed = time.perf_counter() - t0
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


def bench_backend(url: str, args: argparse.Namespace) -> dict[str, Any]:
    token = prepare(url, args.pledges)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, __file__, "--serve", url, str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        pages = args.pledges // 100
        target = asyncio.run(open_loop(base, token, args.rate, args.seconds, pages))
        steps = []
        sustained = 0.0
        for rate in args.steps:
            res = asyncio.run(open_loop(base, token, rate, args.step_seconds, pages))
            steps.append(res)
            kept_up = (
                res["achieved_rps"] >= 0.95 * rate and res["p99_ms"] < 50 and not res["errors"]
            )
            if not kept_up:
                break
            sustained = rate
        out: dict[str, Any] = {"target": target, "steps": steps, "sustained_max_rps": sustained}
        if (EXAMPLE / "scenario.yaml").is_file():
            out["import_example_s"] = import_time(base, token, "example.zip", zip_folder(EXAMPLE))
        big = yaml.safe_dump(scenario(args.pledges)).encode()
        out[f"import_{args.pledges}_pledges_s"] = import_time(base, token, "big.yaml", big)
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
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]))
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
            "uvicorn_workers": 1,
            "rate": args.rate,
            "seconds": args.seconds,
        },
        "backends": {},
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
