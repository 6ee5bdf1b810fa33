"""A firm revokes one of its claims: its signed ``Revocation`` is checked here, then relayed.

The revocation is the firm's own (EIP-712 ``Revocation`` under the ClaimLedger domain, signed
by its current key); the service only pays the gas. Revoked is final on chain: the claim stays
in the history, marked revoked, and no longer counts."""

from __future__ import annotations

from eth_utils.address import to_checksum_address

from carbonledger.chain.gateway import Anchored
from carbonledger.services.errors import Conflict, NotFound, NotPermitted
from carbonledger.services.ports import ClaimStorePort, LedgerPort
from carbonledger.services.signing import check_signer, relay_or_conflict
from carbonledger.vocab import FIRM_ROLE, Revocation


class RevocationService:
    def __init__(self, ledger: LedgerPort, store: ClaimStorePort) -> None:
        self.ledger = ledger
        self.store = store

    def revoke(self, caller: str, revocation: Revocation, signature: bytes) -> Anchored:
        claim_id = "0x" + revocation.claim_id.hex()
        row = self.store.get(claim_id)
        if row is None:
            raise NotFound(f"no claim {claim_id}")
        firm = to_checksum_address(row.firm)
        if to_checksum_address(caller) != firm or to_checksum_address(revocation.firm) != firm:
            raise NotPermitted(f"only firm {firm} revokes claim {claim_id}")
        status = self.ledger.claim_state(revocation.claim_id).status
        if status != "active":
            raise Conflict(f"claim {claim_id} is {status}; only an active claim is revoked")
        check_signer(
            self.ledger, firm, FIRM_ROLE, "firm", revocation, self.ledger.domain(), signature,
            "the revocation's signature",
        )  # fmt: skip
        expected = self.ledger.nonce(firm)
        if revocation.nonce != expected:
            raise Conflict(
                f"nonce {revocation.nonce} is not {firm}'s next ClaimLedger nonce ({expected}); "
                "wait for its pending claims and sign again"
            )
        return relay_or_conflict(
            self.ledger, "ClaimLedger", "revokeClaim", [revocation.as_tuple(), signature],
            "revoking a claim",
        )  # fmt: skip
