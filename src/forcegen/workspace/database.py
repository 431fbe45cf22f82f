"""Engine, sessions and schema migrations.

SQLite (the embedded default) gets ``foreign_keys=ON``, WAL journaling and a busy timeout on
every connection; PostgreSQL is used as is. The schema is created and upgraded with the Alembic
migrations shipped in ``forcegen/workspace/migrations``: call :func:`upgrade`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, String, TypeDecorator, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

__all__ = [
    "Base",
    "UTCDateTime",
    "make_engine",
    "make_session_factory",
    "session_scope",
    "upgrade",
    "utcnow",
]

MIGRATIONS = Path(__file__).parent / "migrations"

# Named constraints so that migrations can refer to them on every backend.
_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every workspace table."""

    metadata = MetaData(naming_convention=_NAMING)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the per-backend settings the workspace relies on."""
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (needed to serialize them)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Session]:
    """A read-only session on one consistent snapshot of the database, on its own connection.

    For reads spanning several statements that must agree with each other (the audit chain
    check reads in batches, then the head): without a snapshot, a change committed in between
    by another request would look like tampering. PostgreSQL: REPEATABLE READ; SQLite (WAL):
    an explicit BEGIN pins the snapshot at the first read. Always rolled back.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        elif engine.dialect.name == "sqlite" and not getattr(
            conn.connection.dbapi_connection, "in_transaction", False
        ):
            # pysqlite opens no transaction for reads; BEGIN pins the WAL snapshot. (An
            # in-memory database shares one connection, which may already be in one.)
            conn.exec_driver_sql("BEGIN")
        with Session(bind=conn) as db:
            yield db
        conn.rollback()


def alembic_config(url: str) -> Any:
    """An Alembic ``Config`` pointing at the shipped migrations (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | Engine, revision: str = "head") -> None:
    """Create or upgrade the workspace schema at ``url`` (a URL or an engine)."""
    from alembic import command

    if isinstance(url, Engine):
        cfg = alembic_config(url.url.render_as_string(hide_password=False))
        with url.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        return
    cfg = alembic_config(url)
    command.upgrade(cfg, revision)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite drops the zone).

    On SQLite the value is kept as SQLAlchemy writes ``DateTime`` there
    (``YYYY-MM-DD HH:MM:SS.ffffff``, which sorts correctly) but parsed with
    ``datetime.fromisoformat``: several times faster than the generic regex, which matters on
    list pages with hundreds of timestamps.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        """Text on SQLite, ``timestamptz`` elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> Any:
        """A datetime as stored: UTC (a naive one is taken as UTC)."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return value

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        """A stored value as an aware UTC datetime."""
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)
