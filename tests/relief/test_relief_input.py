"""Bad relief input: every problem named with file, line and field; exit 2, nothing on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.exceptions import OptionError, ScenarioError
from forcegen.relief import load_relief


def _scenario(**relief_changes) -> dict:
    relief = {
        "events": [{"id": "TC-1", "at": [-175.2, -21.1], "started": "2027-02-10"}],
        "items": [{"id": "WATER-PURIF", "name": "Water purification unit"}],
        "requests": [{"id": "RQ-1", "event": "TC-1", "capability": "WATER-PURIF", "quantity": 3,
                      "at": [-175.2, -21.14], "by_hours": 72, "priority": 1}],
        "offers": [{"id": "OF-1", "nation": "NZL", "capability": "WATER-PURIF", "quantity": 2,
                    "home": [174.63, -36.79], "notice_hours": 12, "status": "committed"}],
        "airfields": [{"id": "NFTF", "at": [-175.15, -21.24]},
                      {"id": "NZWP", "at": [174.63, -36.79]}],
        "ports": [{"id": "nukualofa", "at": [-175.19, -21.13]}],
    }
    for key, value in relief_changes.items():
        section, idx, field = key.split("__")
        relief[section][int(idx)][field] = value
    return {"forcegen": 1, "name": "t", "nations": [{"code": "NZL", "name": "New Zealand"},
                                                    {"code": "TON", "name": "Tonga"}],
            "relief": relief}


def _write(tmp_path: Path, doc: dict) -> Path:
    p = tmp_path / "scenario.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False, default_flow_style=None))
    return p


def _problems(tmp_path: Path, doc: dict) -> list:
    with pytest.raises(ScenarioError) as exc:
        load_relief(_write(tmp_path, doc))
    return exc.value.problems


def test_valid_file_loads(tmp_path):
    prob = load_relief(_write(tmp_path, _scenario()))
    assert len(prob.pairs) == 1 and np_finite(prob.pairs.hours[0])


def np_finite(x: float) -> bool:
    return x == x and x != float("inf")


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"offers__0__nation": "USA"}, "relief.offers.nation", "'USA' is not declared"),
    ({"offers__0__capability": "WATER"}, "relief.offers.capability", "unknown capability"),
    ({"requests__0__capability": "NOPE"}, "relief.requests.capability", "unknown capability"),
    ({"requests__0__event": "TC-9"}, "relief.requests.event", "unknown event 'TC-9'"),
    ({"offers__0__request": "RQ-9"}, "relief.offers.request", "unknown request 'RQ-9'"),
    ({"offers__0__quantity": 9, "offers__0__request": "RQ-1"}, "relief.requests.quantity",
     "carry 9, more than the 3"),
])
def test_unknown_references_are_named(tmp_path, change, field, words):
    probs = _problems(tmp_path, _scenario(**change))
    assert any(p.field == field and words in p.message and p.line for p in probs), probs


def test_bad_values_name_the_field_and_line(tmp_path):
    probs = _problems(tmp_path, _scenario(requests__0__quantity=0, offers__0__mode="rail"))
    fields = {p.field for p in probs}
    assert {"relief.requests.quantity", "relief.offers.mode"} <= fields
    text = (tmp_path / "scenario.yaml").read_text().splitlines()
    for p in probs:
        assert p.line is not None and 1 <= p.line <= len(text)


def test_delivered_before_committed_in_history(tmp_path):
    doc = _scenario(offers__0__status="delivered", offers__0__request="RQ-1",
                    offers__0__history=[{"status": "offered"}, {"status": "delivered"}])
    probs = _problems(tmp_path, doc)
    assert [p.field for p in probs] == ["relief.offers.history"]
    assert "cannot go from offered to delivered" in probs[0].message


def test_moving_offer_must_name_its_request(tmp_path):
    probs = _problems(tmp_path, _scenario(offers__0__status="in-transit"))
    assert any("must name the request" in p.message for p in probs)


def test_no_relief_section(tmp_path):
    doc = _scenario()
    del doc["relief"]
    probs = _problems(tmp_path, doc)
    assert "no `relief` section" in probs[0].message


def test_unknown_key_in_relief(tmp_path):
    doc = _scenario()
    doc["relief"]["offerz"] = []
    probs = _problems(tmp_path, doc)
    assert probs[0].field == "relief.offerz"


def test_unknown_what_if_names_the_parameter(tmp_path):
    path = _write(tmp_path, _scenario())
    with pytest.raises(OptionError, match="close: unknown airfield or port 'XXXX'"):
        load_relief(path, close=("XXXX",))
    with pytest.raises(OptionError, match="withdraw: unknown offer 'OF-9'"):
        load_relief(path, withdraw=("OF-9",))


def test_cli_exit_2_names_file_line_field(tmp_path):
    path = _write(tmp_path, _scenario(offers__0__nation="USA"))
    r = CliRunner().invoke(app, ["relief", str(path), "--json"])
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "scenario.yaml:" in r.stderr and "relief.offers.nation" in r.stderr


def test_cli_unknown_offer_names_the_flag(tmp_path):
    path = _write(tmp_path, _scenario())
    r = CliRunner().invoke(app, ["relief", str(path), "--withdraw-offer", "OF-9"])
    assert r.exit_code == 2 and "--withdraw-offer: unknown offer 'OF-9'" in r.stderr


def test_cli_json_is_one_document(tmp_path):
    path = _write(tmp_path, _scenario())
    r = CliRunner().invoke(app, ["relief", str(path), "--json"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["in_time"] == 2 and doc["short"] == 1 and doc["proven_best"] is True
    (reason,) = doc["requests"][0]["reasons"]
    assert reason["code"] == "no-offer" and "hold 2, 3 asked" in reason["message"]
