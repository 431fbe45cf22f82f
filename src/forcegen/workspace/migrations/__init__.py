"""Alembic migrations of the workspace schema (run with ``forcegen.workspace.database.upgrade``)."""
