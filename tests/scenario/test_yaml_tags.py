"""Plain scalars read by the line-keeping reader resolve as PyYAML's safe loader resolves
them, also when a text repeats (the reader remembers each plain text's tag; a quoted one stays
a string) or exceeds the memory of remembered tags."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from forcegen.scenario import _yaml
from forcegen.scenario._yaml import parse_yaml

TRICKY = ["yes", "No", "on", "OFF", "true", "~", "null", "", "1_000", "0x1F", "0o17", "017",
          "+12", "-3.5", "1e3", "6.02e+23", ".inf", "-.Inf", ".nan", "1:30", "2027-02-10",
          "2027-02-10T06:00:00Z", "12", "0", "007", "OF-000001", "NZL", "ITEM-03", "1.5.2",
          "<<x", "3.", "Yes please"]


def _typed(value: object) -> object:
    """The value with its type, so that 1 and True and 1.0 differ (keys as the reader keeps
    them: the text of the key's value, ``str(True)`` for ``yes``)."""
    if isinstance(value, dict):
        return {str(k): _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, float) and value != value:
        return ("nan",)
    return (type(value).__name__, value)


def _document() -> str:
    # each text plain, then quoted (a string whatever its plain tag), then plain again
    rows = [f"- {{k{i}: {t}, q: ['{t}', \"{t}\"], v: [{t}, {t}]}}" if t else
            f"- {{k{i}: , q: ['', \"\"], v: []}}" for i, t in enumerate(TRICKY * 3)]
    keys = [f"- {{{t}: {t}}}" for t in TRICKY if t and t not in ("~", "null")]
    return ("rows:\n" + "\n".join("  " + r for r in rows) + "\nkeys:\n"
            + "\n".join("  " + k for k in keys) + "\n")


@pytest.mark.parametrize("lines", [True, False])
def test_tags_as_the_safe_loader_gives_them(lines: bool) -> None:
    text = _document()
    want = yaml.safe_load(text)
    assert isinstance(want["rows"][20]["k20"], dt.date)  # the document does test dates
    got, _ = parse_yaml(text, "t.yaml", lines=lines)
    assert _typed(got) == _typed(want)


def test_tags_beyond_the_remembered_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_yaml, "_TAGS_KEPT", 3)
    text = _document()
    got, _ = parse_yaml(text, "t.yaml", lines=False)
    assert _typed(got) == _typed(yaml.safe_load(text))
