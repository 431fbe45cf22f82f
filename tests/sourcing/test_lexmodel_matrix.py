"""The sourcing model's constraint matrix, built with numpy alone, equals scipy's CSC build.

``_columns`` replaced a ``scipy.sparse.csc_matrix`` build (to keep scipy out of the CLI's
start-up); this checks it against scipy on random models, zero personnel included.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from forcegen.sourcing._lexmodel import _columns


@pytest.mark.parametrize("seed", range(40))
def test_columns_equal_scipy_csc(seed: int) -> None:
    rng = np.random.default_rng(seed)
    P, R, N = (int(v) for v in rng.integers(1, 30, 3))
    E = int(rng.integers(0, 200))
    e_p, e_r = rng.integers(0, P, E), rng.integers(0, R, E)
    pers = rng.integers(0, 3, P).astype(float)  # some pledges without personnel
    nation = rng.integers(0, N, P)
    cols = np.arange(E)
    rows = np.concatenate([e_p, P + e_r, P + R + nation[e_p], P + np.arange(R)])
    vals = np.concatenate([np.ones(E), np.ones(E), pers[e_p], np.ones(R)])
    want = sp.csc_matrix((vals, (rows, np.concatenate([cols, cols, cols, E + np.arange(R)]))),
                         shape=(P + R + N, E + R))
    want.eliminate_zeros()
    want.sort_indices()
    start, index, value = _columns(e_p, e_r, pers, nation, P, R)
    assert start.tolist() == want.indptr.tolist()
    assert index.tolist() == want.indices.tolist()
    assert value.tolist() == want.data.tolist()
