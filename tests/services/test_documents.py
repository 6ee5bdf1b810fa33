"""Claims' documents in the vault by claim id: read with a grant, shared by the owner (no
chain node, no database)."""

from __future__ import annotations

import pytest

from carbonledger.services.documents import DocumentService
from carbonledger.services.errors import InvalidRequest, NotFound
from carbonledger.vault import UnknownReader, VaultAccessDenied
from tests.services.conftest import Pipeline


def _stored(pipeline: Pipeline) -> tuple[DocumentService, str]:
    pipeline.claims.worker = None  # answer once stored
    row = pipeline.claims.submit(pipeline.submission(pipeline.firms[0]), None, wait=0)
    return DocumentService(pipeline.store, pipeline.claims.vault), row.claim_id


def test_an_unknown_claims_document_is_a_404(pipeline: Pipeline) -> None:
    documents, _ = _stored(pipeline)
    with pytest.raises(NotFound, match="no claim 0xAB"):
        documents.document(pipeline.firms[0].address, "0xAB" + "ab" * 31)


def test_a_partner_without_a_grant_is_refused_and_the_owner_reads_by_any_case_of_id(
    pipeline: Pipeline,
) -> None:
    documents, claim_id = _stored(pipeline)
    owner, partner = pipeline.firms
    with pytest.raises(VaultAccessDenied):
        documents.document(partner.address, claim_id)
    assert documents.document(owner.address, claim_id.upper().replace("0X", "0x"))


def test_a_grant_names_a_reader_that_is_an_address_with_a_vault_key(pipeline: Pipeline) -> None:
    documents, claim_id = _stored(pipeline)
    owner = pipeline.firms[0].address
    with pytest.raises(InvalidRequest) as refused:
        documents.grant(owner, claim_id, "partner", b"")
    assert refused.value.problems == [{"field": "reader", "message": "bad"}]
    with pytest.raises(UnknownReader):
        documents.grant(owner, claim_id, "0x" + "12" * 20, b"")
