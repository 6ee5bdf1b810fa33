"""Root mode when the chain loses the block that recorded a root: through the public API on a
real anvil, the service records the root again, every accepted claim ends up under exactly one
recorded root with a proof the independent verifier accepts, and the index forgets the lost
block's event. The chain loses blocks by ``evm_snapshot`` / ``evm_revert`` here, in the test,
never in the product path."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carbonledger.store.events import EventLog
from tests.api.conftest import Api, as_bytes, example, serving_roots
from tests.api.test_claims_roots import anchored, verify_dir, write_bundle
from tests.conftest import DeployedChain


@pytest.fixture(scope="module")
def api(
    deployed_chain: DeployedChain, api_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """The service in root mode, on SQLite and on PostgreSQL in turn."""
    data_dir = tmp_path_factory.mktemp("lost-roots")
    with serving_roots(deployed_chain, data_dir, api_database) as served:
        yield served


def _indexed_roots(api: Api, roots: set[str]) -> list[Any]:
    """The indexed ``ClaimRootRecorded`` events of ``roots``, once the index is at the head."""
    api.services.indexer.catch_up()
    rows = EventLog(api.services.engine).named(["ClaimRootRecorded"])
    return [r for r in rows if str(r.args["root"]).lower() in roots]


def _on_chain(api: Api, roots: set[str]) -> dict[str, list[Any]]:
    """Every ``ClaimRootRecorded`` log of ``roots`` the chain holds now, by root."""
    event = api.chain.contract("ClaimRoots").events.ClaimRootRecorded()
    logs = event.get_logs(from_block=api.chain.deployment.deploy_block)
    found: dict[str, list[Any]] = {}
    for log in logs:
        root = "0x" + bytes(log["args"]["root"]).hex()
        if root in roots:
            found.setdefault(root, []).append(log)
    return found


def _settled(api: Api, token: str, claim_ids: list[str]) -> list[dict[str, Any]] | None:
    """Each claim's detail and proof, if every claim is anchored under a root recorded in a
    block the chain holds, at the transaction the chain's event names; else None."""
    with api.http(token) as http:
        details = [http.get(f"/claims/{c}").json() for c in claim_ids]
        if any(d["state"] != "anchored" for d in details):
            return None
        proofs = [http.get(f"/claims/{c}/proof").json() for c in claim_ids]
    recorded = _on_chain(api, {p["root"] for p in proofs})
    for detail, proof in zip(details, proofs, strict=True):
        logs = recorded.get(proof["root"], [])
        if len(logs) != 1 or not proof["root_recorded"]:
            return None
        tx_hash = "0x" + bytes(logs[0]["transactionHash"]).hex()
        if (detail["tx_hash"], detail["block_number"]) != (tx_hash, logs[0]["blockNumber"]):
            return None
        if (proof["root_tx_hash"], proof["root_block_number"]) != (tx_hash, logs[0]["blockNumber"]):
            return None
    return proofs


def test_a_root_the_chain_lost_is_recorded_again_and_every_claim_verifies_exactly_once(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    firm = api.admit("Lost Root Freight")
    client = api.client(firm)
    assert client._token is not None
    w3 = api.chain.w3
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    documents = [as_bytes(example("carrier_footprint.json", firm.address)) for _ in range(3)]
    ids = [client.submit_claim(d)["claim_id"] for d in documents]
    before = anchored(api, client._token, ids)
    lost_roots = {p["root"] for p in before}
    assert {str(r.args["root"]).lower() for r in _indexed_roots(api, lost_roots)} == lost_roots

    # the worker does not reconcile until the test has looked at the gap
    monkeypatch.setattr(api.services.worker, "reconcile_by_cursor", lambda: 0)
    w3.provider.make_request("evm_revert", [snapshot])  # the chain loses the roots' blocks
    assert not any(api.services.ledger.root_recorded(bytes.fromhex(r[2:])) for r in lost_roots)
    assert _indexed_roots(api, lost_roots) == [], "the index kept a lost root's event"
    report = verify_dir(api, firm.address, write_bundle(tmp_path / "lost", documents, before))
    never = [f for f in report.failures if f.check == "root" and "never recorded" in f.detail]
    assert len(never) == len(documents), [f.detail for f in report.failures]

    # claims accepted meanwhile go under a root of their own
    later = [as_bytes(example("carrier_footprint.json", firm.address)) for _ in range(2)]
    ids += [client.submit_claim(d)["claim_id"] for d in later]
    documents += later
    monkeypatch.undo()

    deadline = time.monotonic() + 60
    while (proofs := _settled(api, client._token, ids)) is None:
        assert time.monotonic() < deadline, "the lost root was not recorded again"
        time.sleep(0.3)

    # exactly once: each claim under one recorded root, and the roots hold only these claims
    roots = {p["root"] for p in proofs}
    assert lost_roots <= roots
    recorded = _on_chain(api, roots)
    assert all(len(logs) == 1 for logs in recorded.values())
    assert sum(int(logs[0]["args"]["count"]) for logs in recorded.values()) == len(ids)
    assert len({(p["root"], p["leaf_index"]) for p in proofs}) == len(ids)
    # the index holds each root's event once, from the block the chain holds
    indexed = _indexed_roots(api, roots)
    held_on_chain = [
        (root, "0x" + bytes(logs[0]["transactionHash"]).hex(), logs[0]["blockNumber"])
        for root, logs in recorded.items()
    ]
    in_index = [(str(r.args["root"]).lower(), r.tx_hash, r.block_number) for r in indexed]
    assert sorted(in_index) == sorted(held_on_chain)

    report = verify_dir(api, firm.address, write_bundle(tmp_path / "again", documents, proofs))
    assert report.ok, [f.detail for f in report.failures]
    held = [f for f in report.findings if f.check == "root"]
    assert len(held) == len(ids) and all(f.result.name == "HOLDS" for f in held)
