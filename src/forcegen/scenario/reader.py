"""Load and validate a scenario: structure (pydantic) and references, all problems in one pass."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from forcegen._gc import with_gc_paused
from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario._checks import (
    _check_references,
    _validate,
    capped,
)
from forcegen.scenario._scenario import Scenario
from forcegen.scenario._sources import Origin, parse_yaml, read_xlsx, read_yaml
from forcegen.scenario._split import _split_yaml
from forcegen.scenario._tables import SECTIONS
from forcegen.scenario.catalog import builtin_catalog
from forcegen.scenario.models import ScenarioData

__all__ = ["load_scenario", "load_scenario_bytes", "scenario_from_dict", "scenario_from_models"]

@with_gc_paused
def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario folder, a ``scenario.yaml`` file or an ``.xlsx`` workbook.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        With every problem found (file, line or row, field, what was expected).

    Examples
    --------
    >>> s = load_scenario("examples/reassurance-force")  # doctest: +SKIP
    >>> len(s.requirements) > 0  # doctest: +SKIP
    True
    """
    p = Path(path)
    if not p.exists():
        raise ScenarioError([Problem(str(p), "no such file or folder")])
    if p.is_dir():
        for name in ("scenario.yaml", "scenario.yml"):
            if (p / name).is_file():
                return _from_yaml_file(p / name)
        if (p / "scenario.xlsx").is_file():
            return _from_xlsx(p / "scenario.xlsx")
        raise ScenarioError([Problem(str(p), "folder has no scenario.yaml (or scenario.xlsx)")])
    if p.suffix.lower() == ".xlsx":
        return _from_xlsx(p)
    if p.suffix.lower() in (".yaml", ".yml"):
        return _from_yaml_file(p)
    raise ScenarioError(
        [Problem(str(p), "expected a scenario folder, a .yaml file or an .xlsx workbook")]
    )


@with_gc_paused
def scenario_from_dict(
    data: dict[str, Any], source: str = "<memory>", *, tables: Mapping[str, str] | None = None
) -> Scenario:
    """Validate a dict shaped like ``scenario.yaml`` (all sections inline).

    ``tables`` holds the side tables the scenario names (``network: network.csv``) as text, by
    that name, so a scenario kept in a database needs no folder: analyses read them through
    :meth:`Scenario.path_of` / :meth:`Scenario.table_text`, exports write them under fixed names.

    Parameters
    ----------
    data
        The document, as :func:`yaml.safe_load` would give it.
    source
        What messages call the document.
    tables
        Side tables by the name the document gives them; with it, a missing one is a problem.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        With every problem found, named by ``source`` and the field.

    Examples
    --------
    >>> s = scenario_from_dict({"forcegen": 1, "name": "tiny",
    ...                         "nations": [{"code": "GBR"}],
    ...                         "sectors": [{"id": "north"}]})
    >>> s.name, len(s.data.nations)
    ('tiny', 1)
    """
    if not isinstance(data, dict):
        raise ScenarioError([Problem(source, "expected a mapping at the top level")])
    raw = _split_yaml(data, {}, Path(source), root=None)
    raw.tables = dict(tables or {})
    return _validate(raw, root=None, source=source, check_tables=tables is not None)


def scenario_from_models(data: ScenarioData, source: str = "<memory>") -> Scenario:
    """A :class:`Scenario` from records already validated one by one (a database's rows).

    Checks the references between them as a file's are checked (nation codes, sectors,
    capability types, depot sites) and overlays the scenario's catalog on the built-in one;
    no dict shaped like a file, no folder. Every non-empty section counts as inline.

    Parameters
    ----------
    data
        The records, each already validated by its model.
    source
        What messages call the records (a workspace, say).

    Returns
    -------
    Scenario
        The scenario, its catalog the built-in one with the scenario's types over it.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        With every reference problem found, named by ``source``.
    """
    origin = Origin(source, None)
    items = {s: [(m, origin) for m in getattr(data, s)] for s in SECTIONS}
    catalog = builtin_catalog()
    for cap in data.catalog:
        catalog[cap.code] = cap
    problems = _check_references(items, catalog, {s: set() for s in SECTIONS})
    if problems:
        raise ScenarioError(capped(problems, source))
    layout = {s: "inline" for s in SECTIONS if getattr(data, s)}
    return Scenario(data=data, catalog=catalog, root=None, source=source, layout=layout)


def load_scenario_bytes(
    content: bytes, name: str = "upload", *, tables: Mapping[str, str] | None = None
) -> Scenario:
    """Read a ``scenario.yaml`` or an ``.xlsx`` workbook held in memory (a web upload).

    Nothing is read from or written to disk: a workbook's ``network``/``nodes``/``costs``
    sheets become in-memory tables, and ``tables`` (file name -> text) supplies side tables a
    YAML document names. ``name`` only names the content in messages. Sections must be inline
    (or sheets): a section given as a file name cannot be read without a folder.

    Parameters
    ----------
    content
        The file's bytes: a workbook (zip) or UTF-8 YAML.
    name
        What messages call the content (the uploaded file's name, say).
    tables
        Side tables the YAML names, as text by that name.

    Returns
    -------
    Scenario
        The validated scenario, holding its side tables in memory.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        With every problem found, as :func:`load_scenario`.
    """
    if content[:4] == b"PK\x03\x04":
        raw = read_xlsx(content, name)
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ScenarioError([Problem(name, f"not UTF-8 text ({exc.reason})")]) from None
        # As _from_yaml_file: without the line map first, with it only to report problems.
        data, _ = parse_yaml(text, name, lines=False)
        if isinstance(data, dict):
            raw = _split_yaml(data, {}, Path(name), root=None)
            raw.tables.update(tables or {})
            try:
                return _validate(raw, root=None, source=name, check_tables=True)
            except ScenarioError:
                pass
        data, lines = parse_yaml(text, name)
        if not isinstance(data, dict):
            raise ScenarioError([Problem(name, "expected a mapping (key: value) at the top", 1)])
        raw = _split_yaml(data, lines, Path(name), root=None)
    raw.tables.update(tables or {})
    return _validate(raw, root=None, source=name, check_tables=True)


# --------------------------------------------------------------------------- readers
def _from_yaml_file(path: Path) -> Scenario:
    # Line numbers only serve the messages: the file is first read without them (the walk
    # that records a line per value is a third of the parse; 1 s of 3 at 50,000 pledges), and
    # read again with them only when there is a problem to report. Both reads give the same
    # records, so the second finds the same problems, now with their lines.
    data, _ = read_yaml(path, lines=False)
    if isinstance(data, dict):
        try:
            return _validate(_split_yaml(data, {}, path, root=path.parent), root=path.parent,
                             source=str(path))
        except ScenarioError:
            pass
    data, lines = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(str(path), "expected a mapping (key: value) at the top", 1)])
    raw = _split_yaml(data, lines, path, root=path.parent)
    return _validate(raw, root=path.parent, source=str(path))


def _from_xlsx(path: Path) -> Scenario:
    raw = read_xlsx(path)
    return _validate(raw, root=path.parent, source=str(path))


