"""The verdict an auditor is given to sign, chosen by the audit service (no chain node)."""

from __future__ import annotations

import pytest
from eth_account import Account

from carbonledger.chain.errors import ChainRefused
from carbonledger.chain.typed_data import sign_typed_data
from carbonledger.services.audits import VERDICT_WINDOW_S, AuditService, ClaimAudit, audit_of
from carbonledger.services.errors import InvalidRequest, NotPermitted
from carbonledger.verify.chain import Addresses
from carbonledger.vocab import AUDITOR_ROLE, AuditVerdict
from tests.services.conftest import Pipeline

HASH = "0x" + "ab" * 32


def _service(pipeline: Pipeline) -> AuditService:
    nowhere = Addresses(claim_ledger="0x" + "00" * 20, member_registry="", standard_registry="")
    return AuditService(pipeline.chain, pipeline.store, pipeline.claims, "http://unused", nowhere)


def _audit(n: int, ok: bool) -> ClaimAudit:
    return ClaimAudit(claim_id="0x" + f"{n:064x}", ok=ok, findings=[], report_hash=HASH)


def test_a_passing_claim_is_approved_and_a_failing_one_rejected_for_a_day(
    pipeline: Pipeline,
) -> None:
    auditor = pipeline.firms[1].address
    signed = _service(pipeline).verdicts(auditor, [_audit(1, True), _audit(2, False)])
    messages = [s.verdict_to_sign["message"] for s in signed]
    assert [m["verdict"] for m in messages] == [AuditVerdict.APPROVED, AuditVerdict.REJECTED]
    assert {m["deadline"] for m in messages} == {int(pipeline.clock()) + VERDICT_WINDOW_S}
    assert {m["nonce"] for m in messages} == {pipeline.chain.nonce(auditor)}
    assert [(s.claim_id, s.ok, s.report_hash) for s in signed] == [
        ("0x" + f"{1:064x}", True, HASH),
        ("0x" + f"{2:064x}", False, HASH),
    ]


def test_a_long_history_reads_the_auditors_nonce_once(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    real = pipeline.chain.nonce

    def counted(account: str) -> int:
        reads.append(account)
        return real(account)

    monkeypatch.setattr(pipeline.chain, "nonce", counted)
    auditor = pipeline.firms[1].address
    signed = _service(pipeline).verdicts(auditor, [_audit(n, n % 7 != 0) for n in range(1, 501)])
    assert len(signed) == 500
    assert reads == [auditor]  # was one chain read per claim: 10,000 for a per-shipment firm


def test_the_auditors_own_deadline_is_kept(pipeline: Pipeline) -> None:
    signed = _service(pipeline).verdicts(pipeline.firms[1].address, [_audit(1, True)], 2**40)
    assert signed[0].verdict_to_sign["message"]["deadline"] == 2**40


def test_an_auditor_records_only_its_own_verdicts(pipeline: Pipeline) -> None:
    service, auditor = _service(pipeline), pipeline.firms[1].address
    with pytest.raises(NotPermitted, match="only its own verdicts"):
        service.record_verdict(auditor.lower(), b"\1" * 32, "approved", b"\2" * 32, 0, 2**40, b"")


def test_a_verdict_other_than_approved_or_rejected_names_the_field(pipeline: Pipeline) -> None:
    service, auditor = _service(pipeline), pipeline.firms[1].address
    with pytest.raises(InvalidRequest) as refused:
        service.record_verdict(auditor, b"\1" * 32, "maybe", b"\2" * 32, 0, 2**40, b"")
    assert refused.value.problems == [{"field": "verdict", "message": "approved | rejected"}]


def test_verifying_a_firm_that_is_not_an_address_names_the_field(pipeline: Pipeline) -> None:
    with pytest.raises(InvalidRequest) as refused:
        _service(pipeline).verify(pipeline.firms[1].address, firm="carrier")
    assert refused.value.problems == [{"field": "firm", "message": "bad"}]


def test_a_sample_depends_on_the_seed_and_the_set_of_claims_alone() -> None:
    from carbonledger.services.audits import draw_sample

    ids = ["0x" + f"{n:064x}" for n in range(1, 41)]
    drawn = draw_sample(ids, 5, "seed one")
    assert len(drawn) == 5 and set(drawn) <= set(ids)
    assert draw_sample(list(reversed(ids)), 5, "seed one") == drawn  # not the order given
    assert draw_sample(ids + ids[:3], 5, "seed one") == drawn  # nor repeats
    assert draw_sample(ids, 5, "seed two") != drawn
    assert draw_sample(ids, 6, "seed one")[:5] == drawn  # a larger sample holds the smaller
    assert sorted(draw_sample(ids, 100, "seed one")) == ids


def test_a_batch_of_verdicts_reads_the_auditors_membership_once(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    firm, auditor = pipeline.firms[0], Account.create()
    pipeline.chain.admit(auditor.address, auditor.address, AUDITOR_ROLE)
    submitted = [
        pipeline.claims.submit(pipeline.submission(firm, n), firm.address, wait=0) for n in range(3)
    ]
    ids = [row.claim_id for row in submitted]
    pipeline.rounds()
    reads: list[str] = []
    real = pipeline.chain.member_state
    monkeypatch.setattr(
        pipeline.chain, "member_state", lambda account: reads.append(account) or real(account)
    )
    domain = pipeline.chain.domain()
    verdicts = []
    for k, claim_id in enumerate(ids):
        audit = audit_of(
            auditor.address, bytes.fromhex(claim_id[2:]), "approved", b"\1" * 32, k, 2**40
        )
        verdicts.append((audit, sign_typed_data(bytes(auditor.key), audit.typed_data(domain))))
    with pytest.raises(ChainRefused, match="not emulated by the fake"):  # every check passed
        _service(pipeline).record_many(auditor.address, verdicts)
    assert reads.count(auditor.address) == 1  # was one read per verdict
