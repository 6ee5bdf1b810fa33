"""Client-side target tracking (``carbonledger target``): which claims count as verified, read
through a fake of the API client (the CLI's end-to-end path is in tests/api/test_plans.py)."""

from __future__ import annotations

import calendar
from decimal import Decimal
from typing import Any

import pytest

from carbonledger.errors import CarbonLedgerError
from carbonledger.planner.targets import Target
from carbonledger.tracking import sign_document, trajectory

FIRM = "0x" + "11" * 20
BASE = "0x" + "ab" * 32


def _claim(
    claim_id: str, year: int, kg: int, status: str = "active", **extra: Any
) -> dict[str, Any]:
    return {
        "claim_id": claim_id,
        "firm": FIRM,
        "kind": "footprint",
        "state": "checked",
        "period_start": calendar.timegm((year, 1, 1, 0, 0, 0)),
        "check": {"passed": True, "report": {"onchain_kgco2e": {"scope1": kg}}},
        "on_chain": {"status": status, "check": "passed", "audit": "none"},
        **extra,
    }


class FakeApi:
    """The two reads tracking makes: one claim, and the firm's checked claims page by page."""

    def __init__(self, claims: list[dict[str, Any]], page_size: int = 200) -> None:
        self.claims = {c["claim_id"]: c for c in claims}
        self.page_size = page_size
        self.pages_read = 0

    def claim(self, claim_id: str) -> dict[str, Any]:
        return self.claims[claim_id]

    def request(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        assert (method, path) == ("GET", "/claims")
        self.pages_read += 1
        size = min(int(params["page_size"]), self.page_size)
        rows = [c for c in self.claims.values() if c["state"] == params["state"]]
        start = (int(params["page"]) - 1) * size
        return {"items": rows[start : start + size], "total": len(rows), "page_size": size}


def _target() -> Target:
    return Target(FIRM, BASE, 2024, 2030, 5_000, (1,))


def test_a_revoked_base_claim_is_refused_naming_why() -> None:
    api = FakeApi([_claim(BASE, 2024, 1_000, status="revoked")])
    with pytest.raises(CarbonLedgerError, match="is not verified: it is revoked on chain"):
        sign_document(api, _target())  # type: ignore[arg-type]


def test_a_base_claim_not_yet_checked_is_refused_naming_its_state() -> None:
    api = FakeApi([_claim(BASE, 2024, 1_000, state="anchored", on_chain=None)])
    with pytest.raises(CarbonLedgerError, match=r"not recorded on chain \(state anchored\)"):
        trajectory(api, _target())  # type: ignore[arg-type]


def test_a_revoked_or_superseded_claim_does_not_count_in_the_trajectory() -> None:
    api = FakeApi(
        [
            _claim(BASE, 2024, 1_000),
            _claim("0x" + "01" * 32, 2025, 900),
            _claim("0x" + "02" * 32, 2026, 100, status="revoked"),
            _claim("0x" + "03" * 32, 2027, 50, status="superseded"),
        ]
    )
    rows = {r.year: r for r in trajectory(api, _target())}  # type: ignore[arg-type]
    assert rows[2025].actual_kg == Decimal(900)
    assert rows[2026].actual_kg is None
    assert rows[2027].actual_kg is None


def test_every_page_of_the_firms_claims_is_read() -> None:
    later = [_claim("0x" + f"{i:064x}", 2025 + i % 5, 900 - i) for i in range(1, 6)]
    api = FakeApi([_claim(BASE, 2024, 1_000), *later], page_size=2)
    rows = {r.year: r for r in trajectory(api, _target())}  # type: ignore[arg-type]
    assert api.pages_read == 3
    assert rows[2029].actual_kg == Decimal(896)
