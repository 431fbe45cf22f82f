"""Build ``src/forcegen/data/world_land.npz``: the world's land as outer rings, for sea routing.

Source: Natural Earth 1:50m Admin-0 countries (public domain), GeoJSON conversion by
martynafford/natural-earth-geojson (CC0). Every country's polygons are kept as their outer
rings (holes are other countries, so land all the same), coordinates rounded to 0.01 degree and
repeated points after rounding dropped. Stored as int32 hundredths of a degree with ring
offsets, so that loading needs numpy only.

    python scripts/build_world_land.py ../shared/data/naturalearth/ne_50m_admin_0_countries.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "src" / "forcegen" / "data" / "world_land.npz"


def main(src: str) -> None:
    feats = json.loads(Path(src).read_text("utf-8"))["features"]
    rings: list[np.ndarray] = []
    for f in feats:
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        for poly in polys:
            r = np.round(np.asarray(poly[0], dtype=float) * 100).astype(np.int32)
            keep = np.ones(len(r), dtype=bool)
            keep[1:] = np.any(r[1:] != r[:-1], axis=1)
            r = r[keep]
            if len(r) >= 4:  # a closed ring needs three distinct corners
                rings.append(r)
    xy = np.concatenate(rings)
    starts = np.cumsum([0] + [len(r) for r in rings]).astype(np.int64)
    np.savez_compressed(OUT, xy=xy, starts=starts)
    print(f"{OUT}: {len(rings)} rings, {len(xy)} points")


if __name__ == "__main__":
    main(sys.argv[1])
