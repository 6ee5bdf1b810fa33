"""An auditor verifies a firm's history through the API and records a signed verdict."""

from __future__ import annotations

import pytest

from carbonledger.chain.typed_data import sign_typed_data
from carbonledger.client import ApiError
from tests.api.conftest import Api, as_bytes, example


def test_an_auditor_verifies_a_history_and_records_a_signed_verdict(api: Api) -> None:
    firm = api.admit("Audited Shipper 上海")
    auditor = api.admit("Independent Auditor", roles=("auditor",))
    firm_client = api.client(firm)
    auditor_client = api.client(auditor)
    baseline = as_bytes(example("shipper_footprint.json", firm.address))
    first = firm_client.submit_claim(baseline)
    second = firm_client.submit_claim(as_bytes(example("shipper_footprint.json", firm.address)))
    assert first["state"] == second["state"] == "checked"

    answer = auditor_client.request("POST", "/audits/verify", json={"firm": firm.address})
    failures = [f for c in answer["claims"] for f in c["findings"] if f["result"] == "FAILS"]
    assert answer["ok"] is True, failures
    assert {c["claim_id"] for c in answer["claims"]} == {first["claim_id"], second["claim_id"]}
    checks = {f["check"] for c in answer["claims"] for f in c["findings"]}
    assert {"recorded", "signature", "check re-run"} <= checks or len(checks) >= 3

    verdict = answer["claims"][0]
    message = verdict["verdict_to_sign"]["message"]
    signature = sign_typed_data(bytes(auditor.key), verdict["verdict_to_sign"])
    recorded = auditor_client.request(
        "POST",
        "/audits",
        json={
            "claim_id": verdict["claim_id"],
            "verdict": "approved",
            "report_hash": verdict["report_hash"],
            "nonce": message["nonce"],
            "deadline": message["deadline"],
            "signature": "0x" + signature.hex(),
        },
    )
    assert recorded["block_number"] > 0
    state = api.services.ledger.claim_state(bytes.fromhex(verdict["claim_id"][2:]))
    assert state.audit == "approved"


def test_verification_by_a_non_auditor_is_refused_403(api: Api) -> None:
    firm = api.admit("Curious Firm")
    client = api.client(firm)
    with pytest.raises(ApiError) as refused:
        client.request("POST", "/audits/verify", json={"firm": firm.address})
    assert refused.value.status == 403


def test_a_verdict_signed_by_another_key_is_refused_401(api: Api) -> None:
    firm = api.admit("Verdict Firm")
    auditor = api.admit("Careful Auditor", roles=("auditor",))
    impostor = api.admit("Impostor", roles=("auditor",))
    claim = api.client(firm).submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
    auditor_client = api.client(auditor)
    answer = auditor_client.request("POST", "/audits/verify", json={"claim_id": claim["claim_id"]})
    typed = answer["claims"][0]["verdict_to_sign"]
    forged = sign_typed_data(bytes(impostor.key), typed)
    with pytest.raises(ApiError) as refused:
        auditor_client.request(
            "POST",
            "/audits",
            json={
                "claim_id": claim["claim_id"],
                "verdict": "approved",
                "report_hash": answer["claims"][0]["report_hash"],
                "nonce": typed["message"]["nonce"],
                "deadline": typed["message"]["deadline"],
                "signature": "0x" + forged.hex(),
            },
        )
    assert refused.value.status == 401


def test_each_document_is_sealed_for_the_auditors_in_force_when_it_is_submitted(api: Api) -> None:
    """The auditors a new document is wrapped for follow the registry from one claim to the
    next: an auditor admitted between two claims reads the second, not the first; once it is
    suspended, the next claim is not wrapped for it."""
    firm = api.admit("Sealing Freight")
    firm_client = api.client(firm)
    first = firm_client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
    auditor = api.admit("Auditor Admitted Late", roles=("auditor",))
    auditor_client = api.client(auditor)  # registers its vault key
    raw = as_bytes(example("carrier_footprint.json", firm.address))
    second = firm_client.submit_claim(raw)
    assert auditor_client.document(second["claim_id"]) == raw
    with pytest.raises(ApiError) as before:
        auditor_client.document(first["claim_id"])
    assert before.value.status == 403

    api.suspend(auditor.address)
    third = firm_client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
    readers = {
        claim["claim_id"]: {
            r.lower() for r in api.services.vault.record(firm.address, claim["claim_id"]).readers
        }
        for claim in (second, third)
    }
    assert auditor.address.lower() in readers[second["claim_id"]]
    assert auditor.address.lower() not in readers[third["claim_id"]]
