"""Data shipped with the package: catalog, country shapes, airfields, ports, the example.

Everything here is read from the installed package, never from the network or a checkout, so
an installed wheel works on a machine cut off from the internet. Sources and licences:
``ATTRIBUTION.md`` beside this file.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATA_DIR", "EXAMPLES", "example_path"]

DATA_DIR = Path(__file__).resolve().parent
#: Bundled example scenarios, each a folder holding ``scenario.yaml``.
EXAMPLES: tuple[str, ...] = ("reassurance-force",)


def example_path(name: str = "reassurance-force") -> Path:
    """The folder of a bundled example scenario (read-only: copy it before editing).

    >>> example_path().joinpath("scenario.yaml").is_file()
    True
    """
    if name not in EXAMPLES:
        raise KeyError(f"no bundled example {name!r}; bundled: {', '.join(EXAMPLES)}")
    return DATA_DIR / "examples" / name
