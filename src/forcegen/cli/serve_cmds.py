"""``forcegen serve``: the coalition workspace (API and web UI) on one machine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

__all__ = ["example_folder", "register", "serve"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def example_folder() -> Path | None:
    """The bundled example ``examples/reassurance-force`` when running from a source checkout.

    An installed wheel does not carry the example; the workspace then starts empty.
    """
    # src/forcegen/cli/serve_cmds.py -> the checkout's root is three folders up.
    root = Path(__file__).resolve().parents[3]
    for base in (root, Path.cwd()):
        folder = base / "examples" / "reassurance-force"
        if (folder / "scenario.yaml").is_file():
            return folder
    return None


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
) -> None:
    """Start the workspace: web UI and /api/v1 on HOST:PORT (SQLite by default)."""
    import uvicorn

    from forcegen.web import create_web_app
    from forcegen.workspace.bootstrap import ensure_admin, load_example_if_empty
    from forcegen.workspace.config import Settings

    console = Console()
    settings = Settings()  # FORCEGEN_* environment variables apply
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    console.print(f"database: {_redact(settings.database_url)}", highlight=False)
    app = create_web_app(settings)
    factory = app.state.session_factory
    password = ensure_admin(factory, password=admin_password)
    folder = example_folder() if example else None
    if folder is not None:
        with console.status("loading the example scenario"):
            loaded = load_example_if_empty(factory, folder)
        if loaded:
            console.print(f"loaded the example scenario from {folder}", highlight=False)
    elif example:
        console.print("no bundled example found (installed package): the workspace starts "
                      "empty; sign in and use Import to load a scenario.")
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
    uvicorn.run(app, host=host, port=port, log_level=os.environ.get("FORCEGEN_LOG_LEVEL", "info"))


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
