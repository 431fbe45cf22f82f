"""Shared fixtures: the repository root, the bundled example, a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "reassurance-force"


@pytest.fixture
def example_path() -> Path:
    return EXAMPLE


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()
