"""The citation outbox: reduction claims citing their firm's allocation in settlements.

A reduction claim may cite settlements whose realised reduction was recorded on chain. The
claim pipeline asks :meth:`CitationOutbox.allocations_for` which allocations the ledger gives
the firm, :meth:`CitationOutbox.accept` validates the firm-signed ``Citation`` of each (one
per cited allocation; none already cited by another claim that stays active), the rows are
queued with the claim, and :meth:`CitationOutbox.relay` relays ``citeAllocation`` once the
claim is anchored (a claim can only be cited once the chain holds it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from carbonledger.chain.errors import ChainRefused
from carbonledger.chain.sender import TransactionFailed
from carbonledger.services.errors import Conflict, InvalidRequest
from carbonledger.services.ports import ClaimStorePort, LedgerPort
from carbonledger.services.signing import check_deadline, check_signer
from carbonledger.standard.models import ReductionClaim
from carbonledger.store.claims import ANCHORED, CHECKED
from carbonledger.store.claims import REFUSED as CLAIM_REFUSED
from carbonledger.store.settlements import PENDING, RECORDED, REFUSED, SettlementStore
from carbonledger.vocab import FIRM_ROLE, Citation, b32, hx


@dataclass(frozen=True)
class SignedCitation:
    """A firm's signed ``Citation`` of its allocation in a settlement, sent with the reduction
    claim that cites it (the claim id is the one being submitted)."""

    settlement_id: bytes
    nonce: int
    deadline: int
    signature: bytes


@dataclass
class CitationOutbox:
    """See the module docstring."""

    ledger: LedgerPort
    claim_store: ClaimStorePort
    store: SettlementStore
    clock: Callable[[], float] = time.time
    #: brings a claim into the ClaimLedger before its citations are relayed (root mode admits
    #: a root-anchored claim with its proof: ``ClaimService.bring_on_chain``); a citation of a
    #: claim the ledger does not hold would be refused
    admit: Callable[[str], None] = lambda _claim_id: None

    def nonce(self, account: str) -> int:
        """The next OverlapSettlement nonce ``account`` signs with (queued citations counted)."""
        account = to_checksum_address(account)
        on_chain = self.ledger.settlement_nonce(account)
        pending = self.store.citations(party=account, state=PENDING)
        return max([on_chain, *(c.nonce + 1 for c in pending)])

    def allocations_for(self, firm: str, settlement_ids: Sequence[str]) -> dict[str, int]:
        """The ledger's allocations to ``firm`` (kgCO2e) in these settlements (none: absent)."""
        firm = to_checksum_address(firm)
        out: dict[str, int] = {}
        for sid in dict.fromkeys(s.lower() for s in settlement_ids):
            try:
                recorded = self.ledger.settlement_state(b32(sid)).reduction_recorded
            except (ValueError, ChainRefused):
                continue
            if not recorded:
                continue
            allocation = self.ledger.party_state(b32(sid), firm).allocation_kgco2e
            if allocation > 0:
                out[sid] = allocation
        return out

    def accept(
        self,
        firm: str,
        claim_id: str,
        document: ReductionClaim,
        allocations: Mapping[str, int],
        citations: Sequence[SignedCitation],
        supersedes: str | None,
        accepted_here: Collection[str] = (),
    ) -> list[dict[str, Any]]:
        """Validate the firm's signed citations of ``claim_id``; the rows to queue.

        Every cited settlement with an allocation needs one; none may be cited already by
        another claim that stays active (a second citation would count it twice), including
        one on its way to the chain: stored, or in ``accepted_here`` (accepted earlier in the
        same request, stored with it at its end)."""
        given = {hx(c.settlement_id): c for c in citations}
        cited = [s.settlement_id for s in document.settlements if s.settlement_id in allocations]
        unknown = sorted(set(given) - set(cited))
        if unknown:
            raise InvalidRequest(
                "citations for settlements the document does not cite with an allocation",
                [{"field": "citations", "message": ", ".join(unknown)}],
            )
        missing = [sid for sid in cited if sid not in given]
        if missing:
            raise InvalidRequest(
                "each cited settlement allocation needs the firm's signed Citation",
                [{"field": "citations", "message": f"missing for {sid}"} for sid in missing],
            )
        expected = self.nonce(firm)
        domain = self.ledger.settlement_domain()
        rows = []
        for i, sid in enumerate(cited):
            signed = given[sid]
            citation = Citation(b32(sid), firm, b32(claim_id), signed.nonce, signed.deadline)
            check_signer(self.ledger, firm, FIRM_ROLE, "firm", citation, domain, signed.signature)
            if signed.nonce != expected + i:
                raise Conflict(
                    f"citation of {sid}: nonce {signed.nonce} is not the next OverlapSettlement "
                    f"nonce of {firm} (expected {expected + i})"
                )
            check_deadline(signed.deadline, self.clock)
            self._check_not_cited(sid, firm, claim_id, supersedes, accepted_here)
            rows.append(
                {
                    "settlement_id": sid,
                    "party": firm,
                    "claim_id": claim_id,
                    "nonce": signed.nonce,
                    "deadline": signed.deadline,
                    "signature": hx(signed.signature),
                }
            )
        return rows

    def _check_not_cited(
        self,
        sid: str,
        firm: str,
        claim_id: str,
        supersedes: str | None,
        accepted_here: Collection[str],
    ) -> None:
        holders = {
            c.claim_id
            for c in self.store.citations(settlement_id=sid, party=firm)
            if c.state != REFUSED
        }
        citing = self.ledger.party_state(b32(sid), firm).citing_claim
        if any(citing):
            holders.add(hx(citing))
        holders -= {claim_id, supersedes or ""}
        for holder in sorted(holders):
            status = self.ledger.claim_state(b32(holder)).status
            stored = self.claim_store.get(holder)
            on_its_way = status == "none" and (
                holder in accepted_here or (stored is not None and stored.state != "refused")
            )
            if status == "active" or on_its_way:
                raise Conflict(
                    f"the allocation of {firm} in settlement {sid} is already cited by claim "
                    f"{holder}; supersede that claim to cite it again"
                )

    def queue(self, rows: Sequence[dict[str, Any]]) -> None:
        self.store.add_citations(rows)

    def relay(self, claim_id: str) -> None:
        """Relay the queued citations of ``claim_id`` if the claim is on chain; mark them
        refused if the chain refused the claim (else every pass would read them again).

        Several processes may relay one citation at once (the API process that accepted the
        claim, a reader of its settlement, the anchoring worker's pass): one that finds the
        allocation already cited by this claim, before sending or after the chain refused
        it, records it as done; a row is marked once, by the first to know."""
        row = self.claim_store.get(claim_id)
        if row is not None and row.state == CLAIM_REFUSED:  # the claim will never be on chain
            for item in self.store.citations(claim_id=claim_id, state=PENDING):
                self.store.mark_citation(
                    item.seq, REFUSED, error=f"its claim was refused by the chain: {row.error}"
                )
            return
        if row is None or row.state not in (ANCHORED, CHECKED):
            return
        pending = self.store.citations(claim_id=claim_id, state=PENDING)
        if pending:
            self.admit(claim_id)
        for item in pending:
            if self._cited(item.settlement_id, item.party, item.claim_id):
                self.store.mark_citation(item.seq, RECORDED)
                continue
            citation = Citation(
                b32(item.settlement_id),
                item.party,
                b32(item.claim_id),
                item.nonce,
                item.deadline,
            )
            try:
                where = self.ledger.relay(
                    "OverlapSettlement",
                    "citeAllocation",
                    [citation.as_tuple(), b32(item.signature)],
                    "citing an allocation",
                )
            except (ChainRefused, TransactionFailed) as exc:
                if self._cited(item.settlement_id, item.party, item.claim_id):
                    self.store.mark_citation(item.seq, RECORDED)  # another process's relay
                    continue
                reason = exc.reason if isinstance(exc, ChainRefused) else str(exc)[:300]
                self.store.mark_citation(item.seq, REFUSED, error=reason)
                continue
            self.store.mark_citation(item.seq, RECORDED, tx_hash=where.tx_hash)

    def _cited(self, settlement_id: str, party: str, claim_id: str) -> bool:
        """Whether the chain holds ``party``'s allocation in the settlement as cited by
        ``claim_id``."""
        citing = self.ledger.party_state(b32(settlement_id), party).citing_claim
        return any(citing) and hx(citing) == claim_id.lower()

    def relay_pending(self, settlement_ids: Sequence[str] | None = None) -> None:
        """Relay any queued citation (of ``settlement_ids``; None: of any settlement) whose
        claim has reached the chain since; read together (a thousand settlements a query).
        The anchoring worker calls it between rounds, so a citation does not wait for the
        process that accepted its claim (which may have answered 202, or died) or for a read
        of its settlement."""
        pending = self.store.citations(settlement_ids=settlement_ids, state=PENDING)
        for claim_id in dict.fromkeys(c.claim_id for c in pending):
            self.relay(claim_id)
