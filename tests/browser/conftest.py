"""A real ``forcegen serve`` process on a free port with a temporary SQLite database, and
Debian's Chromium driven by Playwright (no browser download).

Skipped when Chromium or Playwright is missing, unless ``FORCEGEN_REQUIRE_BROWSER=1`` (CI),
where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("FORCEGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN_PASSWORD = "browser-test-password"


def _require_or_skip(reason: str) -> None:
    if os.environ.get("FORCEGEN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """The running workspace."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def serve_workspace(folder: Path, settings: dict[str, str] | None = None) -> Iterator[Server]:
    """``forcegen serve`` with the bundled example in ``folder``, as an operator would start
    it (also used by ``scripts/screenshots.py``); ``RuntimeError`` if it does not start.

    ``settings``: more ``FORCEGEN_*`` environment variables (e.g. the intel keys)."""
    port = _free_port()
    # The server runs in a temporary folder: a relative PYTHONPATH (``PYTHONPATH=src``) would
    # silently serve the installed package instead of the checkout under test.
    given = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    paths = [str(Path(p).resolve()) for p in given if p]
    env = {
        **os.environ,
        **({"PYTHONPATH": os.pathsep.join(paths)} if paths else {}),
        "FORCEGEN_DATABASE_URL": f"sqlite:///{folder / 'workspace.sqlite'}",
        "FORCEGEN_LOG_LEVEL": "warning",
        **(settings or {}),
    }
    log = folder / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from forcegen.cli.main import app; app()",
             "serve", "--port", str(port),
             "--admin-password", ADMIN_PASSWORD],
            cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v1/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"forcegen serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield Server(url, proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``forcegen serve`` with the bundled example (:func:`serve_workspace`)."""
    try:
        with serve_workspace(tmp_path_factory.mktemp("serve")) as running:
            yield running
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium."""
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        _require_or_skip(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require_or_skip("the playwright package is not installed")
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser tab (own cookies)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15000)
    tab = context.new_page()
    yield tab
    context.close()
