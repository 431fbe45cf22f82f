"""Load and validate a scenario: structure (pydantic) and references, all problems in one pass."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pycountry
from pydantic import BaseModel, ValidationError

from forcegen._gc import with_gc_paused
from forcegen.exceptions import Problem, ScenarioError, one_of
from forcegen.scenario._scenario import Scenario
from forcegen.scenario._sources import (
    Origin,
    RawScenario,
    parse_yaml,
    read_csv_table,
    read_xlsx,
    read_yaml,
)
from forcegen.scenario._tables import FILE_KEYS, SECTIONS
from forcegen.scenario.catalog import builtin_catalog
from forcegen.scenario.limits import FILE_NAME_RULE, MAX_PROBLEMS, unsafe_file_name
from forcegen.scenario.models import (
    PATTERN_MESSAGES,
    Capability,
    DepotSite,
    Nation,
    Pledge,
    Requirement,
    ScenarioData,
    Sector,
)

__all__ = ["load_scenario", "load_scenario_bytes", "scenario_from_dict", "scenario_from_models"]

_MODELS: dict[str, type[BaseModel]] = {
    "nations": Nation,
    "catalog": Capability,
    "sectors": Sector,
    "requirements": Requirement,
    "pledges": Pledge,
    "depot_sites": DepotSite,
}
_ID_FIELD = {"nations": "code", "catalog": "code"}


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


def _split_yaml(
    data: dict[str, Any], lines: dict[str, int], path: Path, root: Path | None
) -> RawScenario:
    problems: list[Problem] = []
    meta = {k: v for k, v in data.items() if k not in SECTIONS}
    meta_origin = Origin(str(path), None, {k: lines.get(k, 0) for k in meta if k in lines})
    sections: dict[str, list[tuple[dict[str, Any], Origin]]] = {}
    layout: dict[str, str] = {}
    for section in SECTIONS:
        if section not in data or data[section] is None:
            continue
        value = data[section]
        if isinstance(value, str):
            # The name is data: a plain file name beside the scenario, never a path.
            reason = unsafe_file_name(value)
            if reason is not None:
                problems.append(Problem(str(path), f"{reason}; expected {FILE_NAME_RULE}",
                                        lines.get(section), section))
                continue
            layout[section] = value
            if root is None:  # a scenario built in memory has no folder to read tables from
                problems.append(Problem(str(path), f"table file {value!r} cannot be read here; "
                                        "give the records inline", lines.get(section), section))
                continue
            table = root / value
            if not table.is_file():
                problems.append(
                    Problem(str(path), f"table file {value!r} not found", lines.get(section),
                            section)
                )
                continue
            if table.suffix.lower() != ".csv":
                problems.append(
                    Problem(str(path), "a table file must be a .csv", lines.get(section), section)
                )
                continue
            try:
                sections[section] = read_csv_table(table)
            except ScenarioError as exc:
                problems.extend(exc.problems)
            except (UnicodeDecodeError, OSError) as exc:
                problems.append(Problem(str(table), f"cannot read CSV ({exc})"))
            continue
        if not isinstance(value, list):
            problems.append(
                Problem(
                    str(path), "expected a list of records or a .csv file name",
                    lines.get(section), section,
                )
            )
            continue
        # Field lines per record in one pass over the line map (not one scan per record).
        per_item: dict[str, dict[str, int]] = {}
        head = section + "."
        for key, line in lines.items():
            if key.startswith(head):
                index, _, rest = key[len(head):].partition(".")
                if rest:
                    per_item.setdefault(index, {})[rest] = line
        recs = []
        for i, item in enumerate(value):
            prefix = f"{section}.{i}"
            origin = Origin(str(path), lines.get(prefix), per_item.get(str(i), {}))
            if not isinstance(item, dict):
                problems.append(Problem(str(path), "expected a record (key: value)", origin.line))
                continue
            recs.append((item, origin))
        sections[section] = recs
        layout[section] = "inline"
    return RawScenario(meta, meta_origin, sections, layout, problems)


# --------------------------------------------------------------------------- validation
def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(x) for x in loc)


def _explain(err: Any) -> str:
    msg = str(err["msg"])
    if err["type"] == "missing":
        return "required field is missing"
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "value_error":
        msg = msg.removeprefix("Value error, ")
    if err["type"] == "string_pattern_mismatch":
        pattern = (err.get("ctx") or {}).get("pattern")
        if pattern in PATTERN_MESSAGES:
            return PATTERN_MESSAGES[pattern]
    if err["type"] not in ("missing", "value_error") and "input" in err:
        got = err["input"]
        if not isinstance(got, dict | list):
            msg += f" (got {got!r})"
    return msg


def _problems_from(exc: ValidationError, origin: Origin, prefix: str = "") -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-")))
        # Drop pydantic's union-branch tags (e.g. "tuple[float, float]") from locations.
        loc = tuple(x for x in loc if not (isinstance(x, str) and ("[" in x or x in ("str",))))
        path = _field_path(loc) or str((err.get("ctx") or {}).get("field", ""))
        out.append(
            Problem(origin.file, _explain(err), origin.line_of(path), (prefix + path) or None)
        )
    return out


def _validate(
    raw: RawScenario, root: Path | None, source: str, *, check_tables: bool = False
) -> Scenario:
    problems = list(raw.problems) + _duplicates(raw)
    items: dict[str, list[tuple[Any, Origin]]] = {s: [] for s in SECTIONS}
    # Ids of records that failed validation still count as known, so one bad sector does not
    # also make every reference to it an error.
    invalid_ids: dict[str, set[str]] = {s: set() for s in SECTIONS}
    for section, records in raw.sections.items():
        model = _MODELS[section]
        for rec, origin in records:
            extra = rec.pop("__extra_cells__", None)
            if extra:
                problems.append(
                    Problem(origin.file, f"row has {len(extra)} more cell(s) than the header",
                            origin.line)
                )
            try:
                items[section].append((model.model_validate(rec), origin))
            except ValidationError as exc:
                problems.extend(_problems_from(exc, origin))
                ident = rec.get(_ID_FIELD.get(section, "id"))
                if isinstance(ident, str):
                    ident = ident.strip()
                    invalid_ids[section].add(ident.upper() if section == "nations" else ident)
    try:
        meta = ScenarioData.model_validate(raw.meta)
    except ValidationError as exc:
        problems.extend(_problems_from(exc, raw.meta_origin))
        meta = None

    catalog = builtin_catalog()
    for cap, _ in items["catalog"]:
        catalog[cap.code] = cap
    problems.extend(_check_references(items, catalog, invalid_ids))
    for name in raw.tables:
        reason = unsafe_file_name(name)
        if reason is not None:
            problems.append(Problem(source, f"table {name!r}: {reason}; expected {FILE_NAME_RULE}"))
    if meta is not None and (root is not None or check_tables):
        for key in FILE_KEYS:
            name = getattr(meta, key)
            if name is None or name in raw.attached or name in raw.tables:
                continue
            if root is None or not (root / name).is_file():
                problems.append(
                    Problem(raw.meta_origin.file, f"file {name!r} not found",
                            raw.meta_origin.fields.get(key), key)
                )
    if problems:
        raise ScenarioError(capped(sorted(problems, key=lambda p: (p.file, p.line or 0)), source))
    assert meta is not None
    data = meta.model_copy(update={s: [m for m, _ in items[s]] for s in SECTIONS})
    return Scenario(data=data, catalog=catalog, root=root, source=source, layout=raw.layout,
                    attached=dict(raw.attached), tables=dict(raw.tables))


def capped(problems: list[Problem], source: str) -> list[Problem]:
    """The first ``MAX_PROBLEMS`` problems, then one line counting the rest.

    50,000 bad rows must not answer 50,000 messages (megabytes nobody reads): the first
    ones show what is wrong, the count how much.
    """
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    more = Problem(source, f"... and {rest} more problem{'s' if rest != 1 else ''} "
                   f"(only the first {MAX_PROBLEMS} are listed)")
    return [*problems[:MAX_PROBLEMS], more]


def _duplicates(raw: RawScenario) -> list[Problem]:
    """Duplicate ids per section, counting records that fail validation too."""
    out = []
    for section, records in raw.sections.items():
        key = _ID_FIELD.get(section, "id")
        seen: dict[str, int | None] = {}
        for rec, origin in records:
            ident = rec.get(key)
            if not isinstance(ident, str | int):
                continue
            ident = str(ident).strip()
            if section == "nations":  # codes are read in any case (fra = FRA)
                ident = ident.upper()
            if ident in seen:
                where = f" (first at line {seen[ident]})" if seen[ident] else ""
                out.append(Problem(origin.file, f"duplicate {key} {ident!r} in {section}{where}",
                                   origin.line_of(key), key))
            else:
                seen[ident] = origin.line
    return out


def _check_references(
    items: dict[str, list[tuple[Any, Origin]]],
    catalog: dict[str, Capability],
    invalid_ids: dict[str, set[str]],
) -> list[Problem]:
    problems: list[Problem] = []

    def bad(origin: Origin, field: str, message: str) -> None:
        problems.append(Problem(origin.file, message, origin.line_of(field), field))

    for nation, origin in items["nations"]:
        if pycountry.countries.get(alpha_3=nation.code) is None:
            bad(origin, "code", f"{nation.code!r} is not an ISO 3166-1 alpha-3 country code")
    nations = {n.code for n, _ in items["nations"]} | invalid_ids["nations"]
    sectors = {s.id for s, _ in items["sectors"]} | invalid_ids["sectors"]
    known_caps = set(catalog) | invalid_ids["catalog"]
    for sector, origin in items["sectors"]:
        if sector.at is not None and sector.node is not None:
            bad(origin, "node", "give either 'at' or 'node', not both")
    for req, origin in items["requirements"]:
        if req.capability not in known_caps:
            bad(origin, "capability", f"unknown capability {req.capability!r} (not in catalog)")
        if req.sector not in sectors:
            bad(origin, "sector", f"requirement {req.id}: unknown sector {req.sector!r}; "
                f"expected {one_of(sectors)}")
    for pledge, origin in items["pledges"]:
        if pledge.nation not in nations:
            bad(origin, "nation", f"nation {pledge.nation!r} is not listed under nations")
        if pledge.capability not in known_caps:
            bad(origin, "capability", f"unknown capability {pledge.capability!r} (not in catalog)")
        if pledge.caveats and pledge.caveats.sectors:
            for s in pledge.caveats.sectors:
                if s not in sectors:
                    bad(origin, "caveats.sectors",
                        f"pledge {pledge.id} ({pledge.nation}): caveat names unknown sector "
                        f"{s!r}; expected {one_of(sectors)}")
    for site, origin in items["depot_sites"]:
        if site.at is None and site.node is None:
            bad(origin, "at", "a depot site needs 'at: [lon, lat]' or 'node'")
    return problems
