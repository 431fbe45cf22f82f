"""``python -m forcegen`` runs the command line."""

from forcegen.cli._clock import mark_process_start
from forcegen.cli.main import app

mark_process_start()  # time limits count from the process start (see forcegen.cli._clock)
app()
