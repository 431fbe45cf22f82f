"""The shipped migrations create exactly the schema the models describe, on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine

from forcegen.workspace.database import alembic_config, make_engine, upgrade
from forcegen.workspace.models import Base


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def _compare_type(_ctx, _col, _reflected, _reflected_type, metadata_type) -> bool | None:  # type: ignore[no-untyped-def]
    # UTCDateTime stores text on SQLite by design (see its docstring); compare the rest as usual.
    from forcegen.workspace.database import UTCDateTime

    return False if isinstance(metadata_type, UTCDateTime) else None


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": _compare_type})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_sqlite_pragmas_and_foreign_keys(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
        return
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


@pytest.fixture
def blank_url(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """An empty database on the same backend as ``engine`` (a new file or schema)."""
    if engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.sqlite'}"
        return
    schema = f"fgmig_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = engine.url.set(query={}).render_as_string(hide_password=False)
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _pledge_indexes(url: str) -> dict[str, list[str]]:
    eng = make_engine(url)
    try:
        return {ix["name"]: list(ix["column_names"]) for ix in inspect(eng).get_indexes("pledges")}
    finally:
        eng.dispose()


def test_0002_pledge_list_indexes_upgrade_and_downgrade(blank_url: str) -> None:
    before = {
        "ix_pledges_nation": ["nation"],
        "ix_pledges_status": ["status"],
        "ix_pledges_capability": ["capability"],
        "ix_pledges_nation_status": ["nation", "status"],
    }
    after = {
        "ix_pledges_nation_id": ["nation", "id"],
        "ix_pledges_status_id": ["status", "id"],
        "ix_pledges_capability_id": ["capability", "id"],
        "ix_pledges_nation_status": ["nation", "status"],
    }
    upgrade(blank_url, "0001")
    assert _pledge_indexes(blank_url) == before
    upgrade(blank_url, "0002")
    assert _pledge_indexes(blank_url) == after
    downgrade(blank_url, "0001")
    assert _pledge_indexes(blank_url) == before
    upgrade(blank_url, "0002")
    assert _pledge_indexes(blank_url) == after


def test_0003_labels_upgrade_and_downgrade(blank_url: str) -> None:
    def columns(table: str) -> set[str]:
        engine = make_engine(blank_url)
        try:
            return {c["name"] for c in inspect(engine).get_columns(table)}
        finally:
            engine.dispose()

    upgrade(blank_url, "0002")
    base = _pledge_indexes(blank_url)
    assert "classification" not in columns("pledges") and "clearance" not in columns("users")
    upgrade(blank_url, "0003")
    for table in ("pledges", "requirements", "sourcing_runs"):
        assert {"classification", "releasable_to"} <= columns(table), table
    assert "clearance" in columns("users")
    assert _pledge_indexes(blank_url) == {
        **base,
        "ix_pledges_classification": ["classification"],
        "ix_pledges_releasable_to_id": ["releasable_to", "id"],
    }
    downgrade(blank_url, "0002")
    assert _pledge_indexes(blank_url) == base
    assert "classification" not in columns("requirements") and "clearance" not in columns("users")


def test_0005_certified_and_nation_version_keep_existing_rows(blank_url: str) -> None:
    upgrade(blank_url, "0004")
    engine = make_engine(blank_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO nations (code, groups, extra) VALUES ('FRA', '[]', '{}')")
            )
        engine.dispose()
        upgrade(blank_url, "0005")
        with engine.begin() as conn:
            # Existing nations start at version 1; existing lines ask no certification.
            assert conn.execute(text("SELECT version FROM nations")).scalar_one() == 1
            cols = {c["name"]: c for c in inspect(conn).get_columns("requirements")}
            assert cols["certified"]["nullable"]
        engine.dispose()
        downgrade(blank_url, "0004")
        with engine.connect() as conn:
            assert "version" not in {c["name"] for c in inspect(conn).get_columns("nations")}
            assert "certified" not in {
                c["name"] for c in inspect(conn).get_columns("requirements")
            }
            assert conn.execute(text("SELECT code FROM nations")).scalar_one() == "FRA"
    finally:
        engine.dispose()


def test_filtered_default_page_read_in_index_order(tmp_path: Path) -> None:
    """SQLite walks ``(filter, id)`` to serve a filtered page without sorting the matches.

    (SQLite only: PostgreSQL's planner scans tiny test tables whatever the indexes.)
    """
    engine = make_engine(f"sqlite:///{tmp_path / 'plan.sqlite'}")
    upgrade(engine)
    with engine.connect() as conn:
        for column in ("nation", "status", "capability"):
            plan = " ".join(
                str(row[-1])
                for row in conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN SELECT * FROM pledges WHERE {column} = 'x' "
                    "ORDER BY id LIMIT 100 OFFSET 200"
                )
            )
            assert f"ix_pledges_{column}_id" in plan and "TEMP B-TREE" not in plan, plan
    engine.dispose()


def test_0007_policy_labels_convert_in_place_and_back(blank_url: str) -> None:
    """Existing five-level labels become NATO-policy labels deciding the same for every
    reader; downgrade writes them back (a label five levels cannot say: narrowest)."""
    from forcegen.labels.label import make_label
    from forcegen.labels.legacy import legacy_to_label
    from forcegen.workspace.access import label_visible
    from forcegen.workspace.accounts import User
    from forcegen.workspace.label_store import label_columns, label_json
    from forcegen.workspace.labels import decode_releasable, encode_releasable, may_see
    from forcegen.workspace.readers import Reader
    from forcegen.workspace.requirements.models import Requirement

    upgrade(blank_url, "0005")
    rels = [None, ",", ",FRA,", ",DEU,GBR,"]
    engine = make_engine(blank_url)
    now = "2026-01-01 00:00:00"
    try:
        with engine.begin() as conn:
            for code in ("FRA", "GBR", "DEU"):
                conn.execute(text("INSERT INTO nations (code, groups, extra, version) "
                                  "VALUES (:c, '[]', '{}', 1)"), {"c": code})
            conn.execute(text("INSERT INTO sectors (id, demand, extra) "
                              "VALUES ('north', 1.0, '{}')"))
            i = 0
            for rank in range(5):
                for rel in rels:
                    i += 1
                    conn.execute(text(
                        "INSERT INTO requirements (id, capability, quantity, sector, priority, "
                        "notice_days, extra, version, created_at, updated_at, classification, "
                        "releasable_to) VALUES (:i, 'X', 1, 'north', 1, 1.0, '{}', 1, :t, :t, "
                        ":c, :r)"), {"i": f"R{i:03d}", "t": now, "c": rank, "r": rel})
                    conn.execute(text(
                        "INSERT INTO pledges (id, nation, capability, quantity, personnel, "
                        "notice_days, status, cost, extra, version, created_at, updated_at, "
                        "classification, releasable_to) VALUES (:i, :n, 'X', 1, 1, 1.0, "
                        "'offered', 0, '{}', 1, :t, :t, :c, :r)"),
                        {"i": f"P{i:03d}", "n": ("FRA", "GBR")[i % 2], "t": now, "c": rank,
                         "r": rel})
        engine.dispose()
        upgrade(blank_url, "0007")
        with engine.begin() as conn:
            reqs = conn.execute(text("SELECT id, classification, releasable_to, label, "
                                     "label_policy, label_open FROM requirements")).all()
            pledges = conn.execute(text("SELECT id, classification, releasable_to, label, "
                                        "nation FROM pledges")).all()
            assert len(reqs) == len(pledges) == 20
            for r in reqs:
                assert r.label == label_json(legacy_to_label(r.classification, r.releasable_to))
                assert r.label_policy == "NATO" and r.label_open == int(r.releasable_to is None)
            for p in pledges:
                assert p.label == label_json(legacy_to_label(p.classification, p.releasable_to,
                                                             p.nation))
            # the same decision for every legacy reader, by the engine and by the SQL filter
            for clearance in range(5):
                for nation in (None, "FRA", "GBR", "DEU", "POL"):
                    user = User(username="u", role="observer", clearance=clearance,
                                nation=nation)
                    reader = Reader(user)
                    old = {r.id for r in reqs
                           if may_see(clearance, nation, r.classification, r.releasable_to)}
                    assert {r.id for r in reqs if reader.sees_row(r._mapping)} == old
                    table = Requirement.__table__
                    assert set(conn.scalars(select(table.c.id).where(
                        label_visible(user, table)))) == old
                    old_p = {p.id for p in pledges if may_see(
                        clearance, nation, p.classification, p.releasable_to, p.nation)}
                    assert {p.id for p in pledges
                            if reader.sees_row(p._mapping, p.nation)} == old_p
            caveat = label_columns(make_label("NATO", "NATO SECRET", {"Special Handling":
                                                                      ["ATOMAL"]}))
            fvey = label_columns(make_label("NATO", "NATO RESTRICTED",
                                            {"Releasable To": ["FVEY"]}))
            for row_id, cols in (("R001", caveat), ("R002", fvey)):
                conn.execute(text("UPDATE requirements SET "
                                  + ", ".join(f"{k} = :{k}" for k in cols)
                                  + " WHERE id = :i"), {**cols, "i": row_id})
        engine.dispose()
        downgrade(blank_url, "0005")
        with engine.connect() as conn:
            cols = {c["name"] for c in inspect(conn).get_columns("requirements")}
            assert "label" not in cols and "label_policy" not in cols
            assert "memberships" not in {c["name"] for c in inspect(conn).get_columns("users")}
            after = {r.id: (r.classification, r.releasable_to) for r in conn.execute(
                text("SELECT id, classification, releasable_to FROM requirements"))}
            before = {r.id: (r.classification, r.releasable_to) for r in reqs}
            assert after.pop("R001") == (4, ",")  # a caveat: narrowest
            assert after.pop("R002") == (1, ",AUS,CAN,GBR,NZL,USA,")  # the group's nations
            assert after == {k: v for k, v in before.items() if k not in ("R001", "R002")}
            owners = {r.id: (r.classification, r.releasable_to) for r in conn.execute(
                text("SELECT id, classification, releasable_to FROM pledges"))}
            # pledges keep their five levels; the owner, always implied, is now also listed
            assert owners == {p.id: (p.classification, None if p.releasable_to is None else
                                     encode_releasable({*(decode_releasable(p.releasable_to)
                                                          or []), p.nation}))
                              for p in pledges}
        engine.dispose()
        upgrade(blank_url, "0007")  # and up again
    finally:
        engine.dispose()


def test_0016_relief_nation_fk_backfills_missing_nations_and_holds_them(blank_url: str) -> None:
    upgrade(blank_url, "0015")
    engine = make_engine(blank_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO nations (code, name, groups, extra) "
                              "VALUES ('FRA', 'France', '[]', '{}')"))
            conn.execute(text("INSERT INTO relief_events (id, items, version, created_at, "
                              "updated_at) VALUES ('EV', '[]', 1, '2027-02-10T00:00:00+00:00', "
                              "'2027-02-10T00:00:00+00:00')"))
            for oid, nation in (("O1", "FRA"), ("O2", "XYZ"), ("O3", "XYZ")):
                conn.execute(text(
                    "INSERT INTO relief_offers (id, event, nation, capability, quantity, home, "
                    "notice_hours, mode, cost, status, version, created_at, updated_at) VALUES "
                    f"('{oid}', 'EV', '{nation}', 'W', 1, '[0, 0]', 0, 'air', 0, 'offered', 1, "
                    "'2027-02-10T00:00:00+00:00', '2027-02-10T00:00:00+00:00')"))
        engine.dispose()
        upgrade(blank_url, "0016")
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT code, name FROM nations ORDER BY code")).all()
            assert [tuple(r) for r in rows] == [("FRA", "France"), ("XYZ", "XYZ")]
            assert conn.execute(text("SELECT count(*) FROM relief_offers")).scalar_one() == 3
            fks = inspect(conn).get_foreign_keys("relief_offers")
            assert any(f["referred_table"] == "nations" for f in fks)
        with pytest.raises(Exception, match=r"(?i)foreign key"), engine.begin() as conn:
            conn.execute(text("DELETE FROM nations WHERE code = 'XYZ'"))
        engine.dispose()
        downgrade(blank_url, "0015")
        with engine.connect() as conn:
            fks = inspect(conn).get_foreign_keys("relief_offers")
            assert not any(f["referred_table"] == "nations" for f in fks)
            assert conn.execute(text("SELECT count(*) FROM relief_offers")).scalar_one() == 3
    finally:
        engine.dispose()
