"""``LedgerClient``'s keyword terms (``Freshness``, ``ProposalTerms``), against a fake API."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from eth_account import Account

from carbonledger.client import LedgerClient

CLAIM_ID = "0x" + "ab" * 32
LEDGER = "0x" + "11" * 20


def _client(sent: list[httpx.Request]) -> LedgerClient:
    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path == "/chain":
            domain = {"name": "ClaimLedger", "version": "1", "chainId": 31337}
            return httpx.Response(
                200, json={"claim_ledger_domain": {**domain, "verifyingContract": LEDGER}}
            )
        if request.url.path.endswith("/nonce"):
            return httpx.Response(200, json={"nonce": 5})
        return httpx.Response(200, json={"echo": json.loads(request.content)})

    client = LedgerClient("http://api.test", Account.create())
    client.http = httpx.Client(base_url="http://api.test", transport=httpx.MockTransport(answer))
    return client


def test_a_proposal_posts_its_terms_and_leaves_the_unset_defaults_to_the_service() -> None:
    sent: list[httpx.Request] = []
    answer: dict[str, Any] = _client(sent).propose_settlement(
        "0x" + "cd" * 32,
        description="depot chargers",
        total_cost=1_200_000,
        currency="EUR",
        expected_reduction_kgco2e=40_000,
        shares_bps=(6000, 4000),
        signing_deadline=None,
    )
    assert [r.url.path for r in sent] == ["/settlements"]
    assert answer["echo"] == {
        "overlap_id": "0x" + "cd" * 32,
        "description": "depot chargers",
        "total_cost": 1_200_000,
        "currency": "EUR",
        "expected_reduction_kgco2e": 40_000,
        "shares_bps": [6000, 4000],
    }


def test_a_given_nonce_and_deadline_are_signed_and_sent_without_asking_the_api() -> None:
    sent: list[httpx.Request] = []
    answer = _client(sent).revoke_claim(CLAIM_ID, "typo", nonce=9, deadline=2_000_000_000)
    assert [r.url.path for r in sent] == ["/chain", f"/claims/{CLAIM_ID}/revocation"]
    assert answer["echo"]["nonce"] == 9 and answer["echo"]["deadline"] == 2_000_000_000


def test_without_a_nonce_the_members_next_one_is_used() -> None:
    sent: list[httpx.Request] = []
    answer = _client(sent).revoke_claim(CLAIM_ID, "typo")
    assert answer["echo"]["nonce"] == 5
    assert answer["echo"]["deadline"] > 2_000_000 and answer["echo"]["signature"].startswith("0x")


def test_an_unknown_or_missing_keyword_is_refused_before_anything_is_sent() -> None:
    sent: list[httpx.Request] = []
    client = _client(sent)
    with pytest.raises(TypeError, match="nonse"):
        client.revoke_claim(CLAIM_ID, "typo", nonse=9)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="currency"):
        client.propose_settlement(  # type: ignore[call-arg]
            "0x" + "cd" * 32, description="x", total_cost=1, expected_reduction_kgco2e=1
        )
    assert sent == []
