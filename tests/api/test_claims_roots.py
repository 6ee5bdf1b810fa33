"""Root mode end to end: claims through the public API, Merkle roots on a real anvil, proofs
served over HTTP, the independent verifier over the proofs and documents; a root-anchored
claim audited and revoked through the normal routes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from carbonledger.chain.typed_data import Revocation, revocation_typed_data, sign_typed_data
from carbonledger.client import LedgerClient
from carbonledger.overlaps import new_pair_salt
from carbonledger.verify import Result, RpcChainPort, run_firm
from carbonledger.verify.chain import Addresses
from carbonledger.vocab import ClaimTree, b32
from tests.api.conftest import Api, as_bytes, example, serving_roots
from tests.api.partners import carrier_document, reduction_document, shipper_document
from tests.conftest import DeployedChain


@pytest.fixture(scope="module")
def api(deployed_chain: DeployedChain, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with serving_roots(deployed_chain, tmp_path_factory.mktemp("roots")) as served:
        yield served


def addresses(api: Api) -> Addresses:
    d = api.chain.deployment
    return Addresses(
        claim_ledger=d.address("ClaimLedger").lower(),
        member_registry=d.address("MemberRegistry").lower(),
        standard_registry=d.address("StandardRegistry").lower(),
        from_block=d.deploy_block,
    )


def anchored(api: Api, token: str, claim_ids: list[str]) -> list[dict[str, Any]]:
    """Each claim's proof file once its root is recorded."""
    deadline = time.monotonic() + 60
    with api.http(token) as http:
        while True:
            states = [http.get(f"/claims/{c}").json()["state"] for c in claim_ids]
            if all(s == "anchored" for s in states) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert states == ["anchored"] * len(claim_ids)
        answers = [http.get(f"/claims/{c}/proof") for c in claim_ids]
    assert [a.status_code for a in answers] == [200] * len(claim_ids), answers[0].text
    return [a.json() for a in answers]


def file_claims(
    api: Api, firm: LocalAccount, n: int
) -> tuple[str, list[dict[str, Any]], list[bytes]]:
    client = api.client(firm)
    documents = [as_bytes(example("carrier_footprint.json", firm.address)) for _ in range(n)]
    ids = [client.submit_claim(d)["claim_id"] for d in documents]
    assert client._token is not None
    return client._token, anchored(api, client._token, ids), documents


def write_bundle(directory: Path, documents: list[bytes], proofs: list[dict[str, Any]]) -> Path:
    directory.mkdir()
    for i, (document, proof) in enumerate(zip(documents, proofs, strict=True)):
        (directory / f"claim-{i}.json").write_bytes(document)
        (directory / f"claim-{i}.proof.json").write_text(json.dumps(proof))
    return directory


def verify_dir(api: Api, firm: str, directory: Path) -> Any:
    port = RpcChainPort(api.chain.node.url)
    try:
        return run_firm(port, addresses(api), firm, directory).report
    finally:
        port.close()


def test_root_anchored_claims_are_served_with_proofs_and_pass_the_verifier(
    api: Api, tmp_path: Path
) -> None:
    firm = api.admit("Root Freight")
    _, proofs, documents = file_claims(api, firm, 4)
    for proof in proofs:
        assert proof["root_recorded"] and proof["root_block_number"] > 0
        leaf = bytes.fromhex(proof["leaf"][2:])
        path = [bytes.fromhex(p[2:]) for p in proof["proof"]]
        tree_root = leaf
        for sibling in path:
            tree_root = ClaimTree.build([tree_root, sibling]).root
        assert "0x" + tree_root.hex() == proof["root"]
    report = verify_dir(api, firm.address, write_bundle(tmp_path / "honest", documents, proofs))
    assert report.ok, [f.detail for f in report.failures]
    roots = [f for f in report.findings if f.check == "root"]
    assert len(roots) == 4 and all(f.result == Result.HOLDS for f in roots)
    signatures = [f for f in report.findings if f.check == "signature"]
    assert all(f.result == Result.HOLDS for f in signatures)


def test_a_claim_left_out_of_its_root_or_a_proof_for_another_root_fails_the_verifier(
    api: Api, tmp_path: Path
) -> None:
    firm = api.admit("Tampered Root Freight")
    _, proofs, documents = file_claims(api, firm, 3)
    # a proof for another root: claim 0 with claim 1's root and path (another root or leaf)
    other = dict(proofs[0], root=proofs[1]["root"], proof=proofs[1]["proof"])
    if other == proofs[0]:
        other["proof"] = [*proofs[1]["proof"], proofs[1]["leaf"]]
    report = verify_dir(
        api, firm.address, write_bundle(tmp_path / "other", documents, [other, *proofs[1:]])
    )
    failed = [f for f in report.failures if f.check == "root"]
    assert len(failed) == 1 and "not under that root" in failed[0].detail
    # a claim left out of its root: the same proof, for a claim signed anew (another nonce)
    claim = dict(proofs[2]["claim"], nonce=int(proofs[2]["claim"]["nonce"]) + 100)
    left_out = dict(proofs[2], claim=claim)
    report = verify_dir(
        api, firm.address, write_bundle(tmp_path / "left-out", documents, [*proofs[:2], left_out])
    )
    assert [f.check for f in report.failures if f.check == "root"] == ["root"]
    # one changed byte of a signature
    sig = bytearray(bytes.fromhex(proofs[1]["signature"][2:]))
    sig[5] ^= 1
    changed = dict(proofs[1], signature="0x" + sig.hex())
    report = verify_dir(
        api,
        firm.address,
        write_bundle(tmp_path / "byte", documents, [proofs[0], changed, proofs[2]]),
    )
    assert {f.check for f in report.failures} >= {"root", "signature"}
    # a root ClaimRoots never recorded
    unknown = dict(proofs[0], root="0x" + keccak(text="never recorded").hex())
    report = verify_dir(
        api, firm.address, write_bundle(tmp_path / "unknown", documents, [unknown, *proofs[1:]])
    )
    assert any("never recorded" in f.detail for f in report.failures)


def _revocation(api: Api, token: str, firm: LocalAccount, claim_id: str) -> dict[str, Any]:
    with api.http(token) as http:
        nonce = http.get(f"/members/{firm.address}/nonce").json()["nonce"]
    deadline = int(time.time()) + 3600
    message = Revocation(
        bytes.fromhex(claim_id[2:]), firm.address, keccak(text="typo"), nonce, deadline
    )
    typed = revocation_typed_data(api.services.ledger.domain(), message)
    signature = "0x" + sign_typed_data(bytes(firm.key), typed).hex()
    return {"reason": "typo", "nonce": nonce, "deadline": deadline, "signature": signature}


def test_a_root_anchored_claim_is_audited_and_revoked_through_the_normal_routes(
    api: Api,
) -> None:
    firm = api.admit("Admitted Root Freight")
    auditor = api.admit("Root Auditor", roles=("auditor",))
    token, proofs, _ = file_claims(api, firm, 3)
    audited, revoked = proofs[0]["claim_id"], proofs[1]["claim_id"]
    ledger = api.services.ledger
    assert ledger.claim_state(bytes.fromhex(audited[2:])).status == "none"

    auditor_client = api.client(auditor)
    answer = auditor_client.request("POST", "/audits/verify", json={"claim_id": audited})
    assert answer["ok"] is True, answer
    verdict = answer["claims"][0]
    message = verdict["verdict_to_sign"]["message"]
    signature = sign_typed_data(bytes(auditor.key), verdict["verdict_to_sign"])
    auditor_client.request(
        "POST",
        "/audits",
        json={
            "claim_id": audited,
            "verdict": "approved",
            "report_hash": verdict["report_hash"],
            "nonce": message["nonce"],
            "deadline": message["deadline"],
            "signature": "0x" + signature.hex(),
        },
    )
    state = ledger.claim_state(bytes.fromhex(audited[2:]))
    assert (state.status, state.check, state.audit) == ("active", "passed", "approved")

    with api.http(token) as http:
        done = http.post(
            f"/claims/{revoked}/revocation", json=_revocation(api, token, firm, revoked)
        )
        assert done.status_code == 201, done.text
        assert http.get(f"/claims/{audited}").json()["state"] == "checked"
    assert ledger.claim_state(bytes.fromhex(revoked[2:])).status == "revoked"
    # the indexer has the admission beside the claim's other events, in the claim's history
    deadline = time.monotonic() + 30
    with api.http(token) as http:
        while True:
            events = [e["event"] for e in http.get(f"/claims/{audited}").json()["history"]]
            if "ClaimAudited" in events or time.monotonic() > deadline:
                break
            time.sleep(0.3)
    assert {"ClaimSubmitted", "ClaimAdmitted", "ClaimChecked", "ClaimAudited"} <= set(events)


def test_an_amendment_under_a_root_verifies_and_its_revocation_admits_both_claims(
    api: Api, tmp_path: Path
) -> None:
    firm = api.admit("Amending Root Freight")
    client = api.client(firm)
    first = as_bytes(example("carrier_footprint.json", firm.address))
    first_id = client.submit_claim(first)["claim_id"]
    amended = as_bytes(example("carrier_footprint.json", firm.address))
    second_id = client.submit_claim(amended, supersedes=bytes.fromhex(first_id[2:]))["claim_id"]
    assert client._token is not None
    proofs = anchored(api, client._token, [first_id, second_id])
    directory = write_bundle(tmp_path / "amended", [first, amended], proofs)
    report = verify_dir(api, firm.address, directory)
    assert report.ok, [f.detail for f in report.failures]

    with api.http(client._token) as http:
        body = _revocation(api, client._token, firm, second_id)
        done = http.post(f"/claims/{second_id}/revocation", json=body)
        assert done.status_code == 201, done.text
    ledger = api.services.ledger
    assert ledger.claim_state(bytes.fromhex(first_id[2:])).status == "superseded"
    assert ledger.claim_state(bytes.fromhex(second_id[2:])).status == "revoked"
    report = verify_dir(api, firm.address, directory)
    assert report.ok, [f.detail for f in report.failures]


def _propose_trucks(client: LedgerClient, overlap_id: str, description: str) -> dict[str, Any]:
    """The shipper's proposal of shared electric trucks for the overlap (500,000 CNY, 100 kg)."""
    return client.propose_settlement(
        overlap_id,
        description=description,
        total_cost=500_000,
        currency="CNY",
        expected_reduction_kgco2e=100,
    )


def test_partners_under_roots_see_their_overlap_and_proposing_admits_both_claims(
    api: Api,
) -> None:
    carrier, shipper = api.admit("Root overlap carrier"), api.admit("Root overlap shipper")
    salt = new_pair_salt()
    carrier_claim, shipper_claim = (
        api.client(firm).submit_claim(as_bytes(document(firm.address, salt)))["claim_id"]
        for firm, document in ((carrier, carrier_document), (shipper, shipper_document))
    )
    ledger = api.services.ledger
    claims = [carrier_claim, shipper_claim]
    assert [ledger.claim_state(bytes.fromhex(c[2:])).status for c in claims] == ["none"] * 2
    shipper_client = api.client(shipper)
    [overlap] = [o for o in shipper_client.overlaps() if o["partner"] == carrier.address]
    assert (overlap["my_claim"], overlap["partner_claim"]) == (shipper_claim, carrier_claim)
    proposed = _propose_trucks(shipper_client, overlap["overlap_id"], "shared electric trucks")
    assert proposed["status"] == "proposed"
    assert [ledger.claim_state(bytes.fromhex(c[2:])).status for c in claims] == ["active"] * 2


def test_verdicts_on_root_anchored_claims_are_recorded_in_one_request(api: Api) -> None:
    firm = api.admit("Batch Audited Root Freight")
    auditor = api.admit("Batch Root Auditor", roles=("auditor",))
    _token, proofs, _ = file_claims(api, firm, 4)
    ids = [p["claim_id"] for p in proofs]
    ledger = api.services.ledger
    assert {ledger.claim_state(bytes.fromhex(c[2:])).status for c in ids} == {"none"}

    client = api.client(auditor)
    answer = client.request("POST", "/audits/verify", json={"firm": firm.address})
    assert answer["ok"] is True, answer
    first = client.request("GET", f"/members/{auditor.address}/nonce")["nonce"]
    verdicts = []
    for k, claim in enumerate(answer["claims"]):
        typed = {**claim["verdict_to_sign"]}
        typed["message"] = {**typed["message"], "nonce": first + k}
        signature = sign_typed_data(bytes(auditor.key), typed)
        verdicts.append({
            "claim_id": claim["claim_id"], "verdict": "approved",
            "report_hash": claim["report_hash"], "nonce": first + k,
            "deadline": typed["message"]["deadline"], "signature": "0x" + signature.hex(),
        })  # fmt: skip
    recorded = client.request("POST", "/audits/batch", json={"verdicts": verdicts})
    assert recorded["reverted"] == []
    assert sorted(r["claim_id"] for r in recorded["recorded"]) == sorted(ids)
    for claim_id in ids:  # admitted with their proofs, their checks recorded, then audited
        state = ledger.claim_state(bytes.fromhex(claim_id[2:]))
        assert (state.status, state.check, state.audit) == ("active", "passed", "approved")


def test_a_reduction_filed_in_a_batch_under_roots_is_admitted_and_cites_its_allocation(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """POST /claims/batch answers before the chain; the anchoring worker's pass over queued
    citations admits the root-anchored reduction into the ClaimLedger, then relays its
    citation (a citation of a claim the ledger does not hold would be refused)."""
    carrier, shipper = api.admit("Root citing carrier"), api.admit("Root citing shipper")
    auditor = api.admit("Root citing auditor", roles=("auditor",))
    salt = new_pair_salt()
    shipper_doc = shipper_document(shipper.address, salt)
    api.client(carrier).submit_claim(as_bytes(carrier_document(carrier.address, salt)))
    client = api.client(shipper)
    client.submit_claim(as_bytes(shipper_doc))
    [overlap] = [o for o in client.overlaps() if o["partner"] == carrier.address]
    sid = _propose_trucks(client, overlap["overlap_id"], "shared electric trucks, cited")[
        "settlement_id"
    ]
    client.sign_settlement(sid)
    api.client(carrier).sign_settlement(sid)
    attested = api.client(auditor).attest_reduction(sid, 100, b"lane log")
    [mine] = [p["allocation_kgco2e"] for p in attested["parties"] if p["firm"] == shipper.address]

    bodies: list[dict[str, Any]] = []
    post = client.request

    def keep_the_claim(method: str, path: str, **kwargs: Any) -> Any:
        if (method, path) != ("POST", "/claims"):
            return post(method, path, **kwargs)
        bodies.append(kwargs["json"])
        return {}

    monkeypatch.setattr(client, "request", keep_the_claim)
    reduction = reduction_document(shipper.address, shipper_doc, sid, mine, mine)
    client.submit_claim(as_bytes(reduction), baseline=as_bytes(shipper_doc))
    monkeypatch.undo()
    answer = client.request("POST", "/claims/batch", json={"claims": bodies})
    assert answer["accepted"] == 1, answer
    claim_id = answer["results"][0]["claim"]["claim_id"]

    ledger = api.services.ledger
    deadline = time.monotonic() + 60
    while "0x" + ledger.party_state(b32(sid), shipper.address).citing_claim.hex() != claim_id:
        [row] = api.services.settlements.store.citations(claim_id=claim_id)
        assert row.state == "pending", row  # never refused
        assert time.monotonic() < deadline, "the citation never reached the chain"
        time.sleep(0.2)
    assert ledger.claim_state(b32(claim_id)).status == "active"  # admitted with its proof
