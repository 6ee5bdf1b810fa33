"""Test-side model of a CarbonLedger consortium: deployed contracts, members and their keys.

Signatures are made with :mod:`carbonledger.chain.typed_data` (eth-account), exactly as a
firm's software makes them, and checked on chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from carbonledger.chain import typed_data as td

ADMIN, FIRM, AUDITOR, CHECKER, RELAYER = 1, 2, 4, 8, 16
DAY = 86_400
ZERO32 = b"\x00" * 32
ZERO_ADDRESS = "0x" + "00" * 20


def h(label: str | bytes) -> bytes:
    """A deterministic 32-byte hash for test data."""
    return keccak(label.encode() if isinstance(label, str) else label)


def key_for(label: str) -> LocalAccount:
    """A deterministic signing key (never funded: keys only sign)."""
    return Account.from_key(h(f"carbonledger-test-key:{label}"))


@dataclass
class Member:
    """A member: its on-chain account (an ape test account) and its signing key."""

    account: Any
    key: LocalAccount
    name: str

    @property
    def address(self) -> str:
        return str(self.account.address)


@dataclass
class Ledger:
    """The four contracts and the consortium admitted into them."""

    chain: Any
    registry: Any
    standards: Any
    claims: Any
    settlement: Any
    targets: Any
    admins: list[Any]
    firms: list[Member]
    auditor: Member
    checker: Member
    relayer: Member
    outsider: Member
    version: int
    _doc_counter: list[int] = field(default_factory=lambda: [0])

    # ------------------------------------------------------------- governance
    def govern(self, propose: str, *args: Any) -> Any:
        """Propose with admin 0, approve with admin 1 (quorum 2), execute; returns the receipt."""
        tx = getattr(self.registry, propose)(*args, sender=self.admins[0])
        proposal_id = tx.return_value
        if proposal_id is None:
            proposal_id = self.registry.proposalCount()
        self.registry.approve(proposal_id, sender=self.admins[1])
        return self.registry.execute(proposal_id, sender=self.admins[0])

    def publish(self, content_hash: bytes, effective_from: int) -> int:
        """Publish a standard version: admin 0 proposes, admin 1's approval reaches the
        quorum of 2 and executes it; the version id."""
        tx = self.standards.proposePublication(content_hash, effective_from, sender=self.admins[0])
        self.standards.approve(
            tx.return_value or self.standards.proposalCount(), sender=self.admins[1]
        )
        return int(self.standards.versionByContent(content_hash))

    def retire(self, version: int) -> None:
        """Retire a standard version (proposed by admin 0, approved by admin 1)."""
        tx = self.standards.proposeRetirement(version, sender=self.admins[0])
        self.standards.approve(
            tx.return_value or self.standards.proposalCount(), sender=self.admins[1]
        )

    # ------------------------------------------------------------- domains
    @property
    def chain_id(self) -> int:
        return int(self.chain.chain_id)

    @property
    def claim_domain(self) -> td.Domain:
        return td.claim_ledger_domain(self.chain_id, str(self.claims.address))

    @property
    def settlement_domain(self) -> td.Domain:
        return td.overlap_settlement_domain(self.chain_id, str(self.settlement.address))

    def now(self) -> int:
        return int(self.chain.pending_timestamp)

    # ------------------------------------------------------------- claims
    def claim(self, firm: Member, **fields: Any) -> td.Claim:
        """A valid footprint claim of ``firm`` with its next nonce; ``fields`` override."""
        self._doc_counter[0] += 1
        base = td.Claim(
            firm=firm.address,
            kind=td.ClaimKind.FOOTPRINT,
            standard_version=self.version,
            period_start=1_704_067_200,  # 2024-01-01
            period_end=1_735_689_600,  # 2025-01-01
            document_hash=h(f"document-{self._doc_counter[0]}"),
            activity_root=h(f"activities-{self._doc_counter[0]}"),
            scope1=120_000,
            scope2_location=80_000,
            scope2_market=60_000,
            scope3=900_000,
            biogenic=5_000,
            nonce=int(self.claims.nonces(firm.address)),
            deadline=self.now() + DAY,
        )
        return replace(base, **fields)

    def reduction(self, firm: Member, baseline: bytes, **fields: Any) -> td.Claim:
        """A valid reduction claim of ``firm`` against ``baseline``."""
        values: dict[str, Any] = {
            "kind": td.ClaimKind.REDUCTION,
            "baseline": baseline,
            "scope1": 10_000,
            "scope2_location": 5_000,
            "scope2_market": 5_000,
            "scope3": 20_000,
            "biogenic": 0,
        }
        values.update(fields)
        return self.claim(firm, **values)

    def sign_claim(self, claim: td.Claim, key: LocalAccount) -> bytes:
        return td.sign_typed_data(key.key, td.claim_typed_data(self.claim_domain, claim))

    def submit(self, claim: td.Claim, key: LocalAccount | None = None, sender: Any = None) -> Any:
        """Sign ``claim`` with ``key`` (default: its firm's key) and submit it via the relayer."""
        signer = key or self.member(claim.firm).key
        return self.claims.submitClaim(
            claim.as_tuple(), self.sign_claim(claim, signer), sender=sender or self.relayer.account
        )

    def recorded(self, firm: Member, **fields: Any) -> td.Claim:
        """Submit a fresh footprint claim of ``firm``; returns it."""
        claim = self.claim(firm, **fields)
        self.submit(claim)
        return claim

    def recorded_reduction(self, firm: Member, baseline: bytes, **fields: Any) -> td.Claim:
        claim = self.reduction(firm, baseline, **fields)
        self.submit(claim)
        return claim

    def member(self, address: str) -> Member:
        for m in [*self.firms, self.auditor, self.checker, self.relayer, self.outsider]:
            if m.address.lower() == str(address).lower():
                return m
        raise KeyError(address)

    def check(self, claim_id: bytes, passed: bool = True, report: bytes | None = None) -> Any:
        return self.claims.recordCheck(
            (claim_id, passed, report or h("check-report")), sender=self.checker.account
        )

    def audit(
        self,
        claim_id: bytes,
        verdict: td.AuditVerdict = td.AuditVerdict.APPROVED,
        auditor: Member | None = None,
        **fields: Any,
    ) -> tuple[td.Audit, bytes]:
        auditor = auditor or self.auditor
        values: dict[str, Any] = {
            "claim_id": claim_id,
            "auditor": auditor.address,
            "verdict": verdict,
            "report_hash": h("audit-report"),
            "nonce": int(self.claims.nonces(auditor.address)),
            "deadline": self.now() + DAY,
        }
        values.update(fields)
        audit = td.Audit(**values)
        return audit, td.sign_typed_data(
            auditor.key.key, td.audit_typed_data(self.claim_domain, audit)
        )

    def revocation(
        self, claim_id: bytes, firm: Member, key: LocalAccount | None = None, **fields: Any
    ) -> tuple[td.Revocation, bytes]:
        values: dict[str, Any] = {
            "claim_id": claim_id,
            "firm": firm.address,
            "reason_hash": h("reason"),
            "nonce": int(self.claims.nonces(firm.address)),
            "deadline": self.now() + DAY,
        }
        values.update(fields)
        revocation = td.Revocation(**values)
        signer = key or firm.key
        return revocation, td.sign_typed_data(
            signer.key, td.revocation_typed_data(self.claim_domain, revocation)
        )


def emitted(tx: Any, event: Any) -> list[dict[str, Any]]:
    """The arguments of every ``event`` log of ``tx``, in order."""
    return [dict(log.event_arguments) for log in event.from_receipt(tx)]


def event_names(tx: Any) -> list[str]:
    """The names of all decoded events of ``tx``, in order."""
    return [log.event_name for log in tx.events]


def encode_error(signature: str, *values: Any) -> bytes:
    """ABI-encode custom error ``signature`` (e.g. ``"X(uint256,bytes32)"``) with ``values``."""
    from eth_abi.abi import encode

    types = signature[signature.index("(") + 1 : -1]
    return keccak(signature.encode())[:4] + encode(types.split(",") if types else [], list(values))


# ------------------------------------------------------------------ settlement helpers


def terms_for(
    ledger: Ledger, parties: list[Member], claim_ids: list[bytes], **fields: Any
) -> td.SettlementTerms:
    """Valid settlement terms between ``parties`` (equal-ish shares) about ``claim_ids``."""
    n = len(parties)
    shares = [10_000 // n] * n
    shares[0] += 10_000 - sum(shares)
    values: dict[str, Any] = {
        "parties": tuple(p.address for p in parties),
        "shares_bps": tuple(shares),
        "claim_ids": tuple(claim_ids),
        "overlap_kg_co2e": 50_000,
        "shipment_root": h("shipments"),
        "project_hash": h("project"),
        "total_cost": 1_000_001,
        "currency": "EUR",
        "expected_reduction_kg_co2e": 30_000,
        "signing_deadline": ledger.now() + 7 * DAY,
    }
    values.update(fields)
    return td.SettlementTerms(**values)


def _signed(ledger: Ledger, message: Any, builder: Any, key: LocalAccount) -> tuple[Any, bytes]:
    return message, td.sign_typed_data(key.key, builder(ledger.settlement_domain, message))


def consent(
    ledger: Ledger, sid: bytes, party: Member, key: LocalAccount | None = None, **fields: Any
) -> tuple[td.Consent, bytes]:
    values: dict[str, Any] = {
        "settlement_id": sid,
        "party": party.address,
        "nonce": int(ledger.settlement.nonces(party.address)),
        "deadline": ledger.now() + DAY,
    }
    values.update(fields)
    return _signed(ledger, td.Consent(**values), td.consent_typed_data, key or party.key)


def decline(
    ledger: Ledger, sid: bytes, party: Member, key: LocalAccount | None = None, **fields: Any
) -> tuple[td.Decline, bytes]:
    values: dict[str, Any] = {
        "settlement_id": sid,
        "party": party.address,
        "reason_hash": h("too expensive"),
        "nonce": int(ledger.settlement.nonces(party.address)),
        "deadline": ledger.now() + DAY,
    }
    values.update(fields)
    return _signed(ledger, td.Decline(**values), td.decline_typed_data, key or party.key)


def attestation(
    ledger: Ledger,
    sid: bytes,
    realised: int,
    auditor: Member | None = None,
    key: LocalAccount | None = None,
    **fields: Any,
) -> tuple[td.ReductionAttestation, bytes]:
    auditor = auditor or ledger.auditor
    values: dict[str, Any] = {
        "settlement_id": sid,
        "auditor": auditor.address,
        "realised_kg_co2e": realised,
        "evidence_hash": h("evidence"),
        "nonce": int(ledger.settlement.nonces(auditor.address)),
        "deadline": ledger.now() + DAY,
    }
    values.update(fields)
    return _signed(
        ledger,
        td.ReductionAttestation(**values),
        td.reduction_attestation_typed_data,
        key or auditor.key,
    )


def citation(
    ledger: Ledger,
    sid: bytes,
    party: Member,
    claim_id: bytes,
    key: LocalAccount | None = None,
    **fields: Any,
) -> tuple[td.Citation, bytes]:
    values: dict[str, Any] = {
        "settlement_id": sid,
        "party": party.address,
        "claim_id": claim_id,
        "nonce": int(ledger.settlement.nonces(party.address)),
        "deadline": ledger.now() + DAY,
    }
    values.update(fields)
    return _signed(ledger, td.Citation(**values), td.citation_typed_data, key or party.key)


def payment(
    ledger: Ledger,
    sid: bytes,
    payer: Member,
    amount: int,
    key: LocalAccount | None = None,
    **fields: Any,
) -> tuple[td.Payment, bytes]:
    values: dict[str, Any] = {
        "settlement_id": sid,
        "payer": payer.address,
        "amount": amount,
        "reference_hash": h(f"bank-transfer-{amount}"),
        "nonce": int(ledger.settlement.nonces(payer.address)),
        "deadline": ledger.now() + DAY,
    }
    values.update(fields)
    return _signed(ledger, td.Payment(**values), td.payment_typed_data, key or payer.key)


def send(ledger: Ledger, method: str, signed: tuple[Any, bytes], sender: Any = None) -> Any:
    """Call ``settlement.<method>(message, signature)`` from the relayer."""
    message, signature = signed
    return getattr(ledger.settlement, method)(
        message.as_tuple(), signature, sender=sender or ledger.relayer.account
    )


def constructor_revert(chain: Any, container: Any, *args: Any) -> bytes:
    """The revert data of deploying ``container`` with ``args`` (an ``eth_call``, nothing sent).

    Used instead of ``ape.reverts`` around ``deploy``: a reverting constructor has no address
    to decode its custom error against.
    """
    from eth_abi.abi import encode

    abi = next(item for item in container.contract_type.abi if item.type == "constructor")
    types = [str(i.type) for i in abi.inputs]
    code = bytes(container.contract_type.deployment_bytecode.to_bytes())
    data = code + encode(types, list(args))
    response = chain.provider.web3.provider.make_request(
        "eth_call", [{"data": "0x" + data.hex()}, "latest"]
    )
    error = response.get("error")
    assert error is not None, "the constructor did not revert"
    return bytes.fromhex(str(error["data"])[2:])
