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
    home = re.search(r'<circle class="home" cx="([\d.]+)"', svg)
    ask = re.search(r'<rect class="request rq-open" x="([\d.]+)"', svg)
    # Unwrapped, the request lies east of the base (drawn at their raw longitudes it would
    # lie 341.6 degrees to the west).
    assert home and ask and float(home.group(1)) < float(ask.group(1))


def test_text_is_escaped_and_far_bases_left_out() -> None:
    marks = [ReliefMark("request", 178.4, -18.1, "<script>alert(1)</script>", ["a & b"]),
             ReliefMark("offer", -1.58, 51.75, "GBR base")]
    svg, outside = relief_svg(marks, [])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg
    assert outside == 1 and 'class="home"' not in svg


def test_the_page_shows_each_reader_what_they_may_see(web) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from forcegen.labels.legacy import legacy_to_label
    from forcegen.workspace.database import session_scope
    from forcegen.workspace.label_store import label_columns
    from forcegen.workspace.models import User
    from forcegen.workspace.relief import events, offers, requests
    from forcegen.workspace.relief.models import ReliefRequest
    from forcegen.workspace.relief.schemas import EventCreate, OfferCreate, RequestCreate

    with session_scope(web.factory) as db:
        admin = db.query(User).filter_by(username="admin").one()
        events.create(db, admin, EventCreate(id="EV-1", name="Cyclone", items=[
            {"id": "WATER"}]))
        requests.create(db, admin, RequestCreate(id="RQ-ZZ1", event="EV-1", capability="WATER",
                                                 quantity=4, at=(-175.2, -21.1),
                                                 place="Nuku'alofa", by_hours=72))
        requests.create(db, admin, RequestCreate(id="RQ-SECRET", event="EV-1",
                                                 capability="WATER", quantity=1,
                                                 at=(178.4, -18.1), by_hours=72))
        # Releasable to France only (set in the stored form: the admin has no nation).
        db.execute(update(ReliefRequest).where(ReliefRequest.id == "RQ-SECRET").values(
            **label_columns(legacy_to_label(0, ",FRA,", None), ",FRA,", legacy=True)))
        offers.create(db, admin, OfferCreate(id="FRA-ZZOFFER", event="EV-1", nation="FRA",
                                             capability="WATER", quantity=2,
                                             home=(166.4, -22.3)))
    fra = web.signed_in("liaison_fra").get("/relief/EV-1")
    deu = web.signed_in("liaison_deu").get("/relief/EV-1")
    assert fra.status_code == deu.status_code == 200
    assert "FRA-ZZOFFER" in fra.text and "RQ-SECRET" in fra.text
    assert "FRA-ZZOFFER" not in deu.text and "RQ-SECRET" not in deu.text
    assert "RQ-ZZ1" in deu.text and 'class="request rq-open"' in deu.text
    assert "Match offers" not in deu.text  # planners only
    assert web.signed_in("liaison_deu").get("/relief/EV-1?plan=1").text.count("route") == \
        deu.text.count("route")  # asking for the plan gives a liaison nothing more


def test_kept_runs_are_listed_for_planners_and_a_preview_keeps_none(web) -> None:  # type: ignore[no-untyped-def]
    from forcegen.workspace.database import session_scope
    from forcegen.workspace.models import User
    from forcegen.workspace.relief import events, matching, offers, requests
    from forcegen.workspace.relief.schemas import EventCreate, OfferCreate, RequestCreate

    with session_scope(web.factory) as db:
        admin = db.query(User).filter_by(username="admin").one()
        events.create(db, admin, EventCreate(id="EV-R", name="Cyclone", items=[
            {"id": "WATER"}]))
        requests.create(db, admin, RequestCreate(id="RQ-R1", event="EV-R", capability="WATER",
                                                 quantity=2, at=(-175.2, -21.1), by_hours=72))
        offers.create(db, admin, OfferCreate(id="FRA-R1", event="EV-R", nation="FRA",
                                             capability="WATER", quantity=2,
                                             home=(166.4, -22.3)))
        kept = matching.run_match(db, admin, "EV-R", close=["BIRK"])
    lead = web.signed_in("lead")
    preview = lead.get("/relief/EV-R?plan=1")
    assert preview.status_code == 200 and 'data-testid="relief-runs"' in preview.text
    page = lead.get("/relief/EV-R").text
    assert page.count("<tr><td class=\"num\">") == 1  # the preview kept no run
    assert f'<td class="num">{kept["run"]}</td>' in page and "closed BIRK" in page
    assert kept["input_hash"][:12] in page
    assert "Matching runs" not in web.signed_in("liaison_fra").get("/relief/EV-R").text
