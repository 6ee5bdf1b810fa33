"""The stores' tests run on SQLite and on a real PostgreSQL (a module may narrow ``engine``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from carbonledger.store.db import make_engine
from tests.postgres import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'claims.db'}"
    else:
        server: str = request.getfixturevalue("postgres_url")
        url = fresh_database(server, f"store_{uuid.uuid4().hex[:12]}")
    engine = make_engine(url)
    yield engine
    engine.dispose()
