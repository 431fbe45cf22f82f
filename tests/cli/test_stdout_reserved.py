"""Stdout holds forcegen's own output only, whatever a native library prints (issue 9, §1).

Every command runs as a real process with a fake native library that writes to file
descriptor 1 (directly and through C's buffered printf); ``--json`` output must still be exactly
one JSON document, and human-readable output must not contain the chatter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOISY = Path(__file__).with_name("_noisy_forcegen.py")
EXAMPLE = ROOT / "examples" / "reassurance-force"
CHATTER = ("native chatter on fd 1", "buffered C stdio chatter")


def run(*args: str, script: Path = NOISY) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, env=env,
        timeout=300, cwd=ROOT,
    )


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan.json"
    r = run("source", str(EXAMPLE), "--json", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


JSON_COMMANDS = {
    "source": ["source", str(EXAMPLE), "--json"],
    "source-what-if": ["source", str(EXAMPLE), "--json", "--withdraw", "NZL",
                       "--include", "provisional"],
    "criticality": ["criticality", str(EXAMPLE), "--json", "--nations", "FRA,POL"],
    "respond": ["respond", str(EXAMPLE), "--json"],
    "preposition": ["preposition", str(EXAMPLE), "--json"],
    "preposition-p": ["preposition", str(EXAMPLE), "--json", "--depots", "2"],
    "preposition-stocks": ["preposition", str(EXAMPLE), "--json", "--stocks",
                           "--budget", "500000000"],
    "robustness": ["robustness", str(EXAMPLE), "--json", "--samples", "200"],
    "robustness-workers": ["robustness", str(EXAMPLE), "--json", "--samples", "2000",
                           "--link-prob", "0.05", "--workers", "2"],
    "relief-what-if": ["relief", str(ROOT / "examples" / "pacific-cyclone"), "--json",
                       "--close", "NFTV"],
    "relief-preposition": ["relief", "preposition", str(ROOT / "examples" / "pacific-cyclone"),
                           "--hours", "48", "--mode", "sea", "--json"],
}


@pytest.mark.parametrize("name", sorted(JSON_COMMANDS))
def test_json_commands_print_one_document(name: str) -> None:
    r = run(*JSON_COMMANDS[name])
    assert r.returncode == 0, r.stderr
    json.loads(r.stdout)  # the whole of stdout, nothing before or after
    for text in CHATTER:
        assert text in r.stderr  # moved, not swallowed


def test_compare_json_is_one_document(plan_file: Path) -> None:
    r = run("compare", str(plan_file), str(plan_file), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["gained"] == []
    assert CHATTER[0] in r.stderr


def test_human_output_has_no_native_chatter() -> None:
    r = run("source", str(EXAMPLE))
    assert r.returncode == 0, r.stderr
    assert "Filled" in r.stdout
    for text in CHATTER:
        assert text not in r.stdout
        assert text in r.stderr


def test_exit_code_and_error_kept() -> None:
    r = run("source", str(EXAMPLE), "--json", "--withdraw", "XXX")
    assert r.returncode == 2
    assert r.stdout == ""
    assert "unknown nation" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.skipif(os.name != "posix", reason="closes fd 2 in the child with preexec_fn")
def test_json_with_stderr_closed() -> None:
    # 2>&-: the chatter has nowhere to go but must still not land on stdout.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    r = subprocess.run(
        [sys.executable, str(NOISY), "source", str(EXAMPLE), "--json"],
        stdout=subprocess.PIPE, text=True, env=env, timeout=300, cwd=ROOT,
        preexec_fn=lambda: os.close(2),
    )
    assert r.returncode == 0
    assert json.loads(r.stdout)["status"]
