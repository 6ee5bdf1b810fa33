"""A carrier and a shipper whose footprints share shipments under their own pair salt (and the
carrier's signed reduction target)."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount

from carbonledger.client import LedgerClient
from carbonledger.overlaps import new_pair_salt, salted_ref
from carbonledger.planner.targets import Target, sign_target, to_struct
from carbonledger.standard import document_hash, parse_claim
from carbonledger.vocab import Domain
from carbonledger.vocab import Target as OnChainTarget
from tests.api.conftest import Api, as_bytes, example

#: The carrier's trips carry WB-1, WB-2 (trip 1) and WB-3 (trip 2); the shipper ships WB-1, WB-3.
CARRIER_WAYBILLS = (("WB-1", "WB-2"), ("WB-3",))
SHIPPER_WAYBILLS = ("WB-1", "WB-3")


def carrier_document(firm: str, salt: bytes) -> dict[str, Any]:
    doc = example("carrier_footprint.json", firm)
    for line, waybills in zip(doc["lines"][:2], CARRIER_WAYBILLS, strict=True):
        for shipment, waybill in zip(line["shipments"], waybills, strict=True):
            shipment["shipment_ref"] = salted_ref(salt, waybill)
    return doc


def shipper_document(firm: str, salt: bytes) -> dict[str, Any]:
    doc = example("shipper_footprint.json", firm)
    cat4 = [line for line in doc["lines"] if "shipment_ref" in line]
    for line, waybill in zip(cat4, SHIPPER_WAYBILLS, strict=True):
        line["shipment_ref"] = salted_ref(salt, waybill)
    return doc


def reduction_document(
    firm: str, baseline: dict[str, Any], settlement_id: str, allocated: int, claimed: int
) -> dict[str, Any]:
    doc = example("shipper_reduction.json", firm)
    doc["baseline"] = {
        "document_hash": "0x" + document_hash(parse_claim(as_bytes(baseline))).hex(),
        "claim_id": baseline["claim_id"],
    }
    doc["settlements"] = [
        {
            "settlement_id": settlement_id,
            "allocated_kgco2e": str(allocated),
            "claimed_kgco2e": str(claimed),
        }
    ]
    return copy.deepcopy(doc)


@dataclass
class Partners:
    carrier: LocalAccount
    shipper: LocalAccount
    carrier_client: LedgerClient
    shipper_client: LedgerClient
    carrier_claim: str
    shipper_claim: str
    shipper_doc: dict[str, Any]
    salt: bytes


def partners(api: Api, name: str) -> Partners:
    """Admit a carrier and a shipper, and submit their footprints (checked, on chain)."""
    carrier = api.admit(f"{name} 快运 carrier")
    shipper = api.admit(f"{name} shipper")
    carrier_client, shipper_client = api.client(carrier), api.client(shipper)
    salt = new_pair_salt()  # agreed between the two; the service never sees it
    carrier_answer = carrier_client.submit_claim(as_bytes(carrier_document(carrier.address, salt)))
    shipper_doc = shipper_document(shipper.address, salt)
    shipper_answer = shipper_client.submit_claim(as_bytes(shipper_doc))
    assert carrier_answer["check"]["passed"] and shipper_answer["check"]["passed"]
    assert carrier_answer["state"] == shipper_answer["state"] == "checked"
    return Partners(
        carrier,
        shipper,
        carrier_client,
        shipper_client,
        carrier_answer["claim_id"],
        shipper_answer["claim_id"],
        shipper_doc,
        salt,
    )


def target_domain(info: dict[str, Any]) -> Domain:
    d = info["domain"]
    return Domain(d["name"], int(d["chainId"]), d["verifyingContract"], d["version"])


def carrier_target(pair: Partners, reduction_bps: int = 5_000) -> Target:
    """The carrier's commitment: ``reduction_bps`` of Scopes 1 and 2 from 2024 to 2030."""
    return Target(
        firm=pair.carrier.address,
        base_claim_id=pair.carrier_claim.lower(),
        base_year=2024,
        target_year=2030,
        reduction_bps=reduction_bps,
        scopes=(1, 2),
    )


def signed_target(pair: Partners, **changes: Any) -> tuple[OnChainTarget, str, Domain]:
    """The carrier's target (50 % of Scopes 1 and 2 by 2030 from its claim), signed with its key
    for the TargetRegistry domain of ``GET /targets/nonce``; ``changes`` alter the struct after."""
    client = pair.carrier_client
    info = client.request("GET", "/targets/nonce", params={"firm": pair.carrier.address})
    struct = to_struct(carrier_target(pair), int(info["nonce"]), int(time.time()) + 600)
    for name, value in changes.items():
        struct = OnChainTarget(**{**vars(struct), name: value})
    domain = target_domain(info)
    return struct, sign_target(pair.carrier, struct, domain), domain
