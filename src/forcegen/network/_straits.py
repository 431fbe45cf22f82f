"""Straits too narrow for the sea grid, sailed along their fairway.

The Bosphorus (under a mile wide in places), the Dardanelles, Gibraltar and the Great Belt are
open water in the shipped 1:50m land, but no grid cell coarse enough to route across Europe fits
inside them, so without them the Black Sea, the Mediterranean and the Baltic would be lakes.
Each strait is a fairway polyline (lon, lat) whose points and legs lie at sea in the shipped
land (checked by the tests); its two ends join the grid like a port does. Canals (Kiel,
Corinth) are on land in the shipped data and are not sailed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["STRAITS", "straits_in"]

#: Fairways, each from one sea to the other.
STRAITS: dict[str, tuple[tuple[float, float], ...]] = {
    # Black Sea entrance to the Sea of Marmara, past Sariyer, Bebek and Kabatas.
    "Bosphorus": ((29.16, 41.30), (29.13, 41.23), (29.07, 41.17), (29.05, 41.08),
                  (29.01, 41.02), (28.99, 40.99), (28.97, 40.93)),
    # Sea of Marmara at Gelibolu to the Aegean off Seddulbahir and Kumkale.
    "Dardanelles": ((26.92, 40.50), (26.70, 40.40), (26.62, 40.33), (26.52, 40.24),
                    (26.40, 40.15), (26.33, 40.08), (26.20, 40.03), (26.02, 40.00)),
    # Alboran Sea past Gibraltar and Ceuta to the Atlantic off Cape Spartel.
    "Gibraltar": ((-4.9, 36.1), (-5.2, 36.0), (-5.4, 35.97), (-5.6, 35.95), (-5.8, 35.92),
                  (-6.1, 35.9)),
    # Kiel Bight east of Langeland and up the Great Belt to the Kattegat.
    "Great Belt": ((10.4, 54.55), (10.8, 54.6), (11.0, 54.75), (11.0, 55.0), (10.95, 55.2),
                   (10.95, 55.35), (10.95, 55.5), (10.9, 55.7), (11.0, 56.0)),
}


def straits_in(lo: np.ndarray, hi: np.ndarray, unwrap_lon: Callable[[np.ndarray], np.ndarray]
               ) -> list[np.ndarray]:
    """The fairways lying wholly inside the box ``lo``..``hi`` (unwrapped lon, lat).

    ``unwrap_lon`` maps longitudes into the grid's unwrapped frame.
    """
    out = []
    for way in STRAITS.values():
        pts = np.array(way, dtype=float)
        pts[:, 0] = unwrap_lon(pts[:, 0])
        if np.all(pts >= lo) and np.all(pts <= hi):
            out.append(pts)
    return out
