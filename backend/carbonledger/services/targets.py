"""Reduction targets recorded on chain (issue 14): a firm signs, the service relays.

The firm signs a :class:`carbonledger.vocab.Target` in the ``TargetRegistry`` domain; the
service checks what the contract checks (the firm is an active member firm, the signature is
its current key's, its next nonce, a live deadline) so that a bad request is a clear 4xx, then
relays ``recordTarget``. A base claim that is no longer in force (superseded or revoked) is
refused up front as a 409 naming the field (the registry's ``TargetRegistryBaseClaimNotActive``:
a target rests on the firm's base-year footprint in force). The chain's refusal of anything
else (an unknown base claim or another firm's, bad years) comes back as a 409 naming the
contract's error, as does a base claim revoked between the check and the relay. Targets are
read back from the chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from carbonledger.chain.gateway import Anchored, RecordedTarget
from carbonledger.services.errors import Conflict, InvalidRequest
from carbonledger.services.ports import TargetRegistryPort
from carbonledger.services.signing import SignedRelay
from carbonledger.vocab import FIRM_ROLE, Domain, Target


@dataclass(frozen=True)
class TargetSigning:
    """What a firm needs to sign its next target: its next nonce and the domain."""

    firm: str
    nonce: int
    domain: Domain


@dataclass(eq=False, repr=False)
class TargetService(SignedRelay):
    """Record and list firms' signed targets."""

    contract = "TargetRegistry"

    registry: TargetRegistryPort

    def domain(self) -> Domain:
        return self.registry.target_domain()

    def nonce(self, firm: str) -> int:
        return self.registry.target_nonce(firm)

    def signing(self, firm: str) -> TargetSigning:
        """``firm``'s next TargetRegistry nonce and the domain to sign its target in."""
        return TargetSigning(firm, self.nonce(firm), self.domain())

    def record(self, target_json: Mapping[str, Any], signature: bytes) -> tuple[str, Anchored]:
        """Relay a signed target; returns its id and where it landed."""
        try:
            target = Target.from_json(target_json)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidRequest(
                "the target is malformed", [{"field": "target", "message": str(exc)}]
            ) from None
        self._check_deadline(target.deadline)
        self._check_signer(target.firm, FIRM_ROLE, "firm", target, signature)
        self._check_nonce(target.firm, target.nonce)
        self._check_base_claim(target.base_claim_id)
        anchored = self._relay(
            "recordTarget", [target.as_tuple(), signature], f"the target of {target.firm}"
        )
        return "0x" + target.struct_hash().hex(), anchored

    def _check_base_claim(self, claim_id: bytes) -> None:
        """A 409 naming ``base_claim_id`` when the claim was superseded or revoked; an unknown
        claim or another firm's is left to the registry (``TargetRegistryInvalidBaseClaim``)."""
        status = self.ledger.claim_state(claim_id).status
        if status in ("superseded", "revoked"):
            raise Conflict(
                f"base_claim_id 0x{claim_id.hex()} is {status}, not active: a target must rest "
                "on the firm's base-year footprint in force (TargetRegistryBaseClaimNotActive)"
            )

    def targets_of(self, firm: str) -> list[RecordedTarget]:
        return self.registry.targets_of(firm)
