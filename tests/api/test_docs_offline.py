"""``/docs`` and ``/redoc`` load their assets from the API itself: no CDN, no internet."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from carbonledger.api.app import create_app
from carbonledger.config import Settings


def test_swagger_and_redoc_are_served_from_the_installed_assets(tmp_path: Path) -> None:
    unused: Any = None
    client = TestClient(create_app(Settings(data_dir=tmp_path), unused, unused))
    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', html.text)
        assert sources and all(s.startswith("/") for s in sources), sources
        for source in sources:
            if source.endswith((".js", ".css")):
                asset = client.get(source)
                assert asset.status_code == 200 and len(asset.content) > 10_000, source
    assert client.get("/openapi.json").json()["paths"]["/claims/export"]["get"]
