"""Every error forcegen raises on purpose.

The hierarchy::

    ForcegenError                    base of everything below
    ├── InputError                   bad user input; the CLI exits with code 2
    │   ├── ScenarioError            a scenario file could not be read or is invalid
    │   │                            (carries every `Problem` found, not only the first)
    │   ├── NetworkInputError        a transport network or place cannot be used
    │   ├── OptionError              a what-if switch names something that does not exist
    │   ├── PolicyError              a security policy file is unknown, malformed or inconsistent
    │   ├── LabelError               a security label is malformed or invalid under its policy
    │   ├── SignatureError           a binding or tree-head signature is missing, forged, made
    │   │                            with an unknown, expired or another nation's key
    │   ├── AuditLogError            a Merkle audit log, tree head or proof file is malformed
    │   └── StixError                a STIX bundle, envelope or object is malformed or refused
    └── SolverError                  the optimizer failed for a reason other than bad input

Each `Problem` names where it is (file, line or row, field) and what was expected,
so a planner can fix the spreadsheet without reading code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "AuditLogError",
    "ForcegenError",
    "InputError",
    "LabelError",
    "NetworkInputError",
    "OptionError",
    "PolicyError",
    "Problem",
    "ScenarioError",
    "SignatureError",
    "SolverError",
    "StixError",
    "one_of",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, with its place.

    ``line`` is the 1-based line of a YAML or CSV file, or the 1-based row of a sheet.
    """

    file: str
    message: str
    line: int | None = None
    field: str | None = None

    def location(self) -> str:
        """``file:line [field]``, the parts that are known."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f" [{self.field}]"
        return where

    def __str__(self) -> str:
        """``file:line [field]: message``."""
        return f"{self.location()}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        """The problem as a JSON object (``--json`` and the API's error details)."""
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class ForcegenError(Exception):
    """Base class of forcegen's own errors."""


class InputError(ForcegenError):
    """The user's input is wrong; nothing was written."""


class ScenarioError(InputError):
    """A scenario could not be read or failed validation.

    ``problems`` lists every problem found in one pass.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in scenario"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class NetworkInputError(InputError):
    """A transport network, node id or place cannot be used."""


class OptionError(InputError):
    """A command-line or API option names something unknown or is out of range.

    The library speaks of parameters, not of command-line flags: a message names each
    parameter as ``{name}`` and lists the names in ``parameters``. ``str()`` gives the plain
    name (``depots must be between 1 and 5``, what an API caller reads); the CLI asks
    :meth:`render` for its flags instead (``--depots must be between 1 and 5``).

    Parameters
    ----------
    message
        The text, with ``{name}`` where a parameter is named (other braces are left alone).
    *parameters
        The parameter names used in ``message``.
    """

    def __init__(self, message: str, *parameters: str) -> None:
        self.template = message
        self.parameters = parameters
        # Flag names a command line gives its parameters where they are not the default
        # ``--`` + name (a library's ``method`` may be a command's ``--solver``); set by the CLI.
        self.flags: dict[str, str] = {}
        super().__init__(self.render())

    def render(self, names: Mapping[str, str] | None = None) -> str:
        """The message with each parameter named by ``names`` (default: its own name)."""
        if not self.parameters:
            return self.template
        names = names or {}
        known = re.compile(r"\{(" + "|".join(map(re.escape, self.parameters)) + r")\}")
        return known.sub(lambda m: names.get(m.group(1), m.group(1)), self.template)


class PolicyError(InputError):
    """A security policy is unknown, or its file is malformed or inconsistent."""


class LabelError(InputError):
    """A security label is malformed (JSON, XML) or invalid under its policy."""


class SignatureError(InputError):
    """A signature is missing or does not verify, or its key cannot vouch for it.

    The key is unknown, out of its validity or belongs to another nation than the one that
    must have signed.
    """


class AuditLogError(InputError):
    """A Merkle audit log, a signed tree head or a proof file cannot be read."""


class StixError(InputError):
    """A STIX 2.1 bundle, TAXII envelope or object is malformed, too large or refused."""


class SolverError(ForcegenError):
    """The optimizer failed (not because of bad input)."""


def one_of(values: Iterable[str], limit: int = 25) -> str:
    """``one of: a, b, c`` for a message naming the valid values.

    The first ``limit`` in sorted order, then how many more, so that a typo's message says
    what would have been right.
    """
    vals = sorted(set(values))
    if not vals:
        return "none are defined"
    shown = ", ".join(vals[:limit])
    more = f" and {len(vals) - limit} more" if len(vals) > limit else ""
    return f"one of: {shown}{more}"
