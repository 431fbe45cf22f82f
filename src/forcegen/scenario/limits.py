"""Every limit the scenario reader enforces, in one place (documented in ``docs/scenario.md``).

Scenario files come from outside (a planner's spreadsheet, a web upload), so the reader bounds
what parsing may cost before it looks at meaning: YAML aliases and nesting, rows and cells of
tables, the unpacked size of a workbook, the number of problems reported, and the size of each
field. It also never lets a file name read from a scenario point outside the scenario's folder.
"""

from __future__ import annotations

import re

__all__ = [
    "FILE_NAME_RULE",
    "MAX_CEILING",
    "MAX_COST",
    "MAX_DAYS",
    "MAX_ID_CHARS",
    "MAX_LIST_ITEMS",
    "MAX_MONTHS",
    "MAX_NAME_CHARS",
    "MAX_PERSONNEL",
    "MAX_PRIORITY",
    "MAX_PROBLEMS",
    "MAX_QUANTITY",
    "MAX_TABLE_COLUMNS",
    "MAX_TABLE_ROWS",
    "MAX_TEXT_CHARS",
    "MAX_XLSX_MEMBERS",
    "MAX_XLSX_UNPACKED_BYTES",
    "MAX_YAML_ALIASES",
    "MAX_YAML_ALIAS_NODES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "control_character",
    "unsafe_file_name",
]

# --------------------------------------------------------------------------- parsing
#: Deepest nesting of YAML collections (a scenario needs about 6; extensions get room).
MAX_YAML_DEPTH = 32
#: Alias uses (``*name``) in one YAML file; each expands to a copy of its anchor.
MAX_YAML_ALIASES = 10_000
#: Collections and scalars produced by expanding aliases, in total: a few hundred bytes of
#: nested aliases would otherwise expand to millions of values (the "billion laughs").
MAX_YAML_ALIAS_NODES = 100_000
#: Values in one YAML file after expansion (a 50,000-pledge scenario has about 800,000).
MAX_YAML_NODES = 5_000_000
#: Data rows of one table (a CSV file or a workbook sheet), header not counted.
MAX_TABLE_ROWS = 100_000
#: Columns of one table; cells beyond are an error, not silently dropped.
MAX_TABLE_COLUMNS = 200
#: Files inside an ``.xlsx`` (a zip) and their total size once unpacked.
MAX_XLSX_MEMBERS = 1_000
MAX_XLSX_UNPACKED_BYTES = 128 * 1024 * 1024
#: Problems reported in one error; the rest are counted ("... and N more problems").
MAX_PROBLEMS = 200

# --------------------------------------------------------------------------- fields
# The workspace stores these in 32-bit integer and 200-character columns; the maxima are far
# above any real force (and far below where PostgreSQL or the optimizer would break).
MAX_QUANTITY = 1_000_000  #: units in one requirement line or pledge
MAX_PERSONNEL = 10_000_000  #: personnel per unit or per catalog entry
#: a nation's personnel ceiling: a sum over its pledges (synthetic 200-nation cases reach 10^7),
#: still inside the workspace's 32-bit column
MAX_CEILING = 1_000_000_000
MAX_PRIORITY = 99  #: requirement priority, 1 (most important) to 99
MAX_MONTHS = 1_200  #: duration of a line or a caveat, months
MAX_DAYS = 3_650.0  #: notice to move, days
MAX_COST = 1e12  #: cost per unit, fixed cost of a site (in the scenario's currency)
MAX_ID_CHARS = 200  #: ids and codes (the workspace's key columns hold 200 characters)
MAX_NAME_CHARS = 200  #: display names
MAX_TEXT_CHARS = 2_000  #: free text (a capability's description)
MAX_LIST_ITEMS = 1_000  #: items of a list field (groups, caveat sectors)

# Characters no field may hold: C0 controls except tab, newline and carriage return, DEL, lone
# surrogates and the two non-characters. XLSX cannot store them at all; in ids and names even
# tab and newline are refused (see models.py).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def control_character(text: str) -> str | None:
    """The first forbidden character of ``text`` as ``U+XXXX``, or ``None`` when clean."""
    m = _CONTROL.search(text)
    return f"U+{ord(m.group()):04X}" if m else None


# --------------------------------------------------------------------------- file names
FILE_NAME_RULE = (
    "a plain file name in the scenario's own folder (no folder part, no '..', no absolute "
    "path, no drive letter, no control character), e.g. 'network.csv'"
)
_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_file_name(name: object) -> str | None:
    """Why ``name`` may not name a file beside the scenario, or ``None`` if it may.

    A name read from a scenario (``network: network.csv``, ``pledges: pledges.csv``, a
    workbook's ``scenario`` sheet) is data, so it must never reach outside the scenario's
    folder: anything but a plain file name is refused, whatever exists on disk.
    """
    if not isinstance(name, str):
        return f"expected a file name, got {type(name).__name__}"
    if not name.strip():
        return "the file name is empty"
    if len(name) > MAX_NAME_CHARS:
        return f"the file name is longer than {MAX_NAME_CHARS} characters"
    if "\x00" in name or control_character(name) or any(c in name for c in "\t\r\n"):
        return "the file name holds a control character"
    if "/" in name or "\\" in name:
        return "the file name holds a folder separator ('/' or '\\')"
    if _DRIVE.match(name):
        return "the file name starts with a drive letter"
    if name.strip() in (".", ".."):
        return "'.' and '..' are not file names"
    return None
