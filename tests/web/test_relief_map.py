"""The relief map: points across the antimeridian drawn side by side, text escaped."""

from __future__ import annotations

import re

from forcegen.web.relief_map import ReliefMark, relief_svg, unwrap_cut


def test_tonga_is_drawn_east_of_new_caledonia() -> None:
    marks = [ReliefMark("request", -175.2, -21.1, "Nuku'alofa"),
             ReliefMark("offer", 166.4, -22.3, "FRA base")]
    assert abs(unwrap_cut([m.lon for m in marks]) - 166.4) < 1e-9  # -175 becomes 185
    svg, outside = relief_svg(marks, [("FRA-1 -> RQ-1", [[166.4, -22.3], [-175.2, -21.1]])])
    assert outside == 0
    w, h = (float(v) for v in re.search(r'viewBox="0 0 (\S+) (\S+)"', svg).groups())
    home = re.search(r'<circle class="home" cx="([\d.]+)"', svg)
    ask = re.search(r'<rect class="request rq-open" x="([\d.]+)"', svg)
    assert home and ask and float(home.group(1)) < float(ask.group(1))
    # 18.4 degrees of longitude apart, not 341.6: the map is a region, not the world.
    assert w / h < 3


def test_text_is_escaped_and_far_bases_left_out() -> None:
    marks = [ReliefMark("request", 178.4, -18.1, "<script>alert(1)</script>", ["a & b"]),
             ReliefMark("offer", -1.58, 51.75, "GBR base")]
    svg, outside = relief_svg(marks, [])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg
    assert outside == 1 and 'class="home"' not in svg
