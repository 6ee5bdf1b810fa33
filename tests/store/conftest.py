"""The stores' tests run on SQLite and on a real PostgreSQL (a module may narrow ``engine``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def claim_values(
    firm: str, nonce: int, tag: str | None = None, passed: bool = True
) -> dict[str, Any]:
    """The values of a footprint claim row as the claim service stores it (placeholders for
    what the stores do not read); ``tag`` makes its claim id (random without)."""
    claim_id = uuid.uuid5(uuid.NAMESPACE_OID, tag) if tag is not None else uuid.uuid4()
    return {
        "claim_id": "0x" + claim_id.hex * 2,
        "firm": firm,
        "kind": "footprint",
        "period_start": 0,
        "period_end": 1,
        "standard_version": 1,
        "document_hash": "0x" + "22" * 32,
        "nonce": nonce,
        "deadline": 2**40,
        "claim": {},
        "signature": "0x" + "33" * 65,
        "check_passed": passed,
        "report_hash": "0x" + "44" * 32,
        "report": "{}",
    }
