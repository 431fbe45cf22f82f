"""Command-line interface (Typer + Rich): a thin layer over the library."""
