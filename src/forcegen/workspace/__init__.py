"""The coalition workspace: shared database, HTTP API, accounts and roles, audit trail.

Layout, in layers (a module imports only from its own layer or below; no two packages import
each other; the contracts are ``[tool.importlinter]`` in ``pyproject.toml``)::

    api/           the HTTP API: ``app.py`` (``create_app``), ``deps.py`` (``SessionDep``,
                   ``CurrentUser`` ...), one router per domain (``api/pledges.py`` ...)
    <domain>/      models.py, schemas.py, service.py: runs > scenarios > nations > labelled.py
                   > pledges > requirements | users > auth > audit; bootstrap.py and models.py
                   (every table, for Alembic) on top
    ground floor   database.py (engine, sessions, ``Base``, ``upgrade``), config.py (settings),
                   types.py (field bounds: the scenario core's), labels.py, listing.py,
                   records.py (label, version and timestamp columns, the version check and
                   the update routine), access/ (who may do what, default deny: roles
                   and scope, label checks, the create-conflict rule on chosen ids),
                   errors.py (exception classes; their JSON shape is ``api/errors.py``),
                   accounts.py (the ``User`` model), reference.py (``Nation``, ``WorkspaceMeta``)

Server start-up (``forcegen serve``) is ``forcegen.serve``, above both this package and the web
pages. Service functions are plain functions taking a SQLAlchemy ``Session`` (and the acting
user where access depends on it); the API and the server-rendered web UI both call them.
"""

__all__: list[str] = []
