"""``forcegen intel sign/collection/import/export``: labelled STIX bundles in and out of the
workspace; bad input exits 2 and stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.intel.bundle import make_bundle, read_bundle
from forcegen.intel.markings import LABEL_EXTENSION_ID
from forcegen.intel.signing import pair_labels
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.label import label_to_json, make_label
from forcegen.workspace.database import make_engine, make_session_factory, session_scope, upgrade
from forcegen.workspace.intel.models import IntelObject
from forcegen.workspace.models import User
from forcegen.workspace.reference import Nation
from intel.stixdata import content_set, indicator  # tests/ is on sys.path (rootdir)

GBR = SigningKey.generate("GBR")
KEYS = KeyList([GBR.public])


@pytest.fixture
def ws(tmp_path: Path) -> dict[str, Path | str]:
    db = tmp_path / "w.sqlite"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    with session_scope(make_session_factory(engine)) as s:
        for code in ("GBR", "NZL", "FRA"):
            s.add(Nation(code=code, groups=["NATO"], extra={}))
        s.flush()
        for name, nation, clearance in (("gbr", "GBR", 2), ("nzl", "NZL", 2),
                                        ("fra", "FRA", 0)):
            s.add(User(username=name, password_hash="x", role="liaison", nation=nation,
                       clearance=clearance))
    engine.dispose()
    files: dict[str, Path | str] = {"db": f"sqlite:///{db}"}
    for name, doc in {
        "key": GBR.to_json(), "keys": KEYS.to_json(),
        "label": label_to_json(make_label("NATO", "NATO RESTRICTED",
                                          {"Releasable To": ["GBR", "NZL"]}, originator="GBR")),
        "secret": label_to_json(make_label("NATO", "NATO SECRET", originator="GBR")),
        "raw": make_bundle(content_set()),
    }.items():
        files[name] = tmp_path / f"{name}.json"
        Path(files[name]).write_text(json.dumps(doc))
    return files


def run(cli: CliRunner, *args: object) -> tuple[int, str, str]:
    r = cli.invoke(app, [str(a) for a in args])
    return r.exit_code, r.stdout, r.stderr


def stored(ws: dict) -> int:
    engine = make_engine(str(ws["db"]))
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(IntelObject)).scalar_one()
    engine.dispose()
    return int(n)


def setup_collection(cli: CliRunner, ws: dict, tmp_path: Path) -> tuple[str, Path]:
    signed = tmp_path / "signed.json"
    code, _, err = run(cli, "intel", "sign", ws["raw"], "--label", ws["label"], "--key",
                       ws["key"], "-o", signed)
    assert code == 0, err
    code, out, err = run(cli, "intel", "collection", "GBR-NZL partnership", "--label",
                         ws["label"], "--database-url", ws["db"])
    assert code == 0, err
    return out.strip(), signed


def test_sign_import_export_round_trip_keeps_labels_and_signatures(
        cli: CliRunner, ws: dict, tmp_path: Path) -> None:
    cid, signed = setup_collection(cli, ws, tmp_path)
    code, _, err = run(cli, "intel", "import", signed, "--collection", cid, "--as", "gbr",
                       "--keys", ws["keys"], "--database-url", ws["db"])
    assert code == 0, err
    assert "16 added" in err
    code, out, err = run(cli, "intel", "export", "--collection", cid, "--as", "nzl",
                         "--keys", ws["keys"], "--database-url", ws["db"])
    assert code == 0, err
    exported = read_bundle(out)
    pairs = pair_labels(exported, KEYS)  # every signature still verifies
    sent = read_bundle(signed.read_text())
    assert {p.id for p in pairs} == {o["id"] for o in sent if o["type"] != "marking-definition"}
    assert [o for o in exported if o["id"] != "extension-definition--2c8bb02a-c74e-5794-be56-"
            "5514b27cf868"] == sent  # the same documents, in the order they were added
    # France is not in the partnership: the collection is not found for it.
    code, _, err = run(cli, "intel", "export", "--collection", cid, "--as", "fra",
                       "--keys", ws["keys"], "--database-url", ws["db"])
    assert code == 2 and "collection not found" in err


def test_export_leaves_out_what_was_changed_in_the_database(
        cli: CliRunner, ws: dict, tmp_path: Path) -> None:
    cid, signed = setup_collection(cli, ws, tmp_path)
    code, _, err = run(cli, "intel", "import", signed, "--collection", cid, "--as", "gbr",
                       "--keys", ws["keys"], "--database-url", ws["db"])
    assert code == 0, err
    engine = make_engine(str(ws["db"]))
    with engine.begin() as conn:
        victim = conn.execute(select(IntelObject.seq, IntelObject.object_id, IntelObject.body)
                              .where(IntelObject.type == "indicator")).first()
        assert victim is not None
        conn.execute(IntelObject.__table__.update().where(IntelObject.seq == victim.seq)
                     .values(body=victim.body.replace("198.51.100.7", "203.0.113.66")))
    engine.dispose()
    code, out, err = run(cli, "intel", "export", "--collection", cid, "--as", "nzl",
                         "--keys", ws["keys"], "--database-url", ws["db"])
    assert code == 0, err
    exported = read_bundle(out)
    assert victim.object_id not in {o["id"] for o in exported}
    assert "203.0.113.66" not in out
    pair_labels(exported, KEYS)  # its label marking left out with it: the rest still pairs
    code, _, err = run(cli, "intel", "export", "--collection", cid, "--as", "nzl",
                       "--database-url", ws["db"])
    assert code == 2 and "--keys" in err


@pytest.mark.parametrize("case", ["tampered", "not json", "unlabelled", "unknown user",
                                  "above clearance", "no such collection", "missing keys"])
def test_bad_import_exits_2_and_stores_nothing(cli: CliRunner, ws: dict, tmp_path: Path,
                                               case: str) -> None:
    cid, signed = setup_collection(cli, ws, tmp_path)
    user, keys, bundle = "gbr", ws["keys"], signed
    if case == "tampered":
        doc = json.loads(signed.read_text())
        doc["objects"][1]["extensions"][LABEL_EXTENSION_ID]["label"]["classification"] = \
            "NATO UNCLASSIFIED"
        bundle = tmp_path / "bad.json"
        bundle.write_text(json.dumps(doc))
    elif case == "not json":
        bundle = tmp_path / "bad.json"
        bundle.write_text("{nope")
    elif case == "unlabelled":
        bundle = tmp_path / "bad.json"
        bundle.write_text(json.dumps(make_bundle([indicator()])))
    elif case == "unknown user":
        user = "nobody"
    elif case == "above clearance":
        bundle = tmp_path / "secret.json"
        assert run(cli, "intel", "sign", ws["raw"], "--label", ws["secret"], "--key",
                   ws["key"], "-o", bundle)[0] == 0
        user = "nzl"  # in the partnership, but cleared NATO CONFIDENTIAL: below SECRET
    elif case == "no such collection":
        cid = "6f1b1a2e-0000-4000-8000-000000000000"
    else:
        keys = tmp_path / "absent.json"
    code, _, err = run(cli, "intel", "import", bundle, "--collection", cid, "--as", user,
                       "--keys", keys, "--database-url", ws["db"])
    assert code == 2, err
    expected = {"tampered": "does not verify", "not json": "not JSON",
                "unlabelled": "label marking", "unknown user": "no active workspace user",
                "above clearance": "may not grant", "no such collection": "collection not found",
                "missing keys": "cannot read the key list"}[case]
    assert expected in " ".join(err.split()), err
    assert "Traceback" not in err
    assert stored(ws) == 0


def test_sign_refuses_a_key_of_another_nation_and_bad_files(cli: CliRunner, ws: dict,
                                                             tmp_path: Path) -> None:
    nzl_key = tmp_path / "nzl-key.json"
    nzl_key.write_text(json.dumps(SigningKey.generate("NZL").to_json()))
    code, out, err = run(cli, "intel", "sign", ws["raw"], "--label", ws["label"], "--key",
                         nzl_key)
    assert code == 2 and "originator" in err and out == ""
    code, _, err = run(cli, "intel", "sign", tmp_path / "absent.json", "--label", ws["label"],
                       "--key", ws["key"])
    assert code == 2 and "cannot read" in err


def test_database_without_intel_tables_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/old.sqlite")
    upgrade(engine, "0005")
    engine.dispose()
    code, _, err = run(cli, "intel", "export", "--collection", "x", "--as", "gbr",
                       "--database-url", f"sqlite:///{tmp_path}/old.sqlite")
    assert code == 2 and "no intel tables" in err
