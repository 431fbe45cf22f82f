"""Turn OR-Library p-median (``pmedN``) and capacitated warehouse (``capNNN``) files into scenarios.

Usage::

    python bench/orlib_to_scenario.py pmed1.txt cap41.txt --out /tmp/orlib

writes one scenario folder per file (``/tmp/orlib/pmed1/scenario.yaml`` + ``costs.csv``), which
``forcegen preposition --json`` solves:

- pmed: every vertex is a sector (demand 1) and a candidate site; ``costs.csv`` holds the
  all-pairs shortest-path lengths (``scipy.sparse.csgraph``), built as OR-Library's
  ``pmedinfo`` says: for repeated edges the *last* length in the file wins. Run with
  ``--depots P`` (``P`` is in the file's first line; also written to ``x-orlib.p``).
- cap: sites with ``capacity`` and ``fixed_cost``, sectors = customers with their ``demand``,
  ``costs.csv`` = OR-Library's allocation cost (for the *whole* demand) divided by the demand,
  i.e. a cost per unit, so that ``forcegen preposition`` (no ``--depots``) solves the
  split-demand problem whose optima are OR-Library's ``capopt``.

Source: J.E. Beasley, OR-Library (pmed: EJOR 21 (1985) 270-273; cap: EJOR 33 (1988) 314-325).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

__all__ = ["convert", "read_cap", "read_pmed", "write_scenario_folder"]


def read_pmed(path: Path) -> tuple[np.ndarray, int]:
    """All-pairs shortest-path matrix and ``p`` of an OR-Library pmed file."""
    tok = path.read_text().split()
    n, e, p = int(tok[0]), int(tok[1]), int(tok[2])
    arr = np.asarray(tok[3 : 3 + 3 * e], dtype=float).reshape(e, 3)
    i = arr[:, 0].astype(int) - 1
    j = arr[:, 1].astype(int) - 1
    key = np.minimum(i, j) * n + np.maximum(i, j)
    # The last occurrence of an edge wins: keep the last index per key.
    _, last = np.unique(key[::-1], return_index=True)
    keep = len(key) - 1 - last
    a, b, w = i[keep], j[keep], arr[keep, 2]
    g = sp.coo_array((np.r_[w, w], (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()
    return shortest_path(g, method="D", directed=False), p


def read_cap(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(capacity, fixed_cost, demand, cost per unit sites x customers)`` of a cap file."""
    tok = path.read_text().split()
    m, n = int(tok[0]), int(tok[1])
    head = np.asarray(tok[2 : 2 + 2 * m], dtype=float).reshape(m, 2)
    body = np.asarray(tok[2 + 2 * m : 2 + 2 * m + n * (m + 1)], dtype=float).reshape(n, m + 1)
    demand = body[:, 0]
    total = body[:, 1:].T  # sites x customers, cost of serving the whole demand
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = np.where(demand[None, :] > 0, total / demand[None, :], 0.0)
    return head[:, 0], head[:, 1], demand, per_unit


def _yaml_list(rows: list[str]) -> str:
    return "\n".join(rows) if rows else "  []"


def write_scenario_folder(
    out: Path, name: str, sectors: list[str], sites: list[str], cost: np.ndarray,
    *, demand: np.ndarray | None = None, capacity: np.ndarray | None = None,
    fixed_cost: np.ndarray | None = None, extra: str = "",
) -> Path:
    """Write ``scenario.yaml`` + ``costs.csv`` (only finite pairs)."""
    out.mkdir(parents=True, exist_ok=True)
    # Places are abstract vertices: give them a node id (the reader needs ``at`` or ``node``);
    # costs.csv covers every pair, so no network is read.
    sec = [f"  - id: {s}\n    node: {s}"
           + ("" if demand is None else f"\n    demand: {float(demand[k])!r}")
           for k, s in enumerate(sectors)]
    site_rows = []
    for k, s in enumerate(sites):
        row = f"  - id: {s}\n    node: {s}"
        if capacity is not None:
            row += f"\n    capacity: {float(capacity[k])!r}"
        if fixed_cost is not None:
            row += f"\n    fixed_cost: {float(fixed_cost[k])!r}"
        site_rows.append(row)
    (out / "scenario.yaml").write_text(
        f"forcegen: 1\nname: {name}\nnations: []\nrequirements: []\npledges: []\n"
        f"costs: costs.csv\n{extra}sectors:\n{_yaml_list(sec)}\n"
        f"depot_sites:\n{_yaml_list(site_rows)}\n",
        encoding="utf-8",
    )
    ii, jj = np.nonzero(np.isfinite(cost))
    with (out / "costs.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["site", "sector", "cost"])
        w.writerows(
            (sites[i], sectors[j], repr(float(cost[i, j])))
            for i, j in zip(ii.tolist(), jj.tolist(), strict=True)
        )
    return out


def convert(path: Path, out_root: Path) -> Path:
    """Convert one OR-Library file (kind from its name: ``pmed*`` or ``cap*``)."""
    stem = path.stem
    if stem.startswith("pmed"):
        d, p = read_pmed(path)
        ids = [f"v{k + 1}" for k in range(d.shape[0])]
        return write_scenario_folder(
            out_root / stem, f"OR-Library {stem} (p={p})", ids, ids, d,
            extra=f"x-orlib:\n  p: {p}\n",
        )
    if stem.startswith("cap"):
        q, f, dem, c = read_cap(path)
        return write_scenario_folder(
            out_root / stem, f"OR-Library {stem}", [f"c{k + 1}" for k in range(len(dem))],
            [f"w{k + 1}" for k in range(len(q))], c, demand=dem, capacity=q, fixed_cost=f,
        )
    raise SystemExit(f"{path}: expected a pmed* or cap* file name")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    for f in args.files:
        print(convert(f, args.out))


if __name__ == "__main__":
    main()
