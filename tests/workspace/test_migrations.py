"""The shipped migrations create exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from forcegen.workspace.models import Base


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
