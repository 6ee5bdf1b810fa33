"""A firm's revocation named by claim id: the service fills in the firm and the reason's
hash the firm signed (no chain node)."""

from __future__ import annotations

import pytest

from carbonledger.services.errors import NotFound, NotPermitted, SignatureMismatch
from carbonledger.standard import keccak256
from carbonledger.vocab import Revocation, sign_digest
from tests.services.conftest import Firm, Pipeline


def _accepted(pipeline: Pipeline, firm: Firm) -> str:
    pipeline.claims.worker = None  # answer once stored
    return pipeline.claims.submit(pipeline.submission(firm), None, wait=0).claim_id


def _signed(pipeline: Pipeline, firm: Firm, claim_id: str, reason: str) -> bytes:
    revocation = Revocation(
        claim_id=bytes.fromhex(claim_id[2:]),
        firm=firm.address,
        reason_hash=keccak256(reason.encode()),
        nonce=1,
        deadline=int(pipeline.clock()) + 3_600,
    )
    return sign_digest(bytes(firm.key.key), revocation.digest(pipeline.chain.domain()))


def test_revoking_an_unknown_claim_is_a_404(pipeline: Pipeline) -> None:
    firm = pipeline.firms[0]
    with pytest.raises(NotFound, match="no claim 0x"):
        pipeline.claims.revoke_claim("0x" + "ab" * 32, "typo", 1, 2**40, b"\0" * 65, firm.address)


def test_a_revocation_signed_for_another_reason_is_refused(pipeline: Pipeline) -> None:
    firm = pipeline.firms[0]
    claim_id = _accepted(pipeline, firm)
    signature = _signed(pipeline, firm, claim_id, "typo")
    deadline = int(pipeline.clock()) + 3_600
    with pytest.raises(SignatureMismatch, match="not signed by firm"):
        pipeline.claims.revoke_claim(claim_id, "typo!", 1, deadline, signature, firm.address)


def test_another_member_cannot_revoke_a_firms_claim(pipeline: Pipeline) -> None:
    firm, other = pipeline.firms
    claim_id = _accepted(pipeline, firm)
    signature = _signed(pipeline, firm, claim_id, "typo")
    deadline = int(pipeline.clock()) + 3_600
    with pytest.raises(NotPermitted, match="may not revoke"):
        pipeline.claims.revoke_claim(claim_id, "typo", 1, deadline, signature, other.address)
