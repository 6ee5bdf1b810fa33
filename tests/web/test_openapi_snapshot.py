"""The web app's API types are generated from web/openapi.json: it must be the service's."""

from __future__ import annotations

import json

import httpx

from carbonledger.api.schema import openapi_document
from tests.api.conftest import Api
from tests.conftest import PROJECT_ROOT

SNAPSHOT = PROJECT_ROOT / "web" / "openapi.json"
REFRESH = "refresh it: uv run python -m carbonledger.api.schema > web/openapi.json"


def test_the_apps_openapi_snapshot_is_the_one_the_service_generates() -> None:
    assert json.loads(SNAPSHOT.read_text(encoding="utf-8")) == openapi_document(), REFRESH


def test_the_apps_openapi_snapshot_is_what_the_live_service_publishes(ledger: Api) -> None:
    live = httpx.get(f"{ledger.url}/openapi.json", timeout=30).json()
    assert json.loads(SNAPSHOT.read_text(encoding="utf-8")) == live, REFRESH


def test_the_app_is_served_at_app_and_its_routes_fall_back_to_its_index(ledger: Api) -> None:
    with httpx.Client(base_url=ledger.url, timeout=30) as http:
        index = http.get("/app/")
        assert index.status_code == 200 and '<div id="root">' in index.text
        deep = http.get("/app/claims/0x" + "ab" * 32)
        assert deep.status_code == 200 and deep.text == index.text
        asset = index.text.split('src="')[1].split('"')[0]
        assert http.get(asset).headers["content-type"].startswith("text/javascript")
        assert http.get("/", follow_redirects=False).headers["location"] == "/app/"
        assert http.get("/app/../pyproject.toml").status_code in (200, 404)
        assert "[project]" not in http.get("/app/%2e%2e/%2e%2e/pyproject.toml").text
