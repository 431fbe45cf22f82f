"""Published optima of OR-Library instances (copies in tests/data/orlib, see SOURCE.md)."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from forcegen.readiness.preposition import preposition, preposition_capacitated

DATA = Path(__file__).resolve().parents[1] / "data" / "orlib"
ROOT = Path(__file__).resolve().parents[2]


def _converter():
    spec = importlib.util.spec_from_file_location("orlib_to_scenario",
                                                  ROOT / "bench" / "orlib_to_scenario.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ORLIB = _converter()
PMED = {r["instance"]: r for r in csv.DictReader((DATA / "pmed_optima.csv").open())}
CAP = {
    r["instance"]: float(r["opt_value"])
    for r in csv.DictReader((DATA / "cap_optima.csv").open())
}


@pytest.mark.parametrize("name", sorted(PMED))
def test_pmedian_and_pcenter_reach_published_optima(name: str) -> None:
    d, p = ORLIB.read_pmed(DATA / f"{name}.txt")
    n = d.shape[0]
    ids = [str(i) for i in range(n)]
    res = preposition(d, np.ones(n), ids, ids, p=p)
    assert res.status == "optimal"
    assert res.total == pytest.approx(float(PMED[name]["pmedian_opt"]))
    chosen = [int(i) for i in res.depots]
    assert d[chosen].min(axis=0).sum() == pytest.approx(float(PMED[name]["pmedian_opt"]))
    worst = preposition(d, np.ones(n), ids, ids, p=p, objective="worst")
    assert worst.status == "optimal"
    assert worst.objective == pytest.approx(float(PMED[name]["pcenter_opt"]))
    assert d[[int(i) for i in worst.depots]].min(axis=0).max() == worst.objective


@pytest.mark.parametrize("name", sorted(CAP))
def test_capacitated_reaches_published_optima(name: str) -> None:
    q, f, dem, c = ORLIB.read_cap(DATA / f"{name}.txt")
    m, n = c.shape
    res = preposition_capacitated(c, dem, q, f, [f"w{i}" for i in range(m)],
                                  [f"c{j}" for j in range(n)])
    assert res.status == "optimal"
    assert res.objective == pytest.approx(CAP[name], abs=0.01)
