"""An unknown page in the browser is an HTML page; the API keeps its JSON errors (issue 9, §6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from forcegen.web import create_web_app
from forcegen.workspace.database import make_engine, upgrade


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    engine = make_engine(f"sqlite:///{tmp_path}/w.sqlite")
    upgrade(engine)
    with TestClient(create_web_app(engine=engine), base_url="https://testserver") as c:
        yield c
    engine.dispose()


def test_unknown_page_is_html_in_the_browser_and_json_in_the_api(client: TestClient) -> None:
    r = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "<html" in r.text.lower() and "Not found" in r.text
    assert 'href="/static/' in r.text  # the UI's own style sheet, not a bare message
    assert '"error"' not in r.text
    # The API keeps its JSON error shape, whatever the client accepts.
    r = client.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"]["code"]
