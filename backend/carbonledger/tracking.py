"""Client-side target helpers: sign a target against its base claim, and read its trajectory
from the firm's verified claims through the API (used by ``carbonledger target`` and the demo).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from carbonledger.client import LedgerClient
from carbonledger.errors import CarbonLedgerError
from carbonledger.planner.targets import (
    Target,
    TrajectoryRow,
    YearFigure,
    covered_kg,
    sign_target,
    signer_of,
    track,
)


def _year(unix: int) -> int:
    return dt.datetime.fromtimestamp(unix, dt.UTC).year


def _onchain(claim: dict[str, Any]) -> dict[str, int]:
    figures = claim.get("check", {}).get("report", {}).get("onchain_kgco2e", {})
    return {str(k): int(v) for k, v in figures.items()}


def _verified(client: LedgerClient, claim: dict[str, Any], audited_only: bool) -> bool:
    if claim.get("state") != "checked" or not claim.get("check", {}).get("passed"):
        return False
    if not audited_only:
        return True
    detail = client.claim(str(claim["claim_id"]))
    return bool(detail["on_chain"]["audit"] == "approved")


def sign_document(client: LedgerClient, target: Target) -> dict[str, Any]:
    """The target checked against its base claim and signed by the client's key."""
    base = client.claim(target.base_claim_id)
    if base["firm"].lower() != target.firm.lower() or base["kind"] != "footprint":
        raise CarbonLedgerError(
            f"base_claim_id: {target.base_claim_id} is not a footprint of yours"
        )
    if not _verified(client, base, target.audited_only):
        raise CarbonLedgerError(f"base_claim_id: {target.base_claim_id} is not verified")
    if _year(int(base["period_start"])) != target.base_year:
        raise CarbonLedgerError("base_year: not the base claim's year")
    chain_id = int(client.chain()["chain_id"])
    signature = sign_target(client.account, target, chain_id)
    return {"target": target.to_json(), "chain_id": chain_id, "signature": signature}


def trajectory(client: LedgerClient, signed: dict[str, Any]) -> tuple[Target, list[TrajectoryRow]]:
    """The target's trajectory from the firm's verified claims (read through the API)."""
    target = Target.from_json(signed["target"])
    who = signer_of(target, str(signed["signature"]), int(signed["chain_id"]))
    if who.lower() != target.firm.lower():
        raise CarbonLedgerError(f"signature: signed by {who}, not by the firm {target.firm}")
    base = client.claim(target.base_claim_id)
    if not _verified(client, base, target.audited_only):
        raise CarbonLedgerError(f"base_claim_id: {target.base_claim_id} is not verified")
    base_kg = covered_kg(target, _onchain(base))
    page = client.request(
        "GET", "/claims", params={"firm": target.firm, "state": "checked", "page_size": 200}
    )
    footprints: dict[int, Decimal] = {}
    reductions: dict[int, Decimal] = {}
    for claim in page["items"]:
        year = _year(int(claim["period_start"]))
        if year <= target.base_year or not _verified(client, claim, target.audited_only):
            continue
        if claim["kind"] == "footprint":
            footprints[year] = covered_kg(target, _onchain(claim))
        else:
            counted = _onchain(claim).get("inventory_reduction", 0)
            reductions[year] = reductions.get(year, Decimal(0)) + counted
    figures = [YearFigure(y, kg, "footprint claim") for y, kg in footprints.items()]
    figures += [
        YearFigure(y, base_kg - kg, "base less verified reductions")
        for y, kg in reductions.items()
        if y not in footprints
    ]
    return target, track(target, base_kg, figures)
