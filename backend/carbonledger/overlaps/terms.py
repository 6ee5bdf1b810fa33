"""Settlement terms as JSON (what the API returns, and what a party rebuilds to check the
settlement id it is about to sign)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_utils.address import to_checksum_address

from carbonledger.chain.typed_data import SettlementTerms


def _hex(raw: bytes) -> str:
    return "0x" + bytes(raw).hex()


def _b32(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


def terms_to_json(terms: SettlementTerms) -> dict[str, Any]:
    return {
        "parties": list(terms.parties),
        "shares_bps": list(terms.shares_bps),
        "claim_ids": [_hex(c) for c in terms.claim_ids],
        "overlap_kgco2e": terms.overlap_kg_co2e,
        "shipment_root": _hex(terms.shipment_root),
        "project_hash": _hex(terms.project_hash),
        "total_cost": terms.total_cost,
        "currency": terms.currency,
        "expected_reduction_kgco2e": terms.expected_reduction_kg_co2e,
        "signing_deadline": terms.signing_deadline,
    }


def terms_from_json(data: Mapping[str, Any]) -> SettlementTerms:
    """The terms as the API returns them (a client rebuilds them to check the id it signs)."""
    return SettlementTerms(
        parties=tuple(to_checksum_address(p) for p in data["parties"]),
        shares_bps=tuple(int(s) for s in data["shares_bps"]),
        claim_ids=tuple(_b32(c) for c in data["claim_ids"]),
        overlap_kg_co2e=int(data["overlap_kgco2e"]),
        shipment_root=_b32(data["shipment_root"]),
        project_hash=_b32(data["project_hash"]),
        total_cost=int(data["total_cost"]),
        currency=str(data["currency"]),
        expected_reduction_kg_co2e=int(data["expected_reduction_kgco2e"]),
        signing_deadline=int(data["signing_deadline"]),
    )
