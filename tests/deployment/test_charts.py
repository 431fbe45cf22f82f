"""Deployment charts are drawn offline as PNG files; lift use by day is computed right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.deployment import load_deployment, plan_deployment
from forcegen.deployment.charts import use_by_day

SCEN = """\
forcegen: 1
lift: [{id: C17, mode: air, capacity: 2}]
ports: [{id: pod, kind: airport, throughput: 4}]
movements:
  - {id: A, days: 3, lift: {C17: 2}, pod: pod, sector: north}
  - {id: B, days: 1, lift: {C17: 1}, after: [A], sector: south, required: 2}
"""


def test_use_by_day_matches_hand_count(tmp_path: Path) -> None:
    f = tmp_path / "scenario.yaml"
    f.write_text(SCEN)
    res = plan_deployment(load_deployment(f), time_limit=5)
    names, share = use_by_day(res)
    assert names == ["C17", "port:pod"]
    # A on days 0-2 with both C17 (and 2 of the port's 4), then B on day 3 with one C17.
    assert np.allclose(share[0], [1, 1, 1, 0.5])
    assert np.allclose(share[1], [0.5, 0.5, 0.5, 0])


def test_cli_charts_folder(tmp_path: Path) -> None:
    f = tmp_path / "scenario.yaml"
    f.write_text(SCEN)
    out = tmp_path / "charts"
    res = CliRunner().invoke(app, ["deploy", str(f), "--charts", str(out)])
    assert res.exit_code == 0, res.output
    for name in ("gantt.png", "closure.png", "lift.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    assert not list(out.glob("*.tmp*"))
    bad = CliRunner().invoke(app, ["deploy", str(f), "--charts", str(tmp_path / "no" / "x")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
