"""Push across server processes: two uvicorn processes on one PostgreSQL database. A
subscriber of process A receives what is posted to process B, woken by LISTEN/NOTIFY (the
fallback read is set to a minute, so only NOTIFY can deliver within the wait); reconnecting
to the other process with Last-Event-ID resumes with no loss and no duplicates."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from taxii2client.v21 import Collection

import forcegen
from forcegen.intel.signing import sign_object
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.label import Label, make_label
from forcegen.workspace.api.taxii.hub import LISTENER_NAME
from forcegen.workspace.auth.service import create_api_token
from forcegen.workspace.database import make_engine, make_session_factory, session_scope, upgrade
from forcegen.workspace.intel.federation import Bearer as _Bearer
from forcegen.workspace.intel.store import create_collection
from forcegen.workspace.models import User
from forcegen.workspace.reference import Nation
from intel.stixdata import indicator  # tests/ is on sys.path (rootdir)

from .conftest import _HASH, PG_BASE, _postgres_or_skip

pytestmark = pytest.mark.postgres

GBR = SigningKey.generate("GBR")
CID = "7c000000-0000-4000-8000-00000000003c"
DB_NAME = "intel15"  # a database of its own: the processes share it, the other tests do not


def nato(rel: list[str]) -> Label:
    return make_label("NATO", "NATO UNCLASSIFIED", {"Releasable To": rel}, originator="GBR")


def _signed(obj: dict[str, Any], label: Label) -> list[dict[str, Any]]:
    signed, mark = sign_object(obj, label, GBR)
    return [signed, mark]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database() -> str:
    import psycopg

    base = PG_BASE.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    return PG_BASE.rsplit("/", 1)[0] + f"/{DB_NAME}"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], dict]]:
    _postgres_or_skip()
    url = _database()
    engine = make_engine(url)
    upgrade(engine)
    tokens = {}
    with session_scope(make_session_factory(engine)) as db:
        for code in ("GBR", "FRA"):
            db.add(Nation(code=code, groups=["NATO"], extra={}))
        db.flush()
        for name, nation in (("gbr", "GBR"), ("fra", "FRA")):
            user = User(username=name, password_hash=_HASH, role="liaison", nation=nation,
                        clearance=2)
            db.add(user)
            db.flush()
            _, tokens[name] = create_api_token(db, user, "tests")
        create_collection(db, "Coalition", make_label("NATO", "NATO UNCLASSIFIED"),
                          collection_id=CID)
    engine.dispose()
    keys = tmp_path_factory.mktemp("push") / "keys.json"
    keys.write_text(json.dumps(KeyList([GBR.public]).to_json()))
    env = {**os.environ, "FORCEGEN_DATABASE_URL": url, "FORCEGEN_INTEL_KEY_LIST": str(keys),
           "FORCEGEN_MIGRATE_ON_START": "false", "FORCEGEN_INTEL_PUSH_FALLBACK_SECONDS": "60",
           "PYTHONPATH": os.pathsep.join([str(Path(forcegen.__file__).parents[1]),
                                          os.environ.get("PYTHONPATH", "")])}
    procs, bases = [], []
    for _ in range(2):
        port = _port()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory",
             "forcegen.workspace.api.app:create_app", "--host", "127.0.0.1", "--port",
             str(port), "--log-level", "warning"], env=env))
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            deadline = time.monotonic() + 180  # a loaded 2-core machine starts slowly
            while True:
                try:
                    requests.get(f"{base}/taxii2/", timeout=2)
                    break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        yield bases, tokens
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)


class Stream:
    """A Server-Sent Events subscription read in a thread."""

    def __init__(self, base: str, token: str, last_id: str | None = None) -> None:
        headers = {"Accept": "text/event-stream", "Authorization": f"Bearer {token}"}
        if last_id is not None:
            headers["Last-Event-ID"] = last_id
        self.response = requests.get(f"{base}/taxii2/forcegen/collections/{CID}/events/",
                                     headers=headers, stream=True, timeout=(5, 120))
        assert self.response.status_code == 200
        self.events: list[dict[str, Any]] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        time.sleep(0.5)  # subscribed before the test goes on

    def _read(self) -> None:
        event: dict[str, Any] = {}
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line == "":
                    if "data" in event:
                        self.events.append(event)
                    event = {}
                elif not line.startswith(":"):
                    key, _, value = line.partition(": ")
                    event[key] = json.loads(value) if key == "data" else value
        except (requests.RequestException, AttributeError, ValueError):
            pass

    def ids(self) -> list[str]:
        return [e["data"]["id"] for e in self.events]

    def wait_count(self, n: int, limit: float = 20) -> None:
        deadline = time.monotonic() + limit
        while len(self.events) < n:
            assert time.monotonic() < deadline, f"{len(self.events)} of {n} events arrived"
            time.sleep(0.02)

    def close(self) -> None:
        self.response.close()
        self.thread.join(1)


def _post(base: str, token: str, objs: list[dict[str, Any]]) -> None:
    col = Collection(f"{base}/taxii2/forcegen/collections/{CID}/", auth=_Bearer(token))
    assert col.add_objects({"objects": objs}).status == "complete"


def test_posted_to_b_reaches_a_subscriber_only_if_released(servers: Any) -> None:
    (a, b), tokens = servers
    gbr, fra = Stream(a, tokens["gbr"]), Stream(a, tokens["fra"])
    try:
        hidden, shown = indicator("192.0.2.60"), indicator("192.0.2.61")
        _post(b, tokens["gbr"], _signed(hidden, nato(["GBR"])))
        _post(b, tokens["gbr"], _signed(shown, nato(["FRA", "GBR"])))
        gbr.wait_count(4)  # two indicators, two label markings: NOTIFY woke process A
        fra.wait_count(2)
        assert gbr.ids()[0] == hidden["id"] and shown["id"] in gbr.ids()
        assert fra.ids()[0] == shown["id"] and hidden["id"] not in fra.ids()
    finally:
        gbr.close()
        fra.close()


def test_concurrent_posts_to_both_in_order_and_resume_on_the_other(servers: Any) -> None:
    (a, b), tokens = servers
    sub = Stream(a, tokens["gbr"])
    posted = [indicator(f"198.51.100.{i}") for i in range(12)]
    threads = [threading.Thread(target=_post, args=((a, b)[i % 2], tokens["gbr"],
                                                     _signed(o, nato(["GBR"]))))
               for i, o in enumerate(posted)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        sub.wait_count(24)
        time.sleep(0.5)
        seqs = [int(e["id"]) for e in sub.events]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) == 24
        assert {o["id"] for o in posted} <= set(sub.ids())
    finally:
        sub.close()
    # Reconnect to process B from the 10th event; three more are posted meanwhile.
    seen = sub.events[:10]
    later = [indicator(f"203.0.113.{i}") for i in range(3)]
    for o in later:
        _post(a, tokens["gbr"], _signed(o, nato(["GBR"])))
    again = Stream(b, tokens["gbr"], last_id=seen[-1]["id"])
    try:
        again.wait_count(14 + 6)
        time.sleep(0.5)
        expected = [e["data"]["id"] for e in sub.events[10:]]
        assert again.ids()[:14] == expected
        assert again.ids()[14::2] == [o["id"] for o in later]  # each then its label marking
        assert all(x.startswith("marking-definition--") for x in again.ids()[15::2])
        assert len(again.ids()) == 20 and len(set(again.ids())) == 20
    finally:
        again.close()


def test_dropped_mid_stream_resumes_on_the_other_process(servers: Any) -> None:
    """Objects keep arriving at both processes; the stream of A drops, B resumes it exactly."""
    (a, b), tokens = servers
    objs = [indicator(f"198.18.1.{i}") for i in range(20)]
    envelopes = [_signed(o, nato(["FRA"] if i % 4 == 3 else ["GBR"])) for i, o in enumerate(objs)]
    want = [x["id"] for i, env in enumerate(envelopes) if i % 4 != 3 for x in env]
    first = Stream(a, tokens["gbr"])
    poster = threading.Thread(target=lambda: [_post((a, b)[i % 2], tokens["gbr"], e)
                                              for i, e in enumerate(envelopes)])
    poster.start()
    try:
        deadline = time.monotonic() + 60
        while len(first.events) < 6:
            assert time.monotonic() < deadline, "the first events never arrived"
            time.sleep(0.01)
    finally:
        first.close()
    got = list(first.events)
    again = Stream(b, tokens["gbr"], last_id=got[-1]["id"])
    try:
        poster.join(120)
        again.wait_count(len(want) - len(got), limit=60)
        time.sleep(0.5)
        resumed = list(again.events)
    finally:
        again.close()
    assert [e["data"]["id"] for e in got + resumed] == want
    seqs = [int(e["id"]) for e in got + resumed]
    assert seqs == sorted(set(seqs))


def _listeners(url: str) -> set[int]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as conn:
        return {r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = %s",
            (LISTENER_NAME, DB_NAME))}


def _terminate(url: str, pids: set[int]) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as conn:
        for pid in pids:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_killed_listen_connection_reconnects_and_catches_up(servers: Any) -> None:
    """The LISTEN connections are killed; what is posted meanwhile still arrives (the fallback
    read is a minute away: only the reconnect, which reads the table, can deliver it)."""
    (a, b), tokens = servers
    sub, other = Stream(a, tokens["gbr"]), Stream(b, tokens["gbr"])  # both processes listen
    try:
        deadline = time.monotonic() + 30
        while len(old := _listeners(PG_BASE)) < 2:
            assert time.monotonic() < deadline, "the processes are not listening"
            time.sleep(0.2)
        _terminate(PG_BASE, old)
        missed = indicator("198.18.2.1")  # its NOTIFY finds no listener
        _post(b, tokens["gbr"], _signed(missed, nato(["GBR"])))
        sub.wait_count(2, limit=30)
        assert sub.ids()[0] == missed["id"]
        deadline = time.monotonic() + 30
        while len((new := _listeners(PG_BASE)) - old) < 2:  # both came back
            assert time.monotonic() < deadline, "the listeners did not reconnect"
            time.sleep(0.2)
        later = indicator("198.18.2.2")  # and NOTIFY works again
        _post(b, tokens["gbr"], _signed(later, nato(["GBR"])))
        sub.wait_count(4, limit=30)
        time.sleep(0.5)
        assert sub.ids()[::2] == [missed["id"], later["id"]] and len(sub.ids()) == 4
        assert not new & old
    finally:
        sub.close()
        other.close()
