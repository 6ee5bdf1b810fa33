"""POST /claims/{id}/revocation: a firm revokes its active claim with its own signature."""

from __future__ import annotations

import time

from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from carbonledger.chain.typed_data import Revocation, revocation_typed_data, sign_typed_data
from tests.api.conftest import Api, as_bytes, example


def _signed(api: Api, firm: LocalAccount, claim_id: str, reason: str, signer: LocalAccount) -> dict:
    nonce = api.services.ledger.nonce(firm.address)
    deadline = int(time.time()) + 3600
    message = Revocation(
        bytes.fromhex(claim_id[2:]), firm.address, keccak(text=reason), nonce, deadline
    )
    typed = revocation_typed_data(api.services.ledger.domain(), message)
    signature = "0x" + sign_typed_data(bytes(signer.key), typed).hex()
    return {"reason": reason, "nonce": nonce, "deadline": deadline, "signature": signature}


def test_a_firm_revokes_its_claim_and_a_second_revocation_is_refused_with_409(api: Api) -> None:
    firm = api.admit("Revoking Freight")
    client = api.client(firm)
    claim_id = client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))[
        "claim_id"
    ]
    with api.http(client._token) as http:
        done = http.post(
            f"/claims/{claim_id}/revocation", json=_signed(api, firm, claim_id, "typo", firm)
        )
        assert done.status_code == 201, done.text
        assert done.json()["tx_hash"]
        again = http.post(
            f"/claims/{claim_id}/revocation", json=_signed(api, firm, claim_id, "x", firm)
        )
        assert again.status_code == 409 and "revoked" in again.json()["detail"]
    assert api.services.ledger.claim_state(bytes.fromhex(claim_id[2:])).status == "revoked"


def test_a_revocation_by_another_key_or_member_is_refused(api: Api) -> None:
    firm = api.admit("Kept Freight")
    other = api.admit("Meddling Freight")
    claim_id = api.client(firm).submit_claim(
        as_bytes(example("carrier_footprint.json", firm.address))
    )["claim_id"]
    forged = _signed(api, firm, claim_id, "forged", other)
    with api.http(api.client(firm).login()) as http:
        assert http.post(f"/claims/{claim_id}/revocation", json=forged).status_code == 401
    with api.http(api.client(other).login()) as http:
        honest = _signed(api, firm, claim_id, "mine", firm)
        assert http.post(f"/claims/{claim_id}/revocation", json=honest).status_code == 403
    assert api.services.ledger.claim_state(bytes.fromhex(claim_id[2:])).status == "active"
