"""``forcegen serve``: the coalition workspace (API and web UI) on one machine."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

__all__ = ["example_folder", "register", "serve"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def example_folder() -> Path:
    """The bundled example scenario, shipped inside the package (so a wheel install has it)."""
    from forcegen.data import example_path

    return example_path("reassurance-force")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on", min=1, max=65535)] = 8000,
    database_url: Annotated[str | None, typer.Option(
        "--database-url",
        help="SQLAlchemy URL (default: FORCEGEN_DATABASE_URL, else forcegen.sqlite here)",
    )] = None,
    admin_password: Annotated[str | None, typer.Option(
        "--admin-password",
        help="Password of the first admin account (default: a generated one, to be changed)",
    )] = None,
    example: Annotated[bool, typer.Option(
        "--example/--no-example", help="Load the bundled example into an empty workspace"
    )] = True,
    workers: Annotated[int, typer.Option(
        help="Server processes sharing the port (SO_REUSEPORT; Linux, BSD, macOS)", min=1, max=64
    )] = 1,
) -> None:
    """Start the workspace: web UI and /api/v1 on HOST:PORT (SQLite by default)."""
    from forcegen.exceptions import OptionError
    from forcegen.serve import reuse_port_supported, run_server
    from forcegen.workspace.bootstrap import ensure_admin, load_example_if_empty
    from forcegen.workspace.config import Settings
    from forcegen.workspace.database import make_engine, make_session_factory, upgrade

    if workers > 1 and not reuse_port_supported():
        raise OptionError("--workers: several processes need SO_REUSEPORT, which this "
                          "platform lacks; use --workers 1")

    console = Console()
    settings = Settings()  # FORCEGEN_* environment variables apply
    url = _checked_url(database_url or settings.database_url)
    settings = settings.model_copy(update={"database_url": url})
    # Before anything is announced: a taken port must not follow "workspace at http://...".
    _check_port(host, port)
    console.print(f"database: {_redact(url)}", highlight=False)
    # Set up once, here: migrate, first admin, example. The serving processes build the app
    # and skip all three.
    engine = _open_database(url, make_engine, upgrade)
    factory = make_session_factory(engine)
    password = ensure_admin(factory, password=admin_password)
    if example:
        folder = example_folder()
        with console.status("loading the example scenario"):
            loaded = load_example_if_empty(factory, folder)
        if loaded:
            console.print(f"loaded the example scenario from {folder}", highlight=False)
    shown = f"[{host}]" if ":" in host else host
    console.print(f"\n[bold]forcegen workspace[/] at [bold cyan]http://{shown}:{port}/[/]",
                  highlight=False)
    if password is not None:
        console.print("sign in as [bold]admin[/] with password "
                      f"[bold]{password}[/]", highlight=False)
        if admin_password is None:
            console.print("(generated now and shown only once: you will be asked to change it)")
    else:
        console.print("sign in with an existing account")
    if host not in _LOOPBACK and settings.cookie_secure:
        console.print("[yellow]note:[/] session cookies are Secure: browsers send them over "
                      "plain http only to localhost. Put HTTPS in front, or set "
                      "FORCEGEN_COOKIE_SECURE=false on a closed network.")
    if workers > 1:
        console.print(f"{workers} server processes share the port", highlight=False)
    engine.dispose()
    log_level = os.environ.get("FORCEGEN_LOG_LEVEL", "info")
    try:
        run_server(settings, host, port, workers=workers, log_level=log_level)
    except OSError as exc:
        if exc.errno not in _BIND_ERRORS:
            raise
        # Taken between the check and the start (another program was quicker).
        raise OptionError(_port_message(host, port, exc)) from None


_BIND_ERRORS = (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL)
_POSTGRES_EXTRA = "pip install 'forcegen[postgres]'"


def _checked_url(url: str) -> str:
    """The database URL, checked before any output: form, driver, SQLite folder."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from forcegen.exceptions import OptionError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise OptionError(f"--database-url {_redact(url)!r}: not a database URL (expected e.g. "
                          "sqlite:///forcegen.sqlite or postgresql+psycopg://user@host/db)"
                          ) from None
    if parsed.drivername == "postgresql":
        # The postgres extra installs psycopg 3; SQLAlchemy 2.0 would pick psycopg2 for a URL
        # without a driver, which the extra does not install.
        parsed = parsed.set(drivername="postgresql+psycopg")
        url = parsed.render_as_string(hide_password=False)
    try:
        parsed.get_dialect().import_dbapi()
    except ImportError as exc:
        hint = (f"install the postgres extra: {_POSTGRES_EXTRA}"
                if parsed.get_backend_name() == "postgresql" else "install it with pip")
        raise OptionError(f"--database-url {_redact(url)}: the database driver is not "
                          f"installed ({exc.name or exc}); {hint}") from None
    except Exception as exc:  # NoSuchModuleError: an unknown backend or driver name
        raise OptionError(f"--database-url {_redact(url)}: {exc}") from None
    db = parsed.database
    if parsed.get_backend_name() == "sqlite" and db and db != ":memory:" and not db.startswith(
            "file:"):
        folder = Path(db).expanduser().absolute().parent
        if not folder.is_dir():
            raise OptionError(f"--database-url {_redact(url)}: the folder {folder} does not "
                              "exist; create it first or choose another path")
    return url


def _check_port(host: str, port: int) -> None:
    from forcegen.exceptions import OptionError
    from forcegen.serve import bind_socket

    try:
        bind_socket(host, port).close()
    except OSError as exc:
        raise OptionError(_port_message(host, port, exc)) from None


def _port_message(host: str, port: int, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EADDRINUSE:
        return (f"cannot listen on {host}:{port}: the port is already in use (another "
                "program, or forcegen serve already running); choose another with --port")
    return f"cannot listen on {host}:{port}: {reason}"


def _open_database(url: str, make_engine: Any, upgrade: Any) -> Any:
    """Engine with the schema migrated; a database that cannot be opened is exit 2."""
    from sqlalchemy.exc import OperationalError

    from forcegen.exceptions import OptionError

    engine = make_engine(url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise OptionError(f"cannot open the database {_redact(url)}: {first}") from None
    return engine


def _redact(url: str) -> str:
    # Never print a database password.
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}" if ":" in creds else url
    return url


def register(app: typer.Typer) -> None:
    """Add ``forcegen serve``."""
    app.command("serve")(serve)
