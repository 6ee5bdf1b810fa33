"""Single anchoring mode (one claim per transaction) on a real anvil: a round's checks go out
behind its claims, every claim and every check is recorded once, also when the write that
marks a round's claims anchored fails after the chain mined them (the crash window)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api, as_bytes, example, serving
from tests.api.test_reconcile import _forget_first
from tests.conftest import DeployedChain


@pytest.fixture(scope="module")
def single(
    deployed_chain: DeployedChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    data_dir: Path = tmp_path_factory.mktemp("single")
    with serving(
        deployed_chain,
        data_dir,
        database_url=f"sqlite:///{data_dir / 'api.db'}",
        anchor_mode="single",
    ) as served:
        yield served


def _logs(api: Api, event: str, claim_id: str) -> list[Any]:
    ledger = api.chain.contract("ClaimLedger")
    return list(
        ledger.events[event]().get_logs(
            from_block=0, argument_filters={"claimId": bytes.fromhex(claim_id[2:])}
        )
    )


def _recorded_once(api: Api, claim_id: str) -> None:
    """One ``ClaimSubmitted`` (in a transaction of its own) and one ``ClaimChecked`` on chain,
    and the claim's row names both transactions."""
    (submitted,) = _logs(api, "ClaimSubmitted", claim_id)
    (checked,) = _logs(api, "ClaimChecked", claim_id)
    row = api.services.store.get(claim_id)
    assert row is not None and row.state == "checked" and row.error is None
    assert row.tx_hash == "0x" + bytes(submitted["transactionHash"]).hex()
    assert row.check_tx_hash == "0x" + bytes(checked["transactionHash"]).hex()
    receipt = api.chain.w3.eth.get_transaction_receipt(submitted["transactionHash"])
    claim_logs = [log for log in receipt["logs"] if log["address"] == submitted["address"]]
    assert len(claim_logs) == 1  # one claim per transaction


def test_claims_of_several_firms_at_once_are_each_relayed_alone_and_checked_once(
    single: Api,
) -> None:
    firms = [single.admit(f"Single Mode Carrier {i}") for i in range(4)]
    answers: list[dict[str, Any]] = []
    lock = threading.Lock()

    def submit(firm: Any) -> None:
        client = single.client(firm)
        for _ in range(2):
            answer = client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=submit, args=(f,)) for f in firms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 8
    assert all(a["state"] == "checked" for a in answers), answers
    for answer in answers:
        _recorded_once(single, answer["claim_id"])


def test_a_claim_mined_with_its_check_before_a_crash_is_marked_and_not_recorded_again(
    single: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker is sure of the chain (its last round went well), so the claim's check goes
    out right behind it; both are mined, and the write marking the claim anchored fails. The
    next rounds find the claim and its check on chain: neither is recorded twice."""
    firm = single.admit("Single Mode Crash Window")
    client = single.client(firm)
    first = client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
    assert first["state"] == "checked"  # a round that went well
    lost = _forget_first(monkeypatch, single.services.store, "mark_round_anchored")

    answer = client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))

    assert lost == [[answer["claim_id"]]]
    assert answer["state"] == "checked", answer
    _recorded_once(single, answer["claim_id"])
