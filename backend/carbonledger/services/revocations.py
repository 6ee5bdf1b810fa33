"""A firm revokes one of its claims: its signed ``Revocation`` is checked here, then relayed.

The revocation is the firm's own (EIP-712 ``Revocation`` under the ClaimLedger domain, signed
by its current key); the service only pays the gas. Revoked is final on chain: the claim stays
in the history, marked revoked, and no longer counts."""

from __future__ import annotations

from eth_account import Account
from eth_utils.address import to_checksum_address

from carbonledger.chain.gateway import Anchored, LedgerGateway
from carbonledger.chain.typed_data import Revocation, revocation_typed_data, typed_data_digest
from carbonledger.services.errors import Conflict, NotFound, NotPermitted, SignatureMismatch
from carbonledger.store.claims import ClaimStore


class RevocationService:
    def __init__(self, ledger: LedgerGateway, store: ClaimStore) -> None:
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
        state = self.ledger.member_state(firm)
        digest = typed_data_digest(revocation_typed_data(self.ledger.domain(), revocation))
        try:
            signer = Account._recover_hash(digest, signature=signature)
        except Exception:
            raise SignatureMismatch("the revocation's signature is malformed") from None
        if signer != state.signing_key:
            raise SignatureMismatch(f"the revocation is not signed by {firm}'s current key")
        if revocation.nonce != self.ledger.nonce(firm):
            raise Conflict(
                f"nonce {revocation.nonce} is not {firm}'s next ClaimLedger nonce "
                f"({self.ledger.nonce(firm)}); wait for its pending claims and sign again"
            )
        return self.ledger.relay(
            "ClaimLedger", "revokeClaim", [revocation.as_tuple(), signature], "revoking a claim"
        )
