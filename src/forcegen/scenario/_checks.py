"""Validation of raw scenario records: structure (pydantic), then references between them.

Every problem found is collected (file, line or row, field, what was expected) and raised
together. Split from :mod:`forcegen.scenario.reader`, which reads the files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pycountry
from pydantic import BaseModel, ValidationError

from forcegen.exceptions import Problem, ScenarioError, one_of
from forcegen.scenario._scenario import Scenario
from forcegen.scenario._sources import Origin, RawScenario
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

__all__ = ["capped"]

_MODELS: dict[str, type[BaseModel]] = {
    "nations": Nation,
    "catalog": Capability,
    "sectors": Sector,
    "requirements": Requirement,
    "pledges": Pledge,
    "depot_sites": DepotSite,
}
_ID_FIELD = {"nations": "code", "catalog": "code"}


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


def problems_from(exc: ValidationError, origin: Origin, prefix: str = "") -> list[Problem]:
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


def _validate_records(raw: RawScenario, problems: list[Problem]
                      ) -> tuple[dict[str, list[tuple[Any, Origin]]], dict[str, set[str]]]:
    """Each section's records validated against its model, and the ids of those that failed.

    Ids of records that failed validation still count as known, so one bad sector does not
    also make every reference to it an error.
    """
    items: dict[str, list[tuple[Any, Origin]]] = {s: [] for s in SECTIONS}
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
                problems.extend(problems_from(exc, origin))
                ident = rec.get(_ID_FIELD.get(section, "id"))
                if isinstance(ident, str):
                    ident = ident.strip()
                    invalid_ids[section].add(ident.upper() if section == "nations" else ident)
    return items, invalid_ids


def _missing_files(raw: RawScenario, meta: ScenarioData, root: Path | None) -> list[Problem]:
    """Side files the scenario names (network, nodes, ...) that are neither given nor found."""
    problems = []
    for key in FILE_KEYS:
        name = getattr(meta, key)
        if name is None or name in raw.attached or name in raw.tables:
            continue
        if root is None or not (root / name).is_file():
            problems.append(
                Problem(raw.meta_origin.file, f"file {name!r} not found",
                        raw.meta_origin.fields.get(key), key)
            )
    return problems


def _validate(
    raw: RawScenario, root: Path | None, source: str, *, check_tables: bool = False
) -> Scenario:
    problems = list(raw.problems) + _duplicates(raw)
    items, invalid_ids = _validate_records(raw, problems)
    try:
        meta = ScenarioData.model_validate(raw.meta)
    except ValidationError as exc:
        problems.extend(problems_from(exc, raw.meta_origin))
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
        problems.extend(_missing_files(raw, meta, root))
    if problems:
        raise ScenarioError(capped(sorted(problems, key=lambda p: (p.file, p.line or 0)), source))
    assert meta is not None
    data = meta.model_copy(update={s: [m for m, _ in items[s]] for s in SECTIONS})
    origins = {(s, str(getattr(m, _ID_FIELD.get(s, "id"), ""))): (o.file, o.line, o.fields)
               for s in SECTIONS for m, o in items[s]}
    return Scenario(data=data, catalog=catalog, root=root, source=source, layout=raw.layout,
                    attached=dict(raw.attached), tables=dict(raw.tables), origins=origins)


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


#: Reports a problem at an origin, on a field's line.
_Bad = Callable[[Origin, str, str], None]


def _check_pledge(pledge: Pledge, origin: Origin, known: tuple[set[str], set[str], set[str]],
                  bad: _Bad) -> None:
    """A pledge's nation, capability and caveat sectors exist (``known``: those three)."""
    nations, sectors, known_caps = known
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
        _check_pledge(pledge, origin, (nations, sectors, known_caps), bad)
    for site, origin in items["depot_sites"]:
        if site.at is None and site.node is None:
            bad(origin, "at", "a depot site needs 'at: [lon, lat]' or 'node'")
    return problems
