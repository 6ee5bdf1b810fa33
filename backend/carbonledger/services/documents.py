"""Claims' documents in the evidence vault, by claim id: read by a member holding a grant,
shared with a partner and withdrawn by the firm that owns them (``/claims/{id}/document``
and ``/claims/{id}/grants``). The documents themselves stay encrypted: the vault only ever
hands out a data key wrapped for the reader, by the owner's software."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import is_address, to_checksum_address

from carbonledger.services.errors import InvalidRequest
from carbonledger.services.ports import ClaimStorePort
from carbonledger.services.queries import stored_claim
from carbonledger.vault.model import DocumentRecord
from carbonledger.vault.service import EvidenceVault


@dataclass(eq=False)
class DocumentService:
    """See the module docstring."""

    store: ClaimStorePort
    vault: EvidenceVault

    def document(self, reader: str, claim_id: str) -> dict[str, Any]:
        """Claim ``claim_id``'s encrypted document with its data key wrapped for ``reader``
        (404 without the claim, 403 without a grant)."""
        row = stored_claim(self.store, claim_id)
        return self.vault.get(reader, row.claim_id).to_json()

    def grant(self, owner: str, claim_id: str, reader: str, wrapped_key: bytes) -> DocumentRecord:
        """``owner`` grants ``reader`` (an address, 422 naming ``reader`` if not; it must
        have registered its vault key) the document, with the data key wrapped for it."""
        row = stored_claim(self.store, claim_id)
        if not is_address(reader):
            raise InvalidRequest(
                "reader is not an address", [{"field": "reader", "message": "bad"}]
            )
        reader = to_checksum_address(reader)
        key = self.vault.reader_public_key(reader)
        return self.vault.grant(owner, row.claim_id, reader, key, wrapped_key)

    def withdraw(self, owner: str, claim_id: str, reader: str) -> DocumentRecord:
        """``owner`` withdraws ``reader``'s grant (not its own, nor the auditors')."""
        row = stored_claim(self.store, claim_id)
        return self.vault.revoke(owner, row.claim_id, to_checksum_address(reader))
