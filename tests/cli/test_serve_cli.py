"""``forcegen serve`` fails with one clear line and exit 2, never a traceback (issue 9, §6)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def serve(*args: str, block: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``forcegen serve ARGS`` in a new process (``block``: a module made unimportable)."""
    code = (f"import sys; sys.modules[{block!r}] = None; " if block else "import sys; ") + (
        "from forcegen.cli.main import app; sys.argv[0] = 'forcegen'; app()")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("FORCEGEN_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-c", code, "serve", "--no-example", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def one_clear_line(r: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, r.stderr
    for text in expected:
        assert text in errors[0]


@pytest.fixture()
def taken_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_port_in_use_is_checked_before_announcing(taken_port: int, tmp_path: Path) -> None:
    r = serve("--port", str(taken_port), "--database-url", f"sqlite:///{tmp_path}/w.sqlite")
    one_clear_line(r, f"127.0.0.1:{taken_port}", "already in use", "--port")
    assert "http://" not in r.stdout  # nothing announced


def test_missing_database_folder(tmp_path: Path) -> None:
    folder = tmp_path / "not-there"
    r = serve("--port", "1", "--database-url", f"sqlite:///{folder}/w.sqlite")
    one_clear_line(r, str(folder), "does not exist")
    assert not folder.exists()


def test_postgres_url_without_the_driver() -> None:
    r = serve("--database-url", "postgresql://planner:secret@127.0.0.1:1/forcegen",
              block="psycopg")
    one_clear_line(r, "pip install 'forcegen[postgres]'", "psycopg")
    assert "secret" not in r.stderr + r.stdout


def test_unreachable_database_is_one_line() -> None:
    # A plain postgresql:// URL uses psycopg (what the postgres extra installs) on every
    # SQLAlchemy 2.x; a refused connection is an error message, not a traceback.
    pytest.importorskip("psycopg")
    r = serve("--database-url", "postgresql://planner:secret@127.0.0.1:1/forcegen")
    one_clear_line(r, "cannot open the database", "127.0.0.1")
    assert "secret" not in r.stderr + r.stdout
