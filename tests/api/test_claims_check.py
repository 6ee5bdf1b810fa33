"""POST /claims/check (the dry-run check), GET /chain's EIP-712 types, and the public read of
a claim (GET /public/claims/{id}), over HTTP against a real anvil."""

from __future__ import annotations

import time
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount

from carbonledger.chain.typed_data import eip712_types
from carbonledger.verify.abi import CLAIM_TYPE
from tests.api.conftest import Api, as_bytes, example


def _login(api: Api, account: LocalAccount) -> str:
    return api.client(account).login()


def _sign(chain: dict[str, Any], primary: str, message: dict[str, Any], key: bytes) -> str:
    """Sign with nothing but what GET /chain publishes (as the web app does)."""
    types = {"EIP712Domain": chain["eip712_types"]["EIP712Domain"]}
    types[primary] = chain["eip712_types"][primary]
    typed = {
        "types": types,
        "primaryType": primary,
        "domain": chain["claim_ledger_domain"],
        "message": message,
    }
    return "0x" + Account.sign_message(encode_typed_data(full_message=typed), key).signature.hex()


def test_get_chain_publishes_every_struct_the_contracts_check_and_both_domains(api: Api) -> None:
    chain = api.http().get("/chain").json()
    assert chain["eip712_types"] == eip712_types()
    claim = ",".join(f"{f['type']} {f['name']}" for f in chain["eip712_types"]["Claim"])
    assert f"Claim({claim})" == CLAIM_TYPE  # the verifier's (and ClaimLedger's) type string
    assert chain["overlap_settlement_domain"]["name"] == "CarbonLedger OverlapSettlement"
    assert (
        chain["overlap_settlement_domain"]["verifyingContract"]
        == chain["contracts"]["OverlapSettlement"]
    )


def test_the_dry_run_check_reports_a_failing_claim_and_stores_nothing(api: Api) -> None:
    firm = api.admit("Dry Run Freight")
    doc = example("carrier_footprint.json", firm.address)
    doc["declared"]["scope1"] = "1.000"
    with api.http(_login(api, firm)) as http:
        answer = http.post("/claims/check", json={"document": as_bytes(doc).decode()})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["passed"] is False
        assert "TOT001" in body["rules"] and body["rules"]["TOT001"]
        listed = http.get("/claims", params={"firm": firm.address}).json()
    assert listed["total"] == 0
    assert api.services.claims.next_nonce(firm.address) == 0


def test_the_struct_the_dry_run_gives_signed_with_chains_types_is_accepted(api: Api) -> None:
    firm = api.admit("Dry Run Carrier")
    document = as_bytes(example("carrier_footprint.json", firm.address)).decode()
    token = _login(api, firm)
    api.client(firm).register_vault_key()
    with api.http(token) as http:
        checked = http.post("/claims/check", json={"document": document}).json()
        assert checked["passed"] is True
        chain = http.get("/chain").json()
        nonce = http.get(f"/members/{firm.address}/nonce").json()["nonce"]
        deadline = int(time.time()) + 3600
        message = {**checked["claim"], "nonce": nonce, "deadline": deadline}
        signature = _sign(chain, "Claim", message, bytes(firm.key))
        submitted = http.post(
            "/claims",
            json={
                "document": document,
                "signature": signature,
                "nonce": nonce,
                "deadline": deadline,
            },
        )
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["claim_id"] == checked["claim_id"]
    assert submitted.json()["document_hash"] == checked["document_hash"]


def test_the_dry_run_check_refuses_another_firms_document_and_names_bad_fields(api: Api) -> None:
    firm = api.admit("Nosy Freight")
    other = Account.create()
    with api.http(_login(api, firm)) as http:
        foreign = example("carrier_footprint.json", other.address)
        refused = http.post("/claims/check", json={"document": as_bytes(foreign).decode()})
        assert refused.status_code == 403
        broken = example("carrier_footprint.json", firm.address)
        del broken["period"]
        invalid = http.post("/claims/check", json={"document": as_bytes(broken).decode()})
        assert invalid.status_code == 422
        assert any(p["field"].startswith("document.period") for p in invalid.json()["problems"])
    assert api.http().post("/claims/check", json={"document": "{}"}).status_code == 401


def test_many_documents_are_checked_in_one_request_each_as_the_single_check_answers(
    api: Api,
) -> None:
    firm = api.admit("Month of Shipments")
    passing = example("carrier_footprint.json", firm.address)
    failing = example("carrier_footprint.json", firm.address)
    failing["declared"]["scope1"] = "1.000"
    foreign = example("carrier_footprint.json", Account.create().address)
    broken = example("carrier_footprint.json", firm.address)
    del broken["period"]
    documents = [as_bytes(d).decode() for d in (passing, failing, foreign, broken)]
    with api.http(_login(api, firm)) as http:
        answer = http.post(
            "/claims/check/batch", json={"claims": [{"document": d} for d in documents]}
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        one_by_one = [http.post("/claims/check", json={"document": d}) for d in documents]
        too_many = http.post(
            "/claims/check/batch", json={"claims": [{"document": documents[0]}] * 1001}
        )
        listed = http.get("/claims", params={"firm": firm.address}).json()

    assert (body["passed"], body["failed"], body["refused"]) == (1, 1, 2)
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    for result, single in zip(results[:2], one_by_one[:2], strict=True):
        assert result["check"] == single.json() and result["error"] is None
    assert results[1]["check"]["passed"] is False and "TOT001" in results[1]["check"]["rules"]
    for result, single in zip(results[2:], one_by_one[2:], strict=True):
        assert result["check"] is None
        assert result["error"]["status"] == single.status_code
        assert result["error"]["detail"] == single.json()["detail"]
        assert result["error"]["problems"] == single.json().get("problems")
    assert [r["error"]["status"] for r in results[2:]] == [403, 422]
    assert too_many.status_code == 422
    assert "1001 claims exceed the limit max_batch_claims=1000" in too_many.json()["detail"]
    assert listed["total"] == 0  # nothing stored


def test_anyone_reads_a_claim_as_the_chain_holds_it_without_logging_in(api: Api) -> None:
    firm = api.admit("公开运输有限公司")
    answer = api.client(firm).submit_claim(
        as_bytes(example("carrier_footprint.json", firm.address))
    )
    public = api.http().get(f"/public/claims/{answer['claim_id']}")
    assert public.status_code == 200, public.text
    body = public.json()
    onchain = answer["check"]["report"]["onchain_kgco2e"]
    assert body["firm"] == firm.address and body["firm_name"] == "公开运输有限公司"
    assert body["document_hash"] == answer["document_hash"]
    assert body["totals_kgco2e"]["scope1"] == onchain["scope1"]
    assert body["totals_kgco2e"]["scope3"] == onchain["scope3"]
    assert (body["period_start"], body["period_end"]) == (
        answer["period_start"],
        answer["period_end"],
    )
    assert (body["status"], body["check"], body["tx_hash"]) == (
        "active",
        "passed",
        answer["tx_hash"],
    )
    assert api.http().get("/public/claims/0x" + "00" * 32).status_code == 404
    bad = api.http().get("/public/claims/not-an-id")
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "claim_id"


def test_anyone_checks_a_pact_footprint_without_an_anchor_and_gets_findings_not_an_error(
    api: Api,
) -> None:
    with api.http() as http:
        answer = http.post(
            "/public/footprints/verify", json={"footprint": {"id": "not-a-footprint"}}
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["ok"] is False and body["pf_id"] == "not-a-footprint"
        assert any(f["check"] == "anchor extension" and f["ok"] is False for f in body["findings"])
        wrong = http.post("/public/footprints/verify", json={"footprint": [1, 2]})
        assert wrong.status_code == 422 and "footprint" in wrong.text
