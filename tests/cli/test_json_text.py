"""``--json`` text: the same document as ``json.dumps`` gives, one list item a line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from forcegen.cli._common import json_text

DOCS = [
    {},
    [],
    [1, {"a": [1, 2]}],
    "text",
    None,
    {"status": "optimal", "empty": [], "none": None, "nested": {"a": [1, {"b": "é"}]},
     "rows": [{"id": "P-1", "units": 2, "cost": 40000000.0}, {"id": "Ünï", "units": 0}],
     "nan": float("nan"), "when": dt.date(2026, 1, 2), "path": Path("a/b"),
     "text": "line\nbreak \"quoted\" \u2603", 1: "int key"},
]


@pytest.mark.parametrize("doc", DOCS, ids=range(len(DOCS)))
def test_same_document_as_json_dumps(doc: object) -> None:
    reference = json.dumps(doc, indent=2, ensure_ascii=False, default=str)
    text = json_text(doc)
    assert repr(json.loads(text)) == repr(json.loads(reference))  # nan != nan: compare text


def test_one_key_and_one_list_item_a_line() -> None:
    doc = {"a": 1, "rows": [{"x": 1, "y": [1, 2]}, {"x": 2}], "obj": {"k": [3]}}
    assert json_text(doc).splitlines() == [
        "{",
        '  "a": 1,',
        '  "rows": [',
        '    {"x": 1, "y": [1, 2]},',
        '    {"x": 2}',
        "  ],",
        '  "obj": {"k": [3]}',
        "}",
    ]
