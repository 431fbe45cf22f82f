"""``forcegen serve``: the coalition workspace (API and web UI) on one machine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

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
    from forcegen.workspace.bootstrap import ensure_admin, load_example_if_empty
    from forcegen.workspace.config import Settings
    from forcegen.workspace.database import make_engine, make_session_factory, upgrade
    from forcegen.workspace.server import reuse_port_supported, run_server

    if workers > 1 and not reuse_port_supported():
        raise OptionError("--workers: several processes need SO_REUSEPORT, which this "
                          "platform lacks; use --workers 1")

    console = Console()
    settings = Settings()  # FORCEGEN_* environment variables apply
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    console.print(f"database: {_redact(settings.database_url)}", highlight=False)
    # Set up once, here: migrate, first admin, example. The serving processes build the app
    # and skip all three.
    engine = make_engine(settings.database_url)
    upgrade(engine)
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
    run_server(settings, host, port, workers=workers, log_level=log_level)


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
