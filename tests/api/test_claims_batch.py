"""POST /claims/batch: many signed claims in one request, each judged as POST /claims would."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from carbonledger.chain.typed_data import claim_id as compute_id
from carbonledger.client import LedgerClient
from carbonledger.services.claims import Submission
from carbonledger.services.errors import Conflict, NotFound, ServiceError
from carbonledger.standard import document_hash, parse_claim
from carbonledger.store.claims import ClaimRow
from carbonledger.vocab import SECP256K1_N
from tests.api.conftest import DEADLINE, Api, as_bytes, example, signed_item, wait_checked


def test_a_batch_is_accepted_anchored_and_checked_like_single_claims(api: Api) -> None:
    firm = api.admit("Bulk Freight")
    client = api.client(firm)
    chain = client.chain()
    first = client.next_nonce()
    raws = [as_bytes(example("carrier_footprint.json", firm.address)) for _ in range(5)]
    body = {"claims": [signed_item(client, raw, first + i, chain) for i, raw in enumerate(raws)]}
    answer = client.request("POST", "/claims/batch", json=body)
    assert (answer["accepted"], answer["refused"]) == (5, 0)
    assert [r["index"] for r in answer["results"]] == list(range(5))
    ids = [r["claim"]["claim_id"] for r in answer["results"]]
    assert [r["claim"]["nonce"] for r in answer["results"]] == [first + i for i in range(5)]
    wait_checked(client, ids)
    for claim_id, raw in zip(ids, raws, strict=True):
        state = api.services.ledger.claim_state(bytes.fromhex(claim_id[2:]))
        assert (state.status, state.check, state.firm) == ("active", "passed", firm.address)
        assert client.document(claim_id) == raw
    assert client.next_nonce() == first + 5


def test_a_bad_item_is_named_by_index_and_the_others_go_on(api: Api) -> None:
    firm = api.admit("Mixed Bulk Haulage")
    client = api.client(firm)
    chain = client.chain()
    first = client.next_nonce()
    good = [as_bytes(example("carrier_footprint.json", firm.address)) for _ in range(3)]
    items = [
        signed_item(client, good[0], first, chain),
        signed_item(client, good[1], first + 1, chain),
    ]
    tampered = signed_item(client, good[2], first + 2, chain)
    tampered["document"] = (
        tampered["document"]
        .replace("bulk", "Bulk", 1)
        .replace('"claim_id": "test-', '"claim_id": "tampered-', 1)
    )
    items.append(tampered)  # index 2: signed over another document -> 401
    items.append({**items[0]})  # index 3: a replay of item 0 -> 409
    items.append({"document": "{}", "signature": "0x" + "11" * 65, "nonce": 0, "deadline": 0})
    items.append(signed_item(client, good[2], first + 2, chain))  # index 5: fine, next nonce
    answer = client.request("POST", "/claims/batch", json={"claims": items})
    results = answer["results"]
    assert (answer["accepted"], answer["refused"]) == (3, 3)
    assert [r["index"] for r in results] == list(range(6))
    assert [r["error"]["status"] if r["error"] else None for r in results] == [
        None, None, 401, 409, 422, None,
    ]  # fmt: skip
    assert "signature" in results[2]["error"]["detail"]
    assert "already been submitted" in results[3]["error"]["detail"]
    assert results[4]["error"]["problems"]  # the malformed document's fields are named
    assert results[5]["claim"]["nonce"] == first + 2
    wait_checked(client, [results[i]["claim"]["claim_id"] for i in (0, 1, 5)])


NAMED_NONCE = [{"field": "nonce", "message": "not the signer's next nonce"}]


def test_a_claim_refused_only_for_its_nonce_names_the_nonce_and_a_duplicate_does_not(
    api: Api,
) -> None:
    firm = api.admit("Gap Freight")
    client = api.client(firm)
    chain = client.chain()
    first = client.next_nonce()
    raws = [as_bytes(example("carrier_footprint.json", firm.address)) for _ in range(3)]
    done = client.request(
        "POST", "/claims/batch", json={"claims": [signed_item(client, raws[0], first, chain)]}
    )
    items = [
        signed_item(client, raws[0], first + 1, chain),  # filed already: refused for itself
        signed_item(client, raws[1], first + 2, chain),  # so first + 1 stays the next nonce
        signed_item(client, raws[2], first + 1, chain),
    ]
    results = client.request("POST", "/claims/batch", json={"claims": items})["results"]
    duplicate, out_of_order = results[0]["error"], results[1]["error"]
    assert duplicate["status"] == 409 and duplicate["problems"] is None
    assert out_of_order["status"] == 409
    assert out_of_order["problems"] == NAMED_NONCE
    assert f"expected {first + 1}" in out_of_order["detail"]
    assert results[2]["claim"]["nonce"] == first + 1
    wait_checked(client, [done["results"][0]["claim"]["claim_id"], results[2]["claim"]["claim_id"]])

    # POST /claims names it the same way
    single = signed_item(client, raws[1], first + 5, chain)
    with api.http(client.token) as http:
        answer = http.post("/claims", json=single)
    assert answer.status_code == 409
    assert answer.json()["problems"] == NAMED_NONCE


def test_a_batch_for_another_firm_is_refused_item_by_item(api: Api) -> None:
    firm = api.admit("Honest Haulier")
    other = api.admit("Other Haulier")
    client = api.client(firm)
    other_client = api.client(other, login=False)
    chain = client.chain()
    raw = as_bytes(example("carrier_footprint.json", other.address))
    item = signed_item(other_client, raw, 0, chain)
    answer = client.request("POST", "/claims/batch", json={"claims": [item]})
    assert answer["results"][0]["error"]["status"] == 403


def _firm_with_claims(
    api: Api, name: str, count: int
) -> tuple[LocalAccount, LedgerClient, list[Submission]]:
    """A new firm, logged in, and ``count`` claims it signed (the next nonces)."""
    firm = api.admit(name)
    client = api.client(firm)
    chain = client.chain()
    first = client.next_nonce()
    deadline = int(time.time()) + DEADLINE
    items = []
    for i in range(count):
        raw = as_bytes(example("carrier_footprint.json", client.address))
        signature = client.sign_claim(raw, nonce=first + i, deadline=deadline, chain=chain)
        items.append(Submission(raw, signature, first + i, deadline))
    return firm, client, items


def _id(item: ClaimRow | ServiceError) -> str:
    assert isinstance(item, ClaimRow), item
    return item.claim_id


def test_a_batch_whose_storage_fails_stores_none_of_its_claims(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    firm, client, items = _firm_with_claims(api, "All Or Nothing Transport", 3)
    services = api.services

    def failing(*_: Any) -> list[bool]:
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(services.vault, "add_new", failing)
        with pytest.raises(RuntimeError, match="disk is full"):
            services.claims.submit_many(items, caller=firm.address)
    # nothing of the batch is left: no outbox row, no document, no nonce used
    assert services.store.max_nonce(firm.address) is None
    assert client.next_nonce() == items[0].nonce
    results = services.claims.submit_many(items, caller=firm.address)
    ids = [_id(r) for r in results]
    wait_checked(client, ids)
    assert [client.document(i) for i in ids] == [s.document for s in items]


def test_a_claim_another_request_stores_meanwhile_is_refused_and_the_others_stored(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    firm, client, items = _firm_with_claims(api, "Racing Road Haulage", 3)
    services = api.services
    store_many = services.store.add_many
    raced: list[str] = []

    def racing(values: Sequence[dict[str, Any]], conn: Any) -> list[ClaimRow | None]:
        if not raced:  # between this request's checks and its write, another stores item 0
            raced.append(values[0]["claim_id"])
            services.store.add(values[0])
        return store_many(values, conn)

    with monkeypatch.context() as patch:
        patch.setattr(services.store, "add_many", racing)
        results = services.claims.submit_many(items, caller=firm.address)
    assert isinstance(results[0], Conflict) and "already been submitted" in str(results[0])
    assert raced == [
        "0x" + compute_id(firm.address, document_hash(parse_claim(items[0].document))).hex()
    ]
    # the refused item wrote nothing: the other request stored its row, not a document
    with pytest.raises(NotFound):
        services.claims.read_document(raced[0])
    ids = [raced[0], _id(results[1]), _id(results[2])]
    wait_checked(client, ids)
    assert [client.document(i) for i in ids[1:]] == [s.document for s in items[1:]]


def test_a_malleated_high_s_signature_the_ledger_would_refuse_is_refused_with_401(
    api: Api,
) -> None:
    firm = api.admit("Malleable Motors")
    client = api.client(firm)
    raw = as_bytes(example("carrier_footprint.json", firm.address))
    good = signed_item(client, raw, client.next_nonce(), client.chain())
    signature = bytes.fromhex(good["signature"][2:])
    # the same signer's other signature over the same digest: (r, n - s, v flipped); the
    # ledger takes only the low-s one, as OpenZeppelin's ECDSA does
    s = int.from_bytes(signature[32:64], "big")
    high = signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - signature[64]])
    items = [{**good, "signature": "0x" + high.hex()}, good]
    answer = client.request("POST", "/claims/batch", json={"claims": items})
    refused, accepted = answer["results"]
    assert refused["error"]["status"] == 401 and "lower half" in refused["error"]["detail"]
    assert accepted["claim"]["nonce"] == good["nonce"]
    wait_checked(client, [accepted["claim"]["claim_id"]])


def test_two_requests_of_one_firm_at_once_are_not_both_accepted_with_one_nonce(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both requests carry a claim signed with the firm's next nonce. Judged at the same
    time, both would read that nonce as the next; the second is judged only once the first
    is stored, and refused, instead of being accepted and then refused by the chain."""
    firm = api.admit("Twin Request Freight")
    client = api.client(firm)
    chain, nonce = client.chain(), client.next_nonce()
    deadline = int(time.time()) + DEADLINE
    twins = []
    for _ in range(2):
        raw = as_bytes(example("carrier_footprint.json", client.address))
        signature = client.sign_claim(raw, nonce=nonce, deadline=deadline, chain=chain)
        twins.append(Submission(raw, signature, nonce, deadline))
    service = api.services.claims
    read_nonce = service.next_nonce

    def slow_next_nonce(of: str) -> int:
        value = read_nonce(of)
        time.sleep(0.3)  # the other request reads meanwhile
        return value

    monkeypatch.setattr(service, "next_nonce", slow_next_nonce)
    results: list[ClaimRow | ServiceError] = []
    threads = [
        threading.Thread(target=lambda s=s: results.extend(service.submit_many([s], firm.address)))
        for s in twins
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    accepted = [r for r in results if isinstance(r, ClaimRow)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(accepted) == 1 and len(refused) == 1, results
    assert f"nonce {nonce} is not the next nonce" in str(refused[0])
    wait_checked(client, [accepted[0].claim_id])
