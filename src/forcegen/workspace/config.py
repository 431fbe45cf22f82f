"""Workspace settings, read from ``FORCEGEN_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "default_database_url"]


def default_database_url() -> str:
    """SQLite file in the current directory: the embedded default."""
    return f"sqlite:///{Path.cwd() / 'forcegen.sqlite'}"


class Settings(BaseSettings):
    """Everything the workspace can be configured with.

    Every field maps to an environment variable with the ``FORCEGEN_`` prefix, for example
    ``FORCEGEN_DATABASE_URL=postgresql+psycopg://user@host/db``.
    """

    model_config = SettingsConfigDict(env_prefix="FORCEGEN_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    #: Send the session cookie only over HTTPS. Browsers treat http://localhost as secure.
    cookie_secure: bool = True
    session_cookie: str = "forcegen_session"
    csrf_cookie: str = "forcegen_csrf"
    csrf_header: str = "X-CSRF-Token"
    #: Pre-session CSRF cookie of the sign-in form (login CSRF, see ``api.cookies``).
    login_csrf_cookie: str = "forcegen_login_csrf"
    session_hours: float = 12.0
    #: Failed logins allowed per (user name, client address) within the window. Attempts are
    #: counted before the password is checked (``auth.throttle``).
    login_max_failures: int = 5
    login_window_seconds: int = 900
    #: Failed logins allowed per client address (any user names) within the window.
    login_max_failures_per_client: int = 30
    #: Failed logins allowed in total within the window: bounds the hashing a distributed flood
    #: causes (while it lasts, every sign-in is refused with 429).
    login_max_failures_total: int = 1000
    #: Password checks (argon2, 64 MiB each) run at once per server process; more get 429.
    login_concurrent_hashes: int = 2
    #: Largest request body accepted (bytes); larger ones get 413.
    max_body_bytes: int = 16 * 1024 * 1024
    #: Largest total size of the files unpacked from an uploaded scenario zip.
    max_unpacked_bytes: int = 64 * 1024 * 1024
    #: Background sourcing runs executed at once.
    run_workers: int = 1
    #: Solver time limit for background runs (seconds), ``None`` for none.
    run_time_limit: float | None = 120.0
    #: The key list (``forcegen audit keygen --publish``) label signatures of STIX objects
    #: posted to the TAXII server are checked against; none: every post is refused.
    intel_key_list: str | None = None
    #: Record every object served by TAXII reads, the event stream and exports in the audit
    #: trail (``intel_read``). Creation, release and withheld objects are always recorded.
    intel_audit_reads: bool = True
    #: Seconds between reads of new objects by the event streams when nothing was announced
    #: (default: 2 on PostgreSQL, whose NOTIFY wakes them; 0.25 on SQLite).
    intel_push_fallback_seconds: float | None = None
    #: Federated peers (a JSON file, ``docs/intel.md``): their TAXII URLs, the credentials this
    #: instance uses there, their nation, and the local account each peer posts as.
    intel_peers: str | None = None
    #: Signing keys (``forcegen audit keygen``; a JSON file: one key, a list, or ``{"keys":
    #: [...]}``) of the nations whose analysts compose objects on the web pages; an author
    #: whose nation has no key here cannot publish from the browser.
    intel_signing_keys: str | None = None
    #: The workspace's Ed25519 key (``forcegen audit keygen``; a JSON file: one key, a list, or
    #: ``{"keys": [...]}``; the newest valid one signs) for the audit log's signed tree heads.
    #: None: the server runs, and the tree-head and proof endpoints answer 409 saying so.
    audit_signing_key: str | None = None
    #: Create tables (Alembic upgrade) when the app starts.
    migrate_on_start: bool = True
