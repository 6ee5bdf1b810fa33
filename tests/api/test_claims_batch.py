"""POST /claims/batch: many signed claims in one request, each judged as POST /claims would."""

from __future__ import annotations

import time
from typing import Any

from carbonledger.client import LedgerClient
from tests.api.conftest import Api, as_bytes, example

DEADLINE = 7 * 24 * 3600


def _signed(client: LedgerClient, raw: bytes, nonce: int, chain: dict[str, Any]) -> dict[str, Any]:
    deadline = int(time.time()) + DEADLINE
    signature = client.sign_claim(raw, nonce=nonce, deadline=deadline, chain=chain)
    return {
        "document": raw.decode("utf-8"),
        "signature": "0x" + signature.hex(),
        "nonce": nonce,
        "deadline": deadline,
    }


def _wait_checked(client: LedgerClient, claim_ids: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for claim_id in claim_ids:
        while client.claim(claim_id)["state"] != "checked":
            assert time.monotonic() < deadline, f"{claim_id} not checked in time"
            time.sleep(0.1)


def test_a_batch_is_accepted_anchored_and_checked_like_single_claims(api: Api) -> None:
    firm = api.admit("Bulk Freight")
    client = api.client(firm)
    chain = client.chain()
    first = client.next_nonce()
    raws = [as_bytes(example("carrier_footprint.json", firm.address)) for _ in range(5)]
    body = {"claims": [_signed(client, raw, first + i, chain) for i, raw in enumerate(raws)]}
    answer = client.request("POST", "/claims/batch", json=body)
    assert (answer["accepted"], answer["refused"]) == (5, 0)
    assert [r["index"] for r in answer["results"]] == list(range(5))
    ids = [r["claim"]["claim_id"] for r in answer["results"]]
    assert [r["claim"]["nonce"] for r in answer["results"]] == [first + i for i in range(5)]
    _wait_checked(client, ids)
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
    items = [_signed(client, good[0], first, chain), _signed(client, good[1], first + 1, chain)]
    tampered = _signed(client, good[2], first + 2, chain)
    tampered["document"] = (
        tampered["document"]
        .replace("bulk", "Bulk", 1)
        .replace('"claim_id": "test-', '"claim_id": "tampered-', 1)
    )
    items.append(tampered)  # index 2: signed over another document -> 401
    items.append({**items[0]})  # index 3: a replay of item 0 -> 409
    items.append({"document": "{}", "signature": "0x" + "11" * 65, "nonce": 0, "deadline": 0})
    items.append(_signed(client, good[2], first + 2, chain))  # index 5: fine, next nonce
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
    _wait_checked(client, [results[i]["claim"]["claim_id"] for i in (0, 1, 5)])


def test_a_batch_for_another_firm_is_refused_item_by_item(api: Api) -> None:
    firm = api.admit("Honest Haulier")
    other = api.admit("Other Haulier")
    client = api.client(firm)
    other_client = api.client(other, login=False)
    chain = client.chain()
    raw = as_bytes(example("carrier_footprint.json", other.address))
    item = _signed(other_client, raw, 0, chain)
    answer = client.request("POST", "/claims/batch", json={"claims": [item]})
    assert answer["results"][0]["error"]["status"] == 403
