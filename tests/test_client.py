"""``LedgerClient``'s keyword terms (``Freshness``, ``ProposalTerms``) and its bulk filing's nonces,
against a fake API."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account

from carbonledger import client as client_module
from carbonledger.chain.typed_data import sign_typed_data
from carbonledger.claims import build_claim
from carbonledger.client import RESIGN_LIMIT, LedgerClient
from carbonledger.errors import CarbonLedgerError
from carbonledger.standard import load_default_standard, parse_claim

CLAIM_ID = "0x" + "ab" * 32
LEDGER = "0x" + "11" * 20
EXAMPLES = Path(__file__).resolve().parents[1] / "backend/carbonledger/standard/examples"


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


class FakeBatches:
    """``POST /claims/batch`` as the service judges nonces: each claim must carry the firm's
    next nonce; a claim whose document is in ``duplicates`` is refused for itself first
    (and its nonce left unused); ``taken`` nonces are used meanwhile by another client."""

    def __init__(
        self,
        duplicates: frozenset[str] = frozenset(),
        taken: int = 0,
        room: list[int] | None = None,
    ) -> None:
        self.duplicates, self.taken = duplicates, taken
        #: per request, how many more claims the firm's backlog takes (429 past it); unlimited
        #: once the list is used up, none if it ends with 0
        self.room = room
        self.nonce = 0
        self.requests: list[list[tuple[str, int]]] = []

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/chain":
            return httpx.Response(200, json=_chain())
        if request.url.path.endswith("/nonce"):
            return httpx.Response(200, json={"nonce": self.nonce})
        items = json.loads(request.content)["claims"]
        self.requests.append([(json.loads(i["document"])["claim_id"], i["nonce"]) for i in items])
        self.nonce += self.taken  # another client of the firm, between the read and this
        results = []
        room = len(items)
        if self.room:
            room = self.room.pop(0) if len(self.room) > 1 else self.room[0]
        for k, item in enumerate(items):
            name = json.loads(item["document"])["claim_id"]
            if room == 0 and item["nonce"] == self.nonce:
                error = {"status": 429, "detail": "backlog full", "retry_after": 3}
                results.append({"index": k, "error": error})
            elif name in self.duplicates:
                error = {"status": 409, "detail": f"{name} has already been submitted"}
                results.append({"index": k, "error": error})
            elif item["nonce"] != self.nonce:
                problems = [{"field": "nonce", "message": "not the signer's next nonce"}]
                error = {"status": 409, "detail": "nonce out of order", "problems": problems}
                results.append({"index": k, "error": error})
            else:
                self.nonce += 1
                room -= 1
                results.append({"index": k, "claim": {"claim_id": name, "nonce": item["nonce"]}})
        return httpx.Response(202, json={"results": results})


def _chain() -> dict[str, Any]:
    standard = load_default_standard()
    domain = {"name": "ClaimLedger", "version": "1", "chainId": 31337}
    return {
        "claim_ledger_domain": {**domain, "verifyingContract": LEDGER},
        "standard": {
            "onchain_version": 1,
            "content_hash": "0x" + standard.content_hash.hex(),
            "version_id": standard.version_id,
        },
    }


def _filing(fake: FakeBatches) -> tuple[LedgerClient, list[bytes]]:
    firm = Account.create()
    client = LedgerClient("http://api.test", firm)
    client.http = httpx.Client(
        base_url="http://api.test", transport=httpx.MockTransport(fake.answer)
    )
    template = json.loads((EXAMPLES / "carrier_footprint.json").read_text())
    template["firm"]["address"] = firm.address.lower()
    documents = [json.dumps({**template, "claim_id": f"s{n}"}).encode() for n in range(6)]
    return client, documents


def test_claims_after_one_refused_for_itself_are_signed_again_with_the_next_nonces() -> None:
    fake = FakeBatches(duplicates=frozenset({"s1", "s3"}))
    client, documents = _filing(fake)
    out = client.submit_claims(documents, per_request=4)
    assert fake.requests == [
        [("s0", 0), ("s1", 1), ("s2", 2), ("s3", 3)],  # s1 refused: s2 out of order
        [("s2", 1), ("s4", 2), ("s5", 3)],  # s2 signed again with the next nonce
    ]
    assert [o["claim"]["nonce"] if "claim" in o else "refused" for o in out] == [
        0, "refused", 1, "refused", 2, 3,
    ]  # fmt: skip
    assert "already been submitted" in out[1]["error"]["detail"]


def test_a_nonce_another_client_keeps_taking_is_tried_three_times_then_given_as_refused() -> None:
    fake = FakeBatches(taken=2)  # as many as the request's claims, every time
    client, documents = _filing(fake)
    out = client.submit_claims(documents[:2], per_request=4)
    assert len(fake.requests) == RESIGN_LIMIT  # not for ever
    assert all(o["error"]["problems"][0]["field"] == "nonce" for o in out)


def test_claims_refused_for_a_full_backlog_are_sent_again_after_retry_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    fake = FakeBatches(room=[2, 0, 4])
    client, documents = _filing(fake)
    told: list[tuple[float, int]] = []
    out = client.submit_claims(documents, per_request=4, on_busy=lambda *a: told.append(a))
    assert fake.requests == [
        [("s0", 0), ("s1", 1), ("s2", 2), ("s3", 3)],  # s2 refused (429): s3 out of order
        [("s2", 2), ("s3", 3), ("s4", 4), ("s5", 5)],  # all refused: the backlog is full
        [("s2", 2), ("s3", 3), ("s4", 4), ("s5", 5)],
    ]
    assert slept == [3, 3]
    assert told == [(3, 4), (3, 4)]  # each wait said first: how long, and what is left
    assert [o["claim"]["nonce"] for o in out] == [0, 1, 2, 3, 4, 5]


def test_a_backlog_that_never_drains_ends_in_refusals_after_the_patience(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    monkeypatch.setattr(client_module, "BUSY_PATIENCE", 10.0)
    fake = FakeBatches(room=[1, 0])  # one taken, then none ever
    client, documents = _filing(fake)
    out = client.submit_claims(documents, per_request=4)
    assert slept == [3, 3, 3]  # 3 more would pass the 10 s
    assert out[0]["claim"]["nonce"] == 0
    assert all(o["error"]["status"] == 429 for o in out[1:]), out


def test_a_reduction_citing_settlements_is_refused_before_anything_is_sent() -> None:
    fake = FakeBatches()
    client, documents = _filing(fake)
    reduction = (EXAMPLES / "shipper_reduction.json").read_bytes()  # it cites one
    with pytest.raises(CarbonLedgerError, match=r"documents\[1\] cites settlements"):
        client.submit_claims([documents[0], reduction])
    assert fake.requests == []


def test_the_client_signs_a_claim_byte_for_byte_as_eth_account_signs_its_typed_data() -> None:
    fake = FakeBatches()
    client, documents = _filing(fake)
    chain = _chain()
    signature = client.sign_claim(documents[0], nonce=3, deadline=2_000_000_000, chain=chain)
    claim = build_claim(
        parse_claim(documents[0]), client.standard, standard_version=1, nonce=3,
        deadline=2_000_000_000,
    )  # fmt: skip
    typed = claim.typed_data(client.claim_ledger_domain(chain))
    assert signature == sign_typed_data(bytes(client.account.key), typed)  # RFC 6979: one answer


def test_a_malformed_document_is_named_by_its_place_before_anything_is_sent() -> None:
    fake = FakeBatches()
    client, documents = _filing(fake)
    with pytest.raises(CarbonLedgerError, match=r"^documents\[1\]: "):
        client.submit_claims([documents[0], b'{"kind": "footprint"}'])
    assert fake.requests == []


def test_documents_the_caller_parsed_are_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeBatches()
    client, documents = _filing(fake)
    parsed = [parse_claim(d) for d in documents]

    def parse_again(document: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(client_module, "parse_claim", parse_again)
    out = client.submit_claims(documents, parsed=parsed, per_request=4)

    assert [o["claim"]["nonce"] for o in out] == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="6 documents but 2 parsed"):
        client.submit_claims(documents, parsed=parsed[:2])
