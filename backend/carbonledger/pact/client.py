"""A firm's side of publishing: sign the anchor claim of a footprint locally, then post it."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from carbonledger.chain.typed_data import ZERO32, Domain, claim_typed_data, sign_typed_data
from carbonledger.client import LedgerClient
from carbonledger.pact import model

SIGNATURE_LIFETIME = 7 * 24 * 3600


def publish_footprint(
    client: LedgerClient,
    footprint: Mapping[str, Any],
    *,
    derived_from: Sequence[str] = (),
) -> dict[str, Any]:
    """Sign ``footprint``'s anchor claim with the firm's key and publish it; the served PCF."""
    body = signed_publication(client, footprint, derived_from=derived_from)
    return dict(client.request("POST", "/pact/footprints", json=body))


def signed_publication(
    client: LedgerClient,
    footprint: Mapping[str, Any],
    *,
    derived_from: Sequence[str] = (),
    nonce: int | None = None,
) -> dict[str, Any]:
    """The body of ``POST /pact/footprints``: ``footprint`` with its anchor claim signed by
    the firm's key, with ``nonce`` (default: the firm's next, asked of the service)."""
    chain = client.chain()
    supersedes = ZERO32
    preceding = list(footprint.get("precedingPfIds", []))
    if preceding:
        mine = {pf["id"]: pf for pf in client.request("GET", "/pact/footprints")}
        if preceding[0] in mine:
            anchor = next(
                e["data"] for e in mine[preceding[0]]["extensions"] if model.is_anchor_extension(e)
            )
            supersedes = bytes.fromhex(anchor["claimId"][2:])
    nonce = client.next_nonce() if nonce is None else nonce
    deadline = int(time.time()) + SIGNATURE_LIFETIME
    claim = model.anchor_claim(
        footprint,
        firm=client.address,
        standard_version=int(chain["standard"]["onchain_version"]),
        nonce=nonce,
        deadline=deadline,
        supersedes=supersedes,
    )
    d = chain["claim_ledger_domain"]
    domain = Domain(
        name=d["name"],
        chain_id=int(d["chainId"]),
        verifying_contract=d["verifyingContract"],
        version=d["version"],
    )
    signature = sign_typed_data(bytes(client.account.key), claim_typed_data(domain, claim))
    body = {
        "footprint": dict(footprint),
        "signature": "0x" + signature.hex(),
        "nonce": nonce,
        "deadline": deadline,
        "derived_from": list(derived_from),
    }
    return body
