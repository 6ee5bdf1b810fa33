"""The settlement workflow over HTTP against a real anvil: propose, sign, attest, cite, pay,
and every refusal the issue lists."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from sqlalchemy import update
from typer.testing import CliRunner
from web3._utils.events import get_event_data

from carbonledger.chain.jsonrpc import JsonRpc
from carbonledger.chain.typed_data import claim_id as compute_id
from carbonledger.cli.main import app
from carbonledger.client import ApiError, LedgerClient
from carbonledger.indexer import RawLog, _jsonable
from carbonledger.standard import document_hash, parse_claim
from carbonledger.store.settlements import citations
from carbonledger.vocab import b32
from tests.api.conftest import Api, as_bytes, example
from tests.api.partners import Partners, partners, reduction_document


@pytest.fixture(scope="module")
def pair(api: Api) -> Partners:
    return partners(api, "Settlement")


def overlap_of(pair: Partners) -> dict[str, object]:
    [found] = [o for o in pair.shipper_client.overlaps() if o["partner"] == pair.carrier.address]
    return found


def propose(pair: Partners, description: str, **fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "description": description,
        "total_cost": 1_000_001,
        "currency": "EUR",
        "expected_reduction_kgco2e": 120,
    }
    body.update(fields)
    return pair.shipper_client.propose_settlement(str(overlap_of(pair)["overlap_id"]), **body)  # type: ignore[arg-type]


def test_the_full_flow_from_proposal_to_settled(api: Api, pair: Partners) -> None:
    auditor = api.admit("Settlement Auditor", roles=("auditor",))
    auditor_client = api.client(auditor)
    overlap = overlap_of(pair)
    proposed = propose(pair, "电动重卡 electric trucks on the Shanghai-Suzhou lane")
    sid = str(proposed["settlement_id"])
    assert proposed["status"] == "proposed"
    shares = {p["firm"]: p["share_bps"] for p in proposed["parties"]}  # type: ignore[attr-defined]
    assert shares == {p["firm"]: p["default_share_bps"] for p in overlap["parties"]}  # type: ignore[attr-defined]
    terms = proposed["terms"]
    assert terms["overlap_kgco2e"] == overlap["overlap_kgco2e"]  # type: ignore[index]
    assert terms["shipment_root"] == overlap["shipment_root"]  # type: ignore[index]
    assert terms["claim_ids"] == [  # type: ignore[index]
        p["claim_id"]
        for p in overlap["parties"]  # type: ignore[attr-defined]
    ]

    # nobody is bound until each signs: one signature leaves it proposed
    after_one = pair.shipper_client.sign_settlement(sid)
    assert (after_one["status"], after_one["consents"]) == ("proposed", 1)
    agreed = pair.carrier_client.sign_settlement(sid)
    assert agreed["status"] == "agreed" and all(p["consented"] for p in agreed["parties"])
    cost = {p["firm"]: p["cost_share"] for p in agreed["parties"]}
    assert sum(cost.values()) == 1_000_001

    # the auditor attests the realised reduction; the chain allocates it by share
    evidence = json.dumps({"telematics": "2025 lane log", "kgco2e": 100}).encode()
    attested = auditor_client.attest_reduction(sid, 100, evidence)
    allocation = {p["firm"]: p["allocation_kgco2e"] for p in attested["parties"]}
    assert sum(allocation.values()) == 100
    mine = allocation[pair.shipper.address]
    assert mine == 100 * shares[pair.shipper.address] // 10_000
    assert attested["evidence"]["hash"].startswith("0x")
    assert pair.shipper_client.allocations([sid]) == {sid: mine}

    # the shipper's next reduction claim cites its allocation; the checker counts only it
    reduction = reduction_document(pair.shipper.address, pair.shipper_doc, sid, mine, mine)
    claimed = pair.shipper_client.submit_claim(
        as_bytes(reduction), baseline=as_bytes(pair.shipper_doc)
    )
    assert claimed["check"]["passed"], claimed["check"]["report"]["findings"]
    rules = {f["rule"] for f in claimed["check"]["report"]["findings"]}
    assert not rules & {"RED008", "RED009", "RED010", "RED015"}
    view = pair.shipper_client.settlement(sid)
    [shipper_position] = [p for p in view["parties"] if p["firm"] == pair.shipper.address]
    assert shipper_position["citing_claim"] == claimed["claim_id"]

    # a second citation of the same allocation is refused (it would count it twice)
    second = reduction_document(pair.shipper.address, pair.shipper_doc, sid, mine, mine)
    with pytest.raises(ApiError) as twice:
        pair.shipper_client.submit_claim(as_bytes(second), baseline=as_bytes(pair.shipper_doc))
    assert twice.value.status == 409 and "already cited" in twice.value.detail

    # payments until settled; never above a party's cost share
    with pytest.raises(ApiError) as overpaid:
        pair.carrier_client.pay_settlement(sid, cost[pair.carrier.address] + 1, "INV-0")
    assert overpaid.value.status == 409
    pair.carrier_client.pay_settlement(sid, cost[pair.carrier.address], "INV-2025-001")
    first = pair.shipper_client.pay_settlement(sid, 1_000, "SWIFT-1")
    assert first["status"] == "agreed"
    done = pair.shipper_client.pay_settlement(sid, cost[pair.shipper.address] - 1_000, "SWIFT-2")
    assert done["status"] == "settled"
    assert all(p["paid"] == p["cost_share"] for p in done["parties"])


def test_a_reduction_counting_more_than_its_allocation(api: Api, pair: Partners) -> None:
    auditor = api.admit("Cap Auditor", roles=("auditor",))
    proposed = propose(pair, "cap test: lane electrification")
    sid = str(proposed["settlement_id"])
    pair.shipper_client.sign_settlement(sid)
    pair.carrier_client.sign_settlement(sid)
    attested = api.client(auditor).attest_reduction(sid, 60, b"meter readings")
    mine = next(p for p in attested["parties"] if p["firm"] == pair.shipper.address)
    allocation = int(mine["allocation_kgco2e"])
    baseline = as_bytes(pair.shipper_doc)

    # signed over totals that ignore the ledger's allocation (citing a bigger one): 401
    inflated = as_bytes(reduction_document(pair.shipper.address, pair.shipper_doc, sid, 80, 80))
    client = pair.shipper_client
    chain, nonce = client.chain(), client.next_nonce()
    deadline = int(time.time()) + 3600
    signature = client.sign_claim(
        inflated, nonce=nonce, deadline=deadline, chain=chain, baseline=baseline
    )
    with pytest.raises(ApiError) as unsigned:
        client.request(
            "POST",
            "/claims",
            json={
                "document": inflated.decode(),
                "signature": "0x" + signature.hex(),
                "nonce": nonce,
                "deadline": deadline,
                "baseline_document": baseline.decode(),
            },
        )
    assert unsigned.value.status == 401

    # claiming 30 kg more than allocated: counted only up to the allocation, so the declared
    # reduction no longer holds; recorded as failed, and it does not take the allocation
    over = reduction_document(
        pair.shipper.address, pair.shipper_doc, sid, allocation, allocation + 30
    )
    answer = client.submit_claim(as_bytes(over), baseline=baseline)
    rules = {f["rule"] for f in answer["check"]["report"]["findings"]}
    assert {"RED015", "RED007"} <= rules and answer["check"]["passed"] is False
    report = answer["check"]["report"]
    figure = report["reduction"]
    assert Decimal(figure["counted_kgco2e"]) == Decimal(figure["gross_kgco2e"]) - 30
    onchain = api.services.ledger.claim_state(bytes.fromhex(answer["claim_id"][2:]))
    assert onchain.check == "failed"
    assert all(p["citing_claim"] is None for p in client.settlement(sid)["parties"])


def test_shares_must_sum_to_10000(pair: Partners) -> None:
    with pytest.raises(ApiError) as refused:
        propose(pair, "bad split", shares_bps=[5_000, 4_000])
    assert refused.value.status == 422
    assert any(p["field"] == "shares_bps" for p in refused.value.problems)
    agreed_split = propose(pair, "a partner's own split", shares_bps=[7_000, 3_000])
    assert [p["share_bps"] for p in agreed_split["parties"]] == [7_000, 3_000]


def test_a_non_party_cannot_sign_and_a_party_signs_once(api: Api, pair: Partners) -> None:
    sid = str(propose(pair, "signature refusals")["settlement_id"])
    stranger = api.admit("Settlement Stranger")
    with pytest.raises(ApiError) as not_party:
        api.client(stranger).sign_settlement(sid)
    assert not_party.value.status == 403

    # a party posting a consent signed by another key
    forger = Account.create()
    signed_by_other = LedgerClient(api.url, forger)
    signed_by_other._token = pair.shipper_client._token
    signed_by_other.address = pair.shipper.address
    with pytest.raises(ApiError) as forged:
        signed_by_other.sign_settlement(sid)
    assert forged.value.status == 401

    pair.shipper_client.sign_settlement(sid)
    with pytest.raises(ApiError) as twice:
        pair.shipper_client.sign_settlement(sid)
    assert twice.value.status == 409 and "already signed" in twice.value.detail


def test_signing_after_the_deadline_is_refused(pair: Partners) -> None:
    deadline = int(time.time()) + 4
    sid = str(propose(pair, "short fuse", signing_deadline=deadline)["settlement_id"])
    pair.shipper_client.sign_settlement(sid)
    time.sleep(max(0.0, deadline - time.time()) + 1.5)
    with pytest.raises(ApiError) as late:
        pair.carrier_client.sign_settlement(sid)
    assert late.value.status == 409 and "deadline" in late.value.detail
    assert pair.carrier_client.settlement(sid)["status"] == "expired"


def test_a_decline_ends_the_proposal(api: Api, pair: Partners, tmp_path: Path) -> None:
    sid = str(propose(pair, "declined project")["settlement_id"])
    password = "settlement cli password"
    keystore = tmp_path / "carrier.json"
    keystore.write_text(json.dumps(Account.encrypt(bytes(pair.carrier.key), password)))
    runner = CliRunner(env={"CARBONLEDGER_KEY_PASSWORD": password})
    common = ["--key", str(keystore), "--api", api.url]
    shown = runner.invoke(app, ["settlement", "show", sid, *common])
    assert shown.exit_code == 0, shown.output
    assert "proposed" in shown.stdout and "declined project" in shown.stdout
    declined = runner.invoke(
        app, ["settlement", "decline", sid, "--reason", "cost too high", *common, "--json"]
    )
    assert declined.exit_code == 0, declined.output
    assert json.loads(declined.stdout)["status"] == "declined"
    with pytest.raises(ApiError) as closed:
        pair.shipper_client.sign_settlement(sid)
    assert closed.value.status == 409 and "declined" in closed.value.detail
    again = runner.invoke(app, ["settlement", "sign", sid, *common])
    assert again.exit_code == 1 and "declined" in again.output


def test_the_cli_proposes_and_signs(api: Api, pair: Partners, tmp_path: Path) -> None:
    password = "settlement cli password"
    keys = {}
    for name, account in (("shipper", pair.shipper), ("carrier", pair.carrier)):
        keys[name] = tmp_path / f"{name}.json"
        keys[name].write_text(json.dumps(Account.encrypt(bytes(account.key), password)))
    runner = CliRunner(env={"CARBONLEDGER_KEY_PASSWORD": password})
    overlap = str(overlap_of(pair)["overlap_id"])
    proposed = runner.invoke(
        app,
        [
            "settlement", "propose", overlap, "--key", str(keys["shipper"]), "--api", api.url,
            "--description", "CLI project", "--cost", "5000", "--currency", "CNY",
            "--expected", "40", "--json",
        ],
    )  # fmt: skip
    assert proposed.exit_code == 0, proposed.output
    sid = json.loads(proposed.stdout)["settlement_id"]
    for name in ("shipper", "carrier"):
        signed = runner.invoke(
            app, ["settlement", "sign", sid, "--key", str(keys[name]), "--api", api.url]
        )
        assert signed.exit_code == 0, signed.output
    assert "agreed" in signed.stdout


def test_the_indexer_decodes_every_log_as_web3_does(api: Api) -> None:
    """Runs last in this module: by now the chain holds every kind of event the flows emit
    (admissions, claims, checks, settlements with their struct-typed terms, payments)."""
    decoder = api.services.indexer.decoder
    logs = api.chain.w3.eth.get_logs({"fromBlock": 0, "address": list(decoder.addresses)})
    names = set()
    for log in logs:
        raw = RawLog.from_web3(log)
        found = decoder.events[(raw.address, raw.topics[0])]
        reference = _jsonable(dict(get_event_data(api.chain.w3.codec, found.abi, log)["args"]))
        assert decoder.decode(raw) == (found.contract, found.name, reference)
        names.add(found.name)
    assert {
        "MemberAdmitted", "ClaimSubmitted", "ClaimChecked", "SettlementProposed",
        "SettlementAgreed", "AllocationCited", "PaymentRecorded",
    } <= names  # fmt: skip


def test_two_reductions_of_one_batch_cannot_both_cite_one_allocation_and_the_first_is_cited(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second is refused as POST /claims would refuse it after the first: a claim
    accepted earlier in the same request counts as on its way to the chain. The first's
    citation reaches the chain with nobody asking (POST /claims/batch answers before the
    chain, and nothing reads the settlement here): the anchoring worker relays it."""
    twins = partners(api, "Twin Citation")
    auditor = api.admit("Twin Citation Auditor", roles=("auditor",))
    sid = str(propose(twins, "one allocation, cited once")["settlement_id"])
    twins.shipper_client.sign_settlement(sid)
    twins.carrier_client.sign_settlement(sid)
    attested = api.client(auditor).attest_reduction(sid, 100, b"lane log")
    [mine] = [
        p["allocation_kgco2e"] for p in attested["parties"] if p["firm"] == twins.shipper.address
    ]
    client = twins.shipper_client
    bodies: list[dict[str, object]] = []
    post = client.request

    def keep_the_claim(method: str, path: str, **kwargs: object) -> object:
        if (method, path) != ("POST", "/claims"):
            return post(method, path, **kwargs)
        bodies.append(kwargs["json"])  # type: ignore[arg-type]
        return {}

    monkeypatch.setattr(client, "request", keep_the_claim)
    first = client.next_nonce()
    for i in range(2):
        doc = reduction_document(twins.shipper.address, twins.shipper_doc, sid, mine, mine)
        client.submit_claim(as_bytes(doc), baseline=as_bytes(twins.shipper_doc), nonce=first + i)
    monkeypatch.undo()
    # each citation signed with the firm's next OverlapSettlement nonce in turn, as a firm
    # filing both would: only the double citation itself is left to refuse
    [cited] = bodies[1]["citations"]  # type: ignore[misc]
    doc = parse_claim(str(bodies[1]["document"]).encode())
    claim_id = "0x" + compute_id(twins.shipper.address, document_hash(doc)).hex()
    bodies[1]["citations"] = [
        client.sign_citation(sid, claim_id, nonce=cited["nonce"] + 1, deadline=cited["deadline"])
    ]

    answer = client.request("POST", "/claims/batch", json={"claims": bodies})

    assert (answer["accepted"], answer["refused"]) == (1, 1), answer
    error = answer["results"][1]["error"]
    assert error["status"] == 409 and "already cited" in error["detail"], error

    first_id = answer["results"][0]["claim"]["claim_id"]
    deadline = time.monotonic() + 60
    while True:
        citing = api.services.ledger.party_state(b32(sid), twins.shipper.address).citing_claim
        if "0x" + citing.hex() == first_id:
            break
        assert time.monotonic() < deadline, "the citation never reached the chain"
        time.sleep(0.2)
    [row] = api.services.settlements.store.citations(claim_id=first_id)
    assert row.state == "recorded"

    # a second process that still saw it queued (its row read before the first marked it)
    # finds it cited on chain: recorded as done, nothing sent
    store = api.services.settlements.store
    store._write(update(citations).where(citations.c.seq == row.seq).values(state="pending"))
    sent = api.services.ledger.reading().relayer_pending_nonce
    api.services.settlements.citations.relay(first_id)
    assert store.citations(claim_id=first_id)[0].state == "recorded"
    assert api.services.ledger.reading().relayer_pending_nonce == sent


def test_the_citation_of_a_claim_the_chain_refused_is_refused_and_not_read_again(
    api: Api,
) -> None:
    """A claim the chain refused (its deadline passed in the outbox, say) will never be on
    chain: its queued citation is marked refused, with the claim's reason, by the next pass,
    instead of being read again by every pass of the anchoring worker."""
    twins = partners(api, "Lost Citation")
    sid = str(propose(twins, "an allocation cited by a lost claim")["settlement_id"])
    client = twins.shipper_client
    claim = client.submit_claim(as_bytes(example("carrier_footprint.json", twins.shipper.address)))
    store, claims = api.services.settlements.store, api.services.store
    claims.mark_refused(claim["claim_id"], "refused by the ClaimLedger: ClaimLedgerExpired")
    signed = client.sign_citation(
        sid, claim["claim_id"], nonce=client.settlement_nonce(), deadline=int(time.time()) + 3600
    )
    store.add_citations(
        [
            {
                "settlement_id": sid,
                "party": twins.shipper.address.lower(),
                "claim_id": claim["claim_id"],
                "nonce": signed["nonce"],
                "deadline": signed["deadline"],
                "signature": signed["signature"],
            }
        ]
    )
    sent = api.services.ledger.reading().relayer_pending_nonce

    api.services.settlements.citations.relay_pending([sid])

    [row] = store.citations(claim_id=claim["claim_id"])
    assert row.state == "refused"
    assert row.error == (
        "its claim was refused by the chain: refused by the ClaimLedger: ClaimLedgerExpired"
    )
    assert store.citations(settlement_ids=[sid], state="pending") == []
    assert api.services.ledger.reading().relayer_pending_nonce == sent  # nothing sent


def test_a_firms_settlements_are_listed_as_each_reads_from_one_batch_of_chain_calls(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair = partners(api, "Listed settlements")
    ids = [str(propose(pair, f"listed project {k}")["settlement_id"]) for k in range(3)]
    pair.carrier_client.sign_settlement(ids[1])  # one consent: the positions differ
    listed = {s["settlement_id"]: s for s in pair.shipper_client.settlements()}
    assert sorted(listed) == sorted(ids)
    for sid in ids:
        assert listed[sid] == pair.shipper_client.request("GET", f"/settlements/{sid}")
    consented = {p["firm"]: p["consented"] for p in listed[ids[1]]["parties"]}
    assert consented == {pair.carrier.address: True, pair.shipper.address: False}

    here, batches = threading.current_thread(), []
    real = JsonRpc.eth_calls

    def counted(rpc: JsonRpc, calls: Any, *args: Any, **kwargs: Any) -> list[bytes]:
        if threading.current_thread() is here:  # not the worker's or the indexer's
            batches.append(len(calls))
        return real(rpc, calls, *args, **kwargs)

    monkeypatch.setattr(JsonRpc, "eth_calls", counted)
    views = api.services.settlements.of_party(pair.shipper.address)
    assert len(views) == 3 and batches == [3 * 3]  # settlementOf and two partyOf each, at once
