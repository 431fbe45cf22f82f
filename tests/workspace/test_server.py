"""``forcegen serve --workers``: several processes on one port, sharing one database."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from forcegen.serve import bind_socket, reuse_port_supported

PASSWORD = "server-test-password"


async def _accepted_nodelay(sock: socket.socket) -> int:
    """TCP_NODELAY on a connection the asyncio server accepted on ``sock``."""
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def handle(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        s = w.get_extra_info("socket")
        seen.set_result(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        w.close()

    server = await asyncio.start_server(handle, sock=sock)
    port = sock.getsockname()[1]
    _r, w = await asyncio.open_connection("127.0.0.1", port)
    value = await asyncio.wait_for(seen, 5)
    w.close()
    server.close()
    await server.wait_closed()
    return value


def _run(sock: socket.socket) -> int:
    # In a thread of its own: the browser tests' Playwright may own this thread's event loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _accepted_nodelay(sock)).result(timeout=30)


def test_bound_socket_gets_tcp_nodelay_on_accepted_connections() -> None:
    # The point of bind_socket: a listener created with protocol 0 (as uvicorn --workers does)
    # hands asyncio connections without TCP_NODELAY, which stalls every response ~40 ms.
    assert _run(bind_socket("127.0.0.1", 0)) == 1
    plain = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    plain.bind(("127.0.0.1", 0))
    assert _run(plain) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return [c for c in found if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def _get(url: str, cookie: str | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url)
    if cookie:
        req.add_header("Cookie", cookie)
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, r.read()


@pytest.mark.skipif(not reuse_port_supported() or not Path("/proc").is_dir(), reason="Linux only")
def test_serve_with_two_workers_shares_port_and_database(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "FORCEGEN_DATABASE_URL": f"sqlite:///{tmp_path / 'ws.sqlite'}",
           "FORCEGEN_LOG_LEVEL": "warning", "FORCEGEN_COOKIE_SECURE": "false"}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from forcegen.cli.main import app; app()", "serve",
             "--port", str(port), "--workers", "2", "--admin-password", PASSWORD],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/api/v1/health")[0] == 200 and len(_children(proc.pid)) == 2:
                    break
            except OSError:
                pass
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        time.sleep(1.0)  # both children have bound their sockets
        assert "2 server processes" in log.read_text()
        # Sign in on one connection, use the session on many fresh ones: whichever process
        # answers, the session and data come from the one database.
        body = json.dumps({"username": "admin", "password": PASSWORD}).encode()
        req = urllib.request.Request(f"{base}/api/v1/auth/login", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            cookie = "; ".join(c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie"))
        totals = set()
        for _ in range(20):
            status, page = _get(f"{base}/api/v1/pledges?limit=5", cookie)
            assert status == 200
            totals.add(json.loads(page)["total"])
        assert totals == {291}  # the bundled example, loaded once
    finally:
        children = _children(proc.pid) if proc.poll() is None else []
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    for child in children:  # no orphan left listening on the port
        assert not Path(f"/proc/{child}").exists() or b"zombie" in Path(
            f"/proc/{child}/status").read_bytes().lower()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
