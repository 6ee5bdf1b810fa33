"""Client-side target helpers: sign a target against its base claim and record it on chain
(``POST /targets``), read the recorded targets back (``GET /targets``) and their trajectory
from the firm's verified claims through the API (used by ``carbonledger target`` and the demo).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
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
    to_struct,
    track,
)
from carbonledger.vocab import Domain


def _year(unix: int) -> int:
    return dt.datetime.fromtimestamp(unix, dt.UTC).year


def _onchain(claim: dict[str, Any]) -> dict[str, int]:
    figures = claim.get("check", {}).get("report", {}).get("onchain_kgco2e", {})
    return {str(k): int(v) for k, v in figures.items()}


def _not_counted(client: LedgerClient, claim: dict[str, Any], audited_only: bool) -> str | None:
    """Why ``claim`` does not count as verified (checked and passed, still active on chain,
    and approved by an auditor when ``audited_only``), or None when it counts. A listing's row
    carries the chain's status once anchored; otherwise the claim is read whole."""
    if claim.get("state") != "checked":
        return f"its check is not recorded on chain (state {claim.get('state')})"
    if not claim.get("check", {}).get("passed"):
        return "it failed its check"
    on_chain = claim.get("on_chain") or client.claim(str(claim["claim_id"]))["on_chain"]
    if on_chain["status"] != "active":
        return f"it is {on_chain['status']} on chain"
    if audited_only and on_chain["audit"] != "approved":
        return "no auditor has approved it"
    return None


def _verified_base(client: LedgerClient, target: Target) -> dict[str, Any]:
    base = client.claim(target.base_claim_id)
    if base["firm"].lower() != target.firm.lower() or base["kind"] != "footprint":
        raise CarbonLedgerError(
            f"base_claim_id: {target.base_claim_id} is not a footprint of yours"
        )
    why = _not_counted(client, base, target.audited_only)
    if why is not None:
        raise CarbonLedgerError(f"base_claim_id: {target.base_claim_id} is not verified: {why}")
    return base


def sign_document(client: LedgerClient, target: Target, window_s: int = 3_600) -> dict[str, Any]:
    """The target checked against its base claim, signed by the client's key (EIP-712,
    TargetRegistry domain, the firm's next nonce) and recorded on chain through the API."""
    base = _verified_base(client, target)
    if _year(int(base["period_start"])) != target.base_year:
        raise CarbonLedgerError("base_year: not the base claim's year")
    info = client.request("GET", "/targets/nonce", params={"firm": target.firm})
    domain = Domain(
        info["domain"]["name"], int(info["domain"]["chainId"]),
        info["domain"]["verifyingContract"], info["domain"]["version"],
    )  # fmt: skip
    struct = to_struct(target, int(info["nonce"]), int(time.time()) + window_s)
    signature = sign_target(client.account, struct, domain)
    recorded = client.request(
        "POST", "/targets", json={"target": struct.to_json(), "signature": signature}
    )
    return {
        "target": target.to_json(),
        "onchain": struct.to_json(),
        "domain": info["domain"],
        "signature": signature,
        **recorded,
    }


def recorded_targets(client: LedgerClient, firm: str) -> list[tuple[str, Target]]:
    """``firm``'s targets as the TargetRegistry records them (id, commitment), oldest first."""
    answer = client.request("GET", "/targets", params={"firm": firm})
    return [(str(t["target_id"]), Target.from_json(t)) for t in answer]


def _checked_claims(client: LedgerClient, firm: str) -> Iterator[dict[str, Any]]:
    """Every checked claim of ``firm``, page after page, in the listing's order."""
    page_no = 1
    while True:
        params = {"firm": firm, "state": "checked", "page_size": 200, "page": page_no}
        page = client.request("GET", "/claims", params=params)
        yield from page["items"]
        if page_no * int(page["page_size"]) >= int(page["total"]) or not page["items"]:
            return
        page_no += 1


def trajectory(client: LedgerClient, target: Target) -> list[TrajectoryRow]:
    """A recorded target's trajectory from the firm's verified claims (read through the API)."""
    base = _verified_base(client, target)
    base_kg = covered_kg(target, _onchain(base))
    footprints: dict[int, Decimal] = {}
    reductions: dict[int, Decimal] = {}
    for claim in _checked_claims(client, target.firm):
        year = _year(int(claim["period_start"]))
        if year <= target.base_year or _not_counted(client, claim, target.audited_only):
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
    return track(target, base_kg, figures)
