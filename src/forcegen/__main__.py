"""``python -m forcegen`` runs the command line."""

from forcegen.cli.main import app

app()
