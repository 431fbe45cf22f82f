"""What the workspace checks beyond the scenario format before storing or using a record.

The scenario reader validates meaning; the database adds limits of its own (string lengths,
32-bit integers, no NUL or control characters in text or JSON on PostgreSQL) and the
workspace adds references a file cannot know (home bases must be network nodes). Imports are
held to the same bounds as the API's schemas (``*/schemas.py``), so that neither path reaches
the database with a value it would refuse (issue 8: a 500, or worse, half a change).

The same rules let a sourcing run leave out a record that became invalid after it was entered
(a sector renamed, a node deleted), naming it, instead of failing for everyone (issue 9 §4).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario import Scenario
from forcegen.scenario.models import CapabilityRole
from forcegen.workspace.nations.schemas import NationCreate
from forcegen.workspace.pledges.schemas import PledgeCreate
from forcegen.workspace.reference import node_ids, one_of
from forcegen.workspace.requirements.schemas import RequirementCreate
from forcegen.workspace.types import Identifier, Text

__all__ = [
    "MAX_PROBLEMS",
    "check_import",
    "record_problems",
]

#: Problems reported at most (then a count): a bad file must not make a huge answer.
MAX_PROBLEMS = 200
#: Characters no stored text may hold (tab, line feed and carriage return are fine).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_Short = Annotated[str, Field(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]


class _CatalogBounds(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: Identifier
    name: Text
    category: _Short
    role: CapabilityRole
    symbol: _Short | None = None
    personnel: Annotated[int, Field(ge=0, le=10_000_000)] | None = None


class _SectorBounds(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: Identifier
    name: Text | None = None
    node: Identifier | None = None
    stocks: dict[_Short, Annotated[float, Field(ge=0, le=1e12)]] | None = None


def _pledge(d: dict[str, Any]) -> dict[str, Any]:
    keys = set(PledgeCreate.model_fields) - {"classification", "releasable_to"}
    out = {k: v for k, v in d.items() if k in keys and v is not None}
    if isinstance(out.get("caveats"), dict):
        out["caveats"] = {k: v for k, v in out["caveats"].items() if v is not None}
    return out


def _nation(d: dict[str, Any]) -> dict[str, Any]:
    out = {k: d.get(k) for k in ("code", "name", "groups") if d.get(k) is not None}
    if isinstance(d.get("ceiling"), dict) and d["ceiling"].get("personnel") is not None:
        out["ceiling_personnel"] = d["ceiling"]["personnel"]
    return out


#: section -> (bounds model, how to pick its fields from a record)
_BOUNDS: dict[str, tuple[type[BaseModel], Any]] = {
    "pledges": (PledgeCreate, _pledge),
    "requirements": (
        RequirementCreate,
        lambda d: {k: v for k, v in d.items()
                   if k in RequirementCreate.model_fields and v is not None
                   and k not in ("classification", "releasable_to")},
    ),
    "nations": (NationCreate, _nation),
    "catalog": (_CatalogBounds, dict),
    "sectors": (_SectorBounds, dict),
}
_ID_KEY = {"nations": "code", "catalog": "code"}


def _strings(value: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield path, str(k)
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v, path)


def _bound_problems(section: str, record: dict[str, Any]) -> list[tuple[str, str]]:
    """The record against the workspace's identifier and number bounds for its section."""
    out: list[tuple[str, str]] = []
    model, pick = _BOUNDS[section]
    try:
        model.model_validate(pick(record))
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"] if not str(x).startswith(("function",
                                                                                "tuple")))
            loc = loc.replace("ceiling_personnel", "ceiling.personnel")
            out.append((loc or "?", str(err["msg"]).removeprefix("Value error, ")))
    return out


def _pledge_problems(record: dict[str, Any], nodes: set[str] | None,
                     sectors: set[str] | None) -> list[tuple[str, str]]:
    """A pledge's home named as a network node, and its caveat sectors, exist."""
    out: list[tuple[str, str]] = []
    home = record.get("home")
    if isinstance(home, str):
        if nodes is None:
            out.append(("home", f"{home[:50]!r} is not a place: give [lon, lat] (the "
                                "scenario has no network whose node ids a home could name)"))
        elif home not in nodes:
            out.append(("home", f"{home[:50]!r} is not a network node; expected [lon, lat] "
                                f"or {one_of(nodes, 10)}"))
    caveats = record.get("caveats") or {}
    if sectors is not None:
        for s in caveats.get("sectors") or []:
            if s not in sectors:
                out.append(("caveats.sectors",
                            f"caveat names unknown sector {s!r}; expected {one_of(sectors)}"))
    return out


def record_problems(
    section: str,
    record: dict[str, Any],
    *,
    nodes: set[str] | None,
    sectors: set[str] | None = None,
) -> list[tuple[str, str]]:
    """``(field, message)`` for each way ``record`` breaks the workspace's rules."""
    out: list[tuple[str, str]] = []
    for path, text in _strings(record, ""):
        if _CONTROL.search(text):
            out.append((path or "?", "control characters (such as NUL) are not allowed"))
            break
    if section in _BOUNDS:
        out.extend(_bound_problems(section, record))
    if section == "pledges":
        out.extend(_pledge_problems(record, nodes, sectors))
    if section == "sectors" and isinstance(record.get("node"), str) and (
        nodes is None or record["node"] not in nodes
    ):
        out.append(("node", f"{record['node'][:50]!r} is not a network node"))
    return out


def _id_nation(ident: str) -> str | None:
    m = re.match(r"^(?:P-)?([A-Z]{3})-", ident)
    return m.group(1) if m else None


def _place(scenario: Scenario, section: str, index: int, display: str) -> tuple[str, int | None]:
    layout = scenario.layout.get(section, "inline")
    if layout == "xlsx":
        return f"{display}[{section}]", index + 2
    if layout not in ("inline", ""):
        return layout, index + 2
    return display, None


def _file_problems(extra: dict[str, Any], files: dict[str, str], display: str
                   ) -> list[Problem]:
    """Extension keys too long or with control characters; side files holding NUL."""
    problems: list[Problem] = []
    for key in extra:
        if len(str(key)) > 100 or _CONTROL.search(str(key)):
            problems.append(Problem(display, "extension key too long (100 characters at most) "
                                    "or holding control characters", None, str(key)[:100]))
    for name, text in files.items():
        if "\x00" in text:
            problems.append(Problem(display, f"{name}: NUL characters are not allowed", None))
    return problems


def _namespace_problems(record: dict[str, Any], nations: set[str]) -> list[tuple[str, str]]:
    """A pledge id in another listed nation's namespace (``GBR-...``, ``P-GBR-...``)."""
    scope = _id_nation(str(record.get("id", "")))
    if scope in nations and scope != record.get("nation"):
        owner = record.get("nation")
        return [("id", f"the id is in {scope}'s namespace ({scope}-... or "
                       f"P-{scope}-...) but the pledge is {owner}'s")]
    return []


def check_import(scenario: Scenario, files: dict[str, str], display: str) -> None:
    """Raise ``ScenarioError`` with every record the workspace cannot store or use.

    Each problem names the file (sheet, CSV), the row where the layout gives one, the record's
    id and the field. At most :data:`MAX_PROBLEMS` are listed, then how many more there were.
    """
    data = scenario.data
    meta = data.model_dump(mode="json", include={"network", "nodes", "costs"}, exclude_none=True)
    nodes = node_ids(meta, files)
    nations = {n.code for n in data.nations}
    problems = _file_problems(data.__pydantic_extra__ or {}, files, display)
    count = len(problems)
    for section in _BOUNDS:
        for i, item in enumerate(getattr(data, section)):
            record = item.model_dump(mode="json", exclude_none=True)
            record.update(item.__pydantic_extra__ or {})
            found = record_problems(section, record, nodes=nodes)
            if section == "pledges":
                found.extend(_namespace_problems(record, nations))
            if not found:
                continue
            file, line = _place(scenario, section, i, display)
            ident = str(record.get(_ID_KEY.get(section, "id"), "?"))[:60]
            where = f"{section} row {line}" if line else f"{section} item {i + 1}"
            for fld, message in found:
                count += 1
                if len(problems) < MAX_PROBLEMS:
                    problems.append(
                        Problem(file, f"{where} ({ident!r}): {fld}: {message}", line, fld)
                    )
    if count > len(problems):
        problems.append(Problem(display, f"... and {count - len(problems)} more problem(s)"))
    if problems:
        raise ScenarioError(problems)

