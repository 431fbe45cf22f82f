"""`Scenario`: validated scenario data plus the resolved capability catalog."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario.limits import FILE_NAME_RULE, unsafe_file_name
from forcegen.scenario.models import (
    Capability,
    DepotSite,
    Nation,
    Pledge,
    Requirement,
    ScenarioData,
    Sector,
)

__all__ = ["Scenario"]


@dataclass(eq=False)
class Scenario:
    """A validated scenario, ready for analysis.

    Parameters
    ----------
    data
        The scenario as read from its files (references already checked).
    catalog
        Every capability type known to this scenario: the built-in catalog overlaid with the
        scenario's own ``catalog`` section.
    root
        Folder that relative file names (``network: network.csv``) are resolved against, or
        ``None`` for a scenario built in memory.
    source
        Where it was read from, for messages.
    """

    data: ScenarioData
    catalog: dict[str, Capability]
    root: Path | None = None
    source: str = "<memory>"
    # Layout the scenario was read from (inline vs. file per section), so export keeps it.
    layout: dict[str, str] = field(default_factory=dict)
    #: Files carried inside the source itself (a workbook's ``network`` sheet, ...), by the
    #: name the scenario gives them; they win over files beside the source.
    attached: dict[str, Path] = field(default_factory=dict)
    #: Side tables held in memory (CSV or GeoJSON text) by the name the scenario gives them:
    #: a scenario from a database or an upload needs no folder.
    tables: dict[str, str] = field(default_factory=dict)
    #: Where each record was read: ``(section, id) -> (file, line or row, field lines)``,
    #: so that checks made above this package (labels) can name the file, row and field.
    origins: dict[tuple[str, str], tuple[str, int | None, dict[str, int]]] = field(
        default_factory=dict)

    def where(self, section: str, ident: str, key: str | None = None) -> str:
        """Where a record (and its field ``key``) was read, e.g. ``pledges.csv row 4``.

        A workbook's sheet (``scenario.xlsx[pledges]``) and a CSV name rows, a YAML file lines;
        a record built in memory is named by its section and id.
        """
        found = self.origins.get((section, ident))
        if found is None or found[1] is None:
            return f"{self.source} {section}[{ident}]"
        file, line, fields = found
        if key is not None:
            line = fields.get(key, line)
        word = "line" if file.endswith((".yaml", ".yml")) else "row"
        return f"{file} {word} {line}"

    @property
    def name(self) -> str:
        return self.data.name

    @property
    def nations(self) -> list[Nation]:
        return self.data.nations

    @property
    def sectors(self) -> list[Sector]:
        return self.data.sectors

    @property
    def requirements(self) -> list[Requirement]:
        return self.data.requirements

    @property
    def pledges(self) -> list[Pledge]:
        return self.data.pledges

    @property
    def depot_sites(self) -> list[DepotSite]:
        return self.data.depot_sites

    @cached_property
    def nation_by_code(self) -> dict[str, Nation]:
        return {n.code: n for n in self.data.nations}

    @cached_property
    def sector_by_id(self) -> dict[str, Sector]:
        return {s.id: s for s in self.data.sectors}

    @cached_property
    def requirement_by_id(self) -> dict[str, Requirement]:
        return {r.id: r for r in self.data.requirements}

    @cached_property
    def pledge_by_id(self) -> dict[str, Pledge]:
        return {p.id: p for p in self.data.pledges}

    def table_text(self, name: str | None) -> str | None:
        """The text of a side table the scenario names, from memory or its file (else None)."""
        if name is None:
            return None
        if name in self.tables:
            return self.tables[name]
        path = self.path_of(name)
        if path is None or not path.is_file():
            return None
        return path.read_text(encoding="utf-8-sig")

    def path_of(self, name: str | None) -> Path | None:
        """Resolve a file named in the scenario (``network: network.csv``) against its folder."""
        if name is None:
            return None
        if name in self.attached:
            return self.attached[name]
        # Validation already refused such names; a Scenario assembled by hand must not reach
        # outside its folder either.
        reason = unsafe_file_name(name)
        if reason is not None:
            raise ScenarioError([Problem(self.source, f"{reason}; expected {FILE_NAME_RULE}")])
        if name in self.tables:
            # Readers of networks take paths: the text goes to a private temporary folder
            # (removed at exit), under the checked plain name, once.
            folder = Path(tempfile.mkdtemp(prefix="forcegen-table-"))
            atexit.register(shutil.rmtree, folder, True)
            path = folder / name
            path.write_text(self.tables[name], encoding="utf-8", newline="")
            self.attached[name] = path
            return path
        p = Path(name)
        if self.root is not None:
            p = self.root / p
        return p
