"""When the chain loses recent blocks, every accepted claim is anchored again, once."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.api.conftest import Api, as_bytes, example


def test_claims_in_lost_blocks_are_re_anchored_exactly_once(api: Api) -> None:
    firm = api.admit("Reconcile Rail")
    client = api.client(firm)
    w3 = api.chain.w3
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    answers = [
        client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
        for _ in range(3)
    ]
    assert all(a["state"] == "checked" for a in answers)
    ids = [bytes.fromhex(a["claim_id"][2:]) for a in answers]

    w3.provider.make_request("evm_revert", [snapshot])  # the chain forgets the three claims
    assert all(api.services.ledger.claim_state(i).status == "none" for i in ids)

    deadline = time.monotonic() + 60
    while any(api.services.ledger.claim_state(i).check != "passed" for i in ids):
        assert time.monotonic() < deadline, "the lost claims were not re-anchored"
        time.sleep(0.2)
    ledger = api.chain.contract("ClaimLedger")
    for answer, claim_id in zip(answers, ids, strict=True):
        (log,) = ledger.events.ClaimSubmitted().get_logs(
            from_block=0, argument_filters={"claimId": claim_id}
        )
        deadline = time.monotonic() + 10
        while (row := api.services.store.get(answer["claim_id"])) and row.state != "checked":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert row is not None and row.tx_hash == "0x" + bytes(log["transactionHash"]).hex()


def test_a_claim_accepted_after_a_loss_waits_for_the_lost_earlier_one(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The firm's next claim reaches the relayer before reconciliation has put the lost one
    back: the contract refuses its nonce as out of order, and instead of refusing it, the
    worker restores the earlier claim and anchors both, in order."""
    firm = api.admit("Race Road Freight")
    client = api.client(firm)
    w3 = api.chain.w3
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    first = client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
    assert first["state"] == "checked"
    w3.provider.make_request("evm_revert", [snapshot])
    # no periodic reconciliation during this test: only the nonce-gap path can recover
    monkeypatch.setattr(api.services.worker, "reconcile", lambda since_block=None: 0)

    second = client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
    assert second["nonce"] == first["nonce"] + 1
    ids = [bytes.fromhex(a["claim_id"][2:]) for a in (first, second)]
    deadline = time.monotonic() + 60
    while any(api.services.ledger.claim_state(i).check != "passed" for i in ids):
        row = api.services.store.get(second["claim_id"])
        assert row is not None and row.state != "refused", row.error
        assert time.monotonic() < deadline, "the claims were not anchored in order"
        time.sleep(0.2)


def _forget_first(monkeypatch: pytest.MonkeyPatch, store: Any, method: str) -> list[list[str]]:
    """The chain mined a transaction, and the write that records it in the service's rows
    fails (as when the service dies there): the first call of ``store.<method>`` raises. Per
    such call, the claim ids it was given (``mark_round_anchored``'s groups flattened)."""
    real = getattr(store, method)
    lost: list[list[str]] = []

    def forget_first(claim_ids: Any, *args: Any) -> None:
        if not lost:
            if method == "mark_round_anchored":
                lost.append([i for ids, _ in claim_ids for i in ids])
            else:
                lost.append(list(claim_ids))
            raise RuntimeError("the service died before its rows were updated")
        real(claim_ids, *args)

    monkeypatch.setattr(store, method, forget_first)
    return lost


def _only_log(api: Api, event: str, claim_id: bytes) -> Any:
    ledger = api.chain.contract("ClaimLedger")
    (log,) = ledger.events[event]().get_logs(from_block=0, argument_filters={"claimId": claim_id})
    return log


def test_a_claim_the_chain_recorded_before_a_crash_is_anchored_not_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relayed again, the claim comes back refused for its nonce (the contract checks the
    nonce before the duplicate): the worker finds it on chain and marks it anchored."""
    firm = api.admit("Crash Window Carriers")
    client = api.client(firm)
    lost = _forget_first(monkeypatch, api.services.store, "mark_round_anchored")

    answer = client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))

    assert lost == [[answer["claim_id"]]]
    assert answer["state"] == "checked", answer
    row = api.services.store.get(answer["claim_id"])
    assert row is not None and row.error is None
    claim_id = bytes.fromhex(answer["claim_id"][2:])
    log = _only_log(api, "ClaimSubmitted", claim_id)
    assert row.tx_hash == "0x" + bytes(log["transactionHash"]).hex()
    assert api.services.ledger.claim_state(claim_id).check == "passed"


def test_a_check_the_chain_recorded_before_a_crash_is_marked_not_sent_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    firm = api.admit("Crash Window Checks")
    client = api.client(firm)
    lost = _forget_first(monkeypatch, api.services.store, "mark_checked")

    answer = client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))

    assert lost == [[answer["claim_id"]]]
    assert answer["state"] == "checked", answer
    row = api.services.store.get(answer["claim_id"])
    log = _only_log(api, "ClaimChecked", bytes.fromhex(answer["claim_id"][2:]))
    assert row is not None and row.check_tx_hash == "0x" + bytes(log["transactionHash"]).hex()
