"""The coalition workspace: shared database, HTTP API, accounts and roles, audit trail.

Layout (one package per domain concept, as in Netflix Dispatch)::

    config.py      settings from the environment (``FORCEGEN_DATABASE_URL`` ...)
    database.py    engine, sessions, ``Base``, ``upgrade(url)`` (Alembic, shipped here)
    errors.py      the single JSON error shape and the domain exceptions services raise
    access.py      who may do what (roles, nation scoping), default deny
    deps.py        FastAPI dependencies: ``SessionDep``, ``CurrentUser``, ``require_roles``
    app.py         ``create_app(settings)``
    <concept>/     models.py, schemas.py, service.py, views.py

Service functions are plain functions taking a SQLAlchemy ``Session`` (and the acting user
where access depends on it); the API and the server-rendered web UI both call them.
"""

__all__: list[str] = []
