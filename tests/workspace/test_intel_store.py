"""The intel store's reads against a brute-force oracle: random objects, versions, labels and
readers; every page, version mode and filter recomputed from the rows by the 4774 rules."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from forcegen.intel.readers import may_see
from forcegen.labels.label import label_from_json, label_to_json, make_label
from forcegen.workspace.accounts import User
from forcegen.workspace.database import make_session_factory, session_scope
from forcegen.workspace.intel.models import IntelObject
from forcegen.workspace.intel.readers import reader_for
from forcegen.workspace.intel.store import Filters, LabelFilter, canonical, read_page

from .conftest import reset

CID = "5d3c5f0e-1e7f-4a3e-9d7a-000000000015"
LABELS = [canonical(label_to_json(lab)) for lab in (
    make_label("NATO", "NATO UNCLASSIFIED"),
    make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["GBR", "NZL"]}),
    make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["FRA"]}),
    make_label("NATO", "NATO SECRET"),
    make_label("GBR", "OFFICIAL-SENSITIVE", {"Releasable To": ["GBR"]}),
    make_label("TLP", "GREEN"),
    make_label("TLP", "RED"),
)]
READERS = [User(username=n, role="liaison", nation=nat, clearance=c, active=True)
           for n, nat, c in (("gbr", "GBR", 2), ("fra", "FRA", 0), ("nzl", "NZL", 4),
                             ("none", None, 1))]


@pytest.fixture
def rows(engine: Engine) -> list[IntelObject]:
    reset(engine)
    from forcegen.workspace.intel.store import create_collection

    rnd = random.Random(15)
    t0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    out = []
    with session_scope(make_session_factory(engine)) as db:
        create_collection(db, "oracle", make_label("NATO", "NATO UNCLASSIFIED"),
                          collection_id=CID)
        ids = [f"indicator--{i:08x}-0000-4000-8000-000000000000" for i in range(40)]
        for n in range(300):
            oid = rnd.choice(ids)
            row = IntelObject(
                collection_id=CID, object_id=oid, type=rnd.choice(["indicator", "note"]),
                version=f"2026-11-{rnd.randrange(1, 29):02d}T00:00:{n % 60:02d}.{n:06d}Z",
                spec_version="2.1", date_added=t0 + dt.timedelta(seconds=rnd.randrange(100)),
                body=json.dumps({"n": n}), label=rnd.choice(LABELS), signature="{}",
                marking_id="m", sector=None)
            db.add(row)
            out.append(row)
        db.flush()
    return out


def oracle(rows: list[IntelObject], user: User, flt: Filters) -> list[int]:
    reader = reader_for(user)
    seen = [r for r in rows if may_see(label_from_json(json.loads(r.label)), reader)
            and (not flt.types or r.type in flt.types)
            and (not flt.ids or r.object_id in flt.ids)
            and (flt.added_after is None or r.date_added > flt.added_after)]
    versions: dict[str, list[str]] = {}
    for r in rows:  # every version the reader may see, whatever the type/added filters
        if may_see(label_from_json(json.loads(r.label)), reader):
            versions.setdefault(r.object_id, []).append(r.version)
    mode = set(flt.versions)
    keep = [r for r in seen if "all" in mode
            or ("last" in mode and r.version == max(versions[r.object_id]))
            or ("first" in mode and r.version == min(versions[r.object_id]))
            or r.version in mode]
    return [r.seq for r in sorted(keep, key=lambda r: (r.date_added, r.seq))]


FILTERS = [
    Filters(),
    Filters(versions=("all",)),
    Filters(versions=("first",)),
    Filters(versions=("first", "last")),
    Filters(types=("note",)),
    Filters(ids=tuple(f"indicator--{i:08x}-0000-4000-8000-000000000000" for i in (1, 3, 5))),
    Filters(added_after=dt.datetime(2026, 11, 1, 0, 0, 50, tzinfo=dt.UTC), versions=("all",)),
]


@pytest.mark.parametrize("user", READERS, ids=lambda u: u.username)
@pytest.mark.parametrize("flt", FILTERS, ids=range(len(FILTERS)))
def test_pages_are_exactly_what_the_reader_may_see(engine: Engine, rows: list[IntelObject],
                                                   user: User, flt: Filters) -> None:
    expected = oracle(rows, user, flt)
    factory = make_session_factory(engine)
    with factory() as db:
        visible = LabelFilter(reader_for(user))
        whole = read_page(db, CID, visible, flt, 10_000)
        assert [r.seq for r in whole.rows] == expected and not whole.more
        for limit in (1, 7, 50):
            got, after, more = [], None, True
            while more:
                page = read_page(db, CID, visible, flt, limit, after)
                assert len(page.rows) <= limit
                got += [r.seq for r in page.rows]
                more, after = page.more, page.last
                assert more == (len(got) < len(expected)) or not page.rows
            assert got == expected


def test_startup_says_when_no_key_list_withholds_everything(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from forcegen.workspace.api.app import create_app
    from forcegen.workspace.config import Settings

    url = f"sqlite:///{tmp_path / 'nokeys.sqlite'}"
    with caplog.at_level(logging.WARNING, logger="forcegen.intel"):
        app = create_app(Settings(database_url=url, migrate_on_start=False))
    app.state.engine.dispose()
    said = [r.getMessage() for r in caplog.records if r.name == "forcegen.intel"]
    assert len(said) == 1 and "FORCEGEN_INTEL_KEY_LIST" in said[0] and "withheld" in said[0]
