"""Labels and the intel feed in headless Chromium: the label picker shows only the chosen
policy's categories and previews the marking, offers only what the author may grant, and the
saved item carries the full marking; the intel feed receives a new object live (Server-Sent
Events) and never one the reader may not see; composing signs and publishes."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ADMIN_PASSWORD, Server, serve_workspace

pytestmark = pytest.mark.browser
COLLECTION = "0a4b3c8e-6666-4a4a-8b8b-000000000006"
PASSWORD = "browser intel pass 1"


@pytest.fixture(scope="module")
def intel_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """A workspace holding the GBR signing key, the published list of GBR and DEU keys."""
    from forcegen.labels.keys import KeyList, SigningKey

    folder = tmp_path_factory.mktemp("intel-serve")
    gbr, deu = SigningKey.generate("GBR"), SigningKey.generate("DEU")
    (folder / "signing.json").write_text(json.dumps([gbr.to_json()]))
    (folder / "keys.json").write_text(json.dumps(KeyList([gbr.public, deu.public]).to_json()))
    (folder / "deu.json").write_text(json.dumps(deu.to_json()))
    settings = {"FORCEGEN_INTEL_KEY_LIST": str(folder / "keys.json"),
                "FORCEGEN_INTEL_SIGNING_KEYS": str(folder / "signing.json")}
    try:
        with serve_workspace(folder, settings) as running:
            yield running, folder
    except RuntimeError as exc:
        pytest.fail(str(exc))


def _sign_in(page: Any, server: Server, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{server.url}/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()


def _accounts(page: Any, server: Server) -> None:
    _sign_in(page, server, "admin", ADMIN_PASSWORD)
    token = page.input_value("form[action='/logout'] input[name=csrf_token]")
    for name, nation, level, memberships in (
            ("gbr-lno", "GBR", "SECRET", {"Special Handling": ["CRYPTO"],
                                          "Community": ["INTEL"]}),
            ("deu-lno", "DEU", "RESTRICTED", {})):
        r = page.context.request.post(f"{server.url}/api/v1/users", headers={
            "X-CSRF-Token": token}, data={
            "username": name, "full_name": name, "password": PASSWORD, "role": "liaison",
            "nation": nation, "clearance": level, "memberships": memberships or None})
        assert r.status in (201, 409), r.text()


def _collection(folder: Path) -> None:
    from forcegen.labels.label import make_label
    from forcegen.workspace.database import make_engine, make_session_factory, session_scope
    from forcegen.workspace.intel.store import IntelCollection, create_collection

    engine = make_engine(f"sqlite:///{folder / 'workspace.sqlite'}")
    with session_scope(make_session_factory(engine)) as db:
        if db.get(IntelCollection, COLLECTION) is None:
            create_collection(db, "Coalition cyber threats",
                              make_label("NATO", "NATO UNCLASSIFIED"), collection_id=COLLECTION)
    engine.dispose()


def _add_signed(folder: Path, name: str, label: Any, key_file: str) -> None:
    """An object added from outside the browser (as a partner's TAXII POST would)."""
    from forcegen.intel.signing import pair_labels, sign_object
    from forcegen.labels.keys import KeyList, SigningKey
    from forcegen.workspace.database import make_engine, make_session_factory, session_scope
    from forcegen.workspace.intel import store
    from forcegen.workspace.intel.readers import reader_for
    from forcegen.workspace.models import User
    from intel.stixdata import indicator

    key = SigningKey.from_json(json.loads((folder / key_file).read_text()))
    keys = KeyList.from_json(json.loads((folder / "keys.json").read_text()))
    obj = {**indicator("203.0.113.50"), "name": name, "x_forcegen_sector": "NORTH"}
    signed, mark = sign_object(obj, label, key)
    engine = make_engine(f"sqlite:///{folder / 'workspace.sqlite'}")
    with session_scope(make_session_factory(engine)) as db:
        poster = db.query(User).filter_by(username="deu-lno").one()
        col = db.get(store.IntelCollection, COLLECTION)
        assert col is not None
        store.add_objects(db, col, poster, reader_for(poster),
                          pair_labels([signed, mark], keys))
    engine.dispose()


def test_label_picker_offers_only_grantable_labels_and_previews(
        page: Any, intel_server: tuple[Server, Path]) -> None:
    server, _ = intel_server
    page.set_viewport_size({"width": 1366, "height": 768})
    _accounts(page, server)
    _sign_in(page, server, "gbr-lno", PASSWORD)
    page.goto(f"{server.url}/pledges/new")
    offered = page.eval_on_selector_all("select[name=label_class] option",
                                        "os => os.map(o => o.value)")
    assert "NATO|NATO SECRET" in offered and "NATO|COSMIC TOP SECRET" not in offered
    assert "GBR|SECRET" in offered and "TLP|GREEN" not in offered  # TLP: not for pledges
    # Only the chosen policy's categories show; ATOMAL is not held, so not offered.
    page.select_option("select[name=label_class]", "NATO|NATO SECRET")
    assert page.is_visible("[data-testid=label-cats-NATO]")
    assert not page.is_visible("[data-testid=label-cats-GBR]")
    assert page.locator("input[value='NATO|Special Handling|ATOMAL']").count() == 0
    page.check("input[value='NATO|Releasable To|GBR']")
    page.check("input[value='NATO|Special Handling|CRYPTO']")
    page.fill("input[name='label_more|NATO|Releasable To']", "nzl")
    preview = page.text_content("[data-testid=label-preview]")
    assert preview == "NATO SECRET REL TO GBR, NZL CRYPTO"
    page.locator("[data-testid=label-picker]").scroll_into_view_if_needed()
    _shot(page, "label-picker")
    page.select_option("select[name=capability]", index=1)
    page.fill("#f-quantity", "1")
    page.fill("#f-personnel", "40")
    page.fill("#f-notice_days", "10")
    page.click("[data-testid=pledge-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/pledges/GBR-.*"))
    assert page.text_content("[data-testid=marking]") == "NATO SECRET REL TO GBR, NZL CRYPTO"
    assert page.text_content("[data-testid=banner-top]") == "NATO SECRET REL TO GBR, NZL CRYPTO"
    # A forged post (edited in the page) is refused by the server, nothing stored.
    page.goto(f"{server.url}/pledges/new")
    page.evaluate("""() => { const o = document.createElement('option');
        o.value = 'NATO|COSMIC TOP SECRET'; o.textContent = 'forged';
        document.querySelector('select[name=label_class]').append(o); }""")
    page.select_option("select[name=label_class]", "NATO|COSMIC TOP SECRET")
    page.select_option("select[name=capability]", index=1)
    page.fill("#f-quantity", "1")
    page.fill("#f-personnel", "40")
    page.fill("#f-notice_days", "10")
    page.click("[data-testid=pledge-form] button[type=submit]")
    assert "may not grant" in page.text_content("p.error[data-field=label]")


def _shot(page: Any, name: str) -> None:
    """The viewport as ``<FORCEGEN_SCREENSHOTS>/<name>.png`` (palette-reduced), when asked.

    ``FORCEGEN_SCREENSHOTS=docs/screenshots pytest tests/browser/test_labels_intel.py``
    refreshes the documentation's pictures; otherwise nothing is written.
    """
    folder = os.environ.get("FORCEGEN_SCREENSHOTS")
    if not folder:
        return
    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot(full_page=False))).convert("RGB")
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(
        Path(folder) / f"{name}.png", optimize=True)


def test_feed_receives_new_objects_live_and_never_hidden_ones(
        page: Any, intel_server: tuple[Server, Path]) -> None:
    from forcegen.labels.label import make_label

    server, folder = intel_server
    page.set_viewport_size({"width": 1366, "height": 768})
    _accounts(page, server)
    _collection(folder)
    _sign_in(page, server, "gbr-lno", PASSWORD)
    page.goto(f"{server.url}/intel?collection={COLLECTION}")
    page.wait_for_selector("[data-live-status]:text('Live')")
    # Compose in a second tab: signed for GBR, published, then pushed to the first tab.
    other = page.context.new_page()
    other.goto(f"{server.url}/intel/compose?collection={COLLECTION}")
    offered = other.eval_on_selector_all("select[name=label_class] option",
                                         "os => os.map(o => o.value)")
    assert "TLP|AMBER" in offered and "TLP|RED" not in offered
    other.fill("#f-name", "Phishing domain against the northern hub")
    other.fill("#f-pattern", "[domain-name:value = 'logistics-north.example']")
    other.fill("#f-sector", "NORTH")
    other.select_option("select[name=label_class]", "TLP|AMBER")
    other.click("[data-testid=compose-form] button[type=submit]")
    other.wait_for_url(re.compile(r".*/intel\?collection=.*"))
    other.close()
    page.wait_for_selector("[data-testid=intel-item]:has-text('Phishing domain')", timeout=15000)
    assert page.text_content("[data-testid=item-marking]") == "TLP:AMBER"
    assert "TLP:AMBER" in page.text_content("[data-testid=banner-top]")
    # Germany releases one object to itself only, then one to Britain too: only that arrives.
    _add_signed(folder, "ZZ hidden from Britain",
                make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["DEU"]},
                           originator="DEU"), "deu.json")
    _add_signed(folder, "Shared C2 address",
                make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["DEU", "GBR"]},
                           originator="DEU"), "deu.json")
    page.wait_for_selector("[data-testid=intel-item]:has-text('Shared C2 address')")
    page.wait_for_timeout(1500)
    assert "ZZ hidden" not in page.content()
    assert page.text_content("[data-testid=banner-top]").startswith(
        "NATO RESTRICTED REL TO DEU, GBR")
    _shot(page, "intel-feed")
    page.goto(f"{server.url}/intel/compose?collection={COLLECTION}")
    page.select_option("select[name=label_class]", "NATO|NATO RESTRICTED")
    page.check("input[value='NATO|Releasable To|GBR']")
    page.fill("#f-name", "C2 server in sector NORTH")
    page.fill("#f-pattern", "[ipv4-addr:value = '198.51.100.7']")
    page.locator("[data-testid=label-picker]").scroll_into_view_if_needed()
    _shot(page, "intel-compose")
