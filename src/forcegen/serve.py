"""Run the workspace in one or several server processes.

One process is plain ``uvicorn``. Several are independent single-process uvicorn servers,
each on its own listening socket bound with ``SO_REUSEPORT`` so the kernel spreads incoming
connections over them. ``uvicorn --workers`` is not used on purpose: it binds a socket whose
protocol number is 0, so asyncio does not set ``TCP_NODELAY`` on the connections it accepts,
and every response (headers and body are written separately) then waits ~40 ms on Nagle's
algorithm and delayed ACKs. Our sockets are created with ``IPPROTO_TCP``.

Everything the processes share lives in the database (sessions, rate limits, runs and their
progress, the audit chain), so any process can answer any request. The caller migrates the
schema and creates the first admin once, before the processes start; they start with
``migrate_on_start`` off.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import socket
import sys
from typing import Any

from forcegen.workspace.config import Settings

__all__ = ["bind_socket", "reuse_port_supported", "run_server"]


def reuse_port_supported() -> bool:
    """Whether this platform can share a port between processes (Linux, BSD, macOS)."""
    return hasattr(socket, "SO_REUSEPORT") and sys.platform != "win32"


def bind_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A TCP socket bound to ``host:port`` with protocol ``IPPROTO_TCP`` (see module doc)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _serve_one(
    settings: dict[str, Any], host: str, port: int, log_level: str, reuse_port: bool, web: bool
) -> None:
    """One server process: build the app and serve it on its own socket."""
    import uvicorn

    conf = Settings(**{**settings, "migrate_on_start": False})
    if web:
        from forcegen.web import create_web_app

        app = create_web_app(conf)
    else:
        from forcegen.workspace.api.app import create_app

        app = create_app(conf)
    sock = bind_socket(host, port, reuse_port=reuse_port)
    config = uvicorn.Config(app, log_level=log_level, access_log=log_level == "debug")
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))


def run_server(
    settings: Settings,
    host: str,
    port: int,
    *,
    workers: int = 1,
    log_level: str = "info",
    web: bool = True,
) -> None:
    """Serve the workspace (web UI and API, or the API alone if ``web`` is false) until stopped.

    ``workers`` processes share the port through ``SO_REUSEPORT``; where the platform lacks
    it, :class:`ValueError` is raised for ``workers > 1``. The schema must already be migrated.
    SIGINT or SIGTERM stops every process.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if workers > 1 and not reuse_port_supported():
        raise ValueError("several worker processes need SO_REUSEPORT, which this platform lacks")
    values = settings.model_dump()
    if workers == 1:
        _serve_one(values, host, port, log_level, False, web)
        return
    ctx = multiprocessing.get_context("spawn")  # no inherited engine, threads or event loop
    children = [
        ctx.Process(
            target=_serve_one,
            args=(values, host, port, log_level, True, web),
            name=f"forcegen-server-{i + 1}",
        )
        for i in range(workers)
    ]

    def stop(*_: object) -> None:
        for child in children:
            if child.is_alive():
                child.terminate()  # SIGTERM: uvicorn finishes open requests, then exits

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        for child in children:
            child.start()
        for child in children:
            child.join()
    except KeyboardInterrupt:
        # Ctrl-C reached the whole process group: the children are shutting down themselves.
        for child in children:
            child.join(timeout=10)
    finally:
        stop()
        for child in children:
            child.join(timeout=10)
        signal.signal(signal.SIGTERM, previous)
