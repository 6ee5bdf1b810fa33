"""POST /claims and the reads, over HTTP against a real anvil and the deployed contracts."""

from __future__ import annotations

import csv
import io
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_utils.crypto import keccak
from openpyxl import load_workbook

from carbonledger.client import ApiError, LedgerClient
from carbonledger.standard import canonical_bytes
from carbonledger.vault.model import EncryptedEnvelope
from tests.api.conftest import Api, as_bytes, example, in_2023, serving, wait_checked
from tests.conftest import DeployedChain


def test_a_signed_footprint_is_checked_anchored_and_attested(api: Api) -> None:
    firm = api.admit("华东快运有限公司")
    client = api.client(firm)
    doc = example("carrier_footprint.json", firm.address)
    answer = client.submit_claim(as_bytes(doc))
    assert answer["state"] == "checked"
    assert answer["check"]["passed"] is True
    assert answer["tx_hash"] and answer["block_number"] and answer["check_tx_hash"]
    claim_id = answer["claim_id"]
    state = api.services.ledger.claim_state(bytes.fromhex(claim_id[2:]))
    assert (state.status, state.check, state.firm) == ("active", "passed", firm.address)
    report = answer["check"]["report"]
    assert answer["check"]["report_hash"] == "0x" + keccak(canonical_bytes(report)).hex()


def test_a_claim_that_fails_the_check_is_recorded_as_failed_with_its_report(api: Api) -> None:
    firm = api.admit("Failing Freight")
    client = api.client(firm)
    doc = example("carrier_footprint.json", firm.address)
    doc["declared"]["scope1"] = "1.000"  # far from the computed figure
    answer = client.submit_claim(as_bytes(doc))
    assert answer["state"] == "checked"
    assert answer["check"]["passed"] is False
    rules = {f["rule"] for f in answer["check"]["report"]["findings"]}
    assert "TOT001" in rules or any(r.startswith("TOT") for r in rules)
    state = api.services.ledger.claim_state(bytes.fromhex(answer["claim_id"][2:]))
    assert state.check == "failed"


def test_a_document_in_chinese_round_trips_byte_for_byte(api: Api) -> None:
    firm = api.admit("顺丰冷链仓储")
    client = api.client(firm)
    doc = example("warehouse_footprint.json", firm.address)
    doc["firm"]["name"] = "顺丰冷链仓储（上海）有限公司"  # noqa: RUF001
    raw = as_bytes(doc)
    answer = client.submit_claim(raw)
    assert client.document(answer["claim_id"]) == raw
    member = client.request("GET", f"/members/{firm.address}")
    assert member["name"] == "顺丰冷链仓储"


def test_a_tampered_document_is_refused_with_401(api: Api) -> None:
    firm = api.admit("Tamper Test Logistics")
    client = api.client(firm)
    doc = example("carrier_footprint.json", firm.address)
    chain = client.chain()
    nonce = client.next_nonce()
    deadline = int(time.time()) + 3600
    signature = client.sign_claim(as_bytes(doc), nonce=nonce, deadline=deadline, chain=chain)
    doc["firm"]["name"] = doc["firm"]["name"] + " "  # one byte more after signing
    with pytest.raises(ApiError) as refused:
        client.request(
            "POST",
            "/claims",
            json={
                "document": as_bytes(doc).decode(),
                "signature": "0x" + signature.hex(),
                "nonce": nonce,
                "deadline": deadline,
            },
        )
    assert refused.value.status == 401
    assert "not firm" in refused.value.detail and "current key" in refused.value.detail


def test_a_forged_signature_is_refused_with_401(api: Api) -> None:
    firm = api.admit("Forgery Victim Ltd")
    forger = Account.create()
    client = api.client(firm)
    doc = as_bytes(example("carrier_footprint.json", firm.address))
    chain = client.chain()
    nonce = client.next_nonce()
    deadline = int(time.time()) + 3600
    forged = api.client(forger, login=False).sign_claim(
        doc, nonce=nonce, deadline=deadline, chain=chain
    )
    with pytest.raises(ApiError) as refused:
        client.request(
            "POST",
            "/claims",
            json={
                "document": doc.decode(),
                "signature": "0x" + forged.hex(),
                "nonce": nonce,
                "deadline": deadline,
            },
        )
    assert refused.value.status == 401
    assert forger.address in refused.value.detail


def test_a_replayed_signature_is_refused_with_409(api: Api) -> None:
    firm = api.admit("Replay Freight")
    client = api.client(firm)
    doc = as_bytes(example("carrier_footprint.json", firm.address))
    chain = client.chain()
    nonce = client.next_nonce()
    deadline = int(time.time()) + 3600
    signature = client.sign_claim(doc, nonce=nonce, deadline=deadline, chain=chain)
    body = {
        "document": doc.decode(),
        "signature": "0x" + signature.hex(),
        "nonce": nonce,
        "deadline": deadline,
    }
    first = client.request("POST", "/claims", json=body)
    with pytest.raises(ApiError) as refused:
        client.request("POST", "/claims", json=body)
    assert refused.value.status == 409
    assert first["claim_id"] in refused.value.detail


def test_a_non_member_cannot_log_in_403(api: Api) -> None:
    stranger = Account.create()
    with pytest.raises(ApiError) as refused:
        api.client(stranger)
    assert refused.value.status == 403


def test_a_suspended_member_is_refused_403(api: Api) -> None:
    firm = api.admit("Suspended Shipping")
    client = api.client(firm)
    doc = as_bytes(example("carrier_footprint.json", firm.address))
    api.suspend(firm.address)
    with pytest.raises(ApiError) as refused:
        client.submit_claim(doc)
    assert refused.value.status == 403
    assert "suspended" in refused.value.detail


def test_a_suspended_members_malformed_claim_is_answered_422_for_its_body(api: Api) -> None:
    """POST /claims confirms the member in its own worker thread (one hand-off per request;
    carbonledger.auth.fastapi): a body that is not a claim request is answered first, and a
    well-formed one 403. A forged token is refused 401 before either."""
    firm = api.admit("Suspended Malformed Cargo")
    client = api.client(firm)
    api.suspend(firm.address)
    with pytest.raises(ApiError) as malformed:
        client.request("POST", "/claims", json={"document": {}, "nonce": -1})
    assert malformed.value.status == 422
    with pytest.raises(ApiError) as refused:
        client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
    assert refused.value.status == 403
    with api.http() as http:
        forged = http.request(
            "POST", "/claims", json={}, headers={"Authorization": "Bearer cl1.eyJzdWIiOiIweCJ9.AA"}
        )
    assert forged.status_code == 401


def test_a_firm_suspended_after_its_first_claim_is_refused_403_at_its_next(api: Api) -> None:
    """The service keeps what it read of the registries (the firm's state, who its key signs
    for, the standard's version) until either registry logs an event: read for the first
    claim, they must not outlive the suspension mined after it (sent with the admin's own
    key, not through the service, so only the chain's event tells the service)."""
    firm = api.admit("Later Suspended Freight")
    client = api.client(firm)
    first = client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
    assert first["state"] == "checked"
    api.suspend(firm.address)
    with pytest.raises(ApiError) as refused:
        client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
    assert refused.value.status == 403
    assert "suspended" in refused.value.detail


def test_a_malformed_document_is_refused_with_422_naming_the_field(api: Api) -> None:
    firm = api.admit("Malformed Movers")
    client = api.client(firm)
    doc = example("carrier_footprint.json", firm.address)
    doc["period"]["start"] = "2024-13-45"
    with pytest.raises(ApiError) as refused:
        client.request(
            "POST",
            "/claims",
            json={"document": doc, "signature": "0x" + "00" * 65, "nonce": 0, "deadline": 2**40},
        )
    assert refused.value.status == 422
    assert any("period.start" in str(p["field"]) for p in refused.value.problems)


def test_requests_without_a_token_get_401(api: Api) -> None:
    with api.http() as http:
        for method, path in (("GET", "/claims"), ("GET", "/members"), ("POST", "/claims")):
            assert http.request(method, path, json={}).status_code == 401


def test_an_unknown_claim_is_404(api: Api) -> None:
    firm = api.admit("Reader Co")
    client = api.client(firm)
    with pytest.raises(ApiError) as missing:
        client.claim("0x" + "ab" * 32)
    assert missing.value.status == 404


def test_claims_are_listed_by_firm_kind_and_state_with_pagination(api: Api) -> None:
    firm = api.admit("Listing Lines")
    client = api.client(firm)
    for _ in range(3):
        client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
    page = client.request(
        "GET", "/claims", params={"firm": firm.address, "page_size": 2, "kind": "footprint"}
    )
    assert page["total"] == 3 and len(page["items"]) == 2
    second = client.request(
        "GET", "/claims", params={"firm": firm.address, "page_size": 2, "page": 2}
    )
    assert len(second["items"]) == 1
    assert {i["firm"] for i in page["items"] + second["items"]} == {firm.address}


def test_a_claims_detail_has_its_on_chain_proof_and_history(api: Api) -> None:
    firm = api.admit("History Haulage")
    client = api.client(firm)
    answer = client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
    deadline = time.monotonic() + 20
    while True:
        detail = client.claim(answer["claim_id"])
        events = [e["event"] for e in detail["history"]]
        if "ClaimChecked" in events or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert events[:1] == ["ClaimSubmitted"] and "ClaimChecked" in events
    submitted = detail["history"][0]
    assert set(submitted) == {"event", "contract", "block_number", "tx_hash", "log_index", "args"}
    assert submitted["tx_hash"] == answer["tx_hash"]
    assert submitted["block_number"] == answer["block_number"]
    assert detail["on_chain"] == {"status": "active", "check": "passed", "audit": "none"}


def test_a_reader_without_a_grant_gets_403_and_a_granted_partner_reads(api: Api) -> None:
    from carbonledger.vault.client import rewrap_for
    from carbonledger.vault.keys import public_key_from_hex
    from carbonledger.vault.model import EncryptedEnvelope

    owner = api.admit("Owner Freight")
    partner = api.admit("Partner Shipper")
    owner_client = api.client(owner)
    partner_client = api.client(partner)
    raw = as_bytes(example("carrier_footprint.json", owner.address))
    claim_id = owner_client.submit_claim(raw)["claim_id"]
    with pytest.raises(ApiError) as refused:
        partner_client.document(claim_id)
    assert refused.value.status == 403

    envelope = EncryptedEnvelope.from_json(
        owner_client.request("GET", f"/claims/{claim_id}/document")
    )
    partner_key = public_key_from_hex(
        owner_client.request("GET", f"/members/{partner.address}/vault-key")["public_key"]
    )
    wrapped = rewrap_for(partner_key, envelope, owner_client.vault.private_key)
    owner_client.request(
        "POST",
        f"/claims/{claim_id}/grants",
        json={"reader": partner.address, "wrapped_key": wrapped.hex()},
    )
    assert partner_client.document(claim_id) == raw
    owner_client.request("DELETE", f"/claims/{claim_id}/grants/{partner.address}")
    with pytest.raises(ApiError) as revoked:
        partner_client.document(claim_id)
    assert revoked.value.status == 403


def _ephemeral_keys(client: LedgerClient, firm: str, claims: int) -> list[bytes]:
    """Submit ``claims`` claims of ``firm``, open each as the firm, and give the ephemeral
    public key its wrapped data key was made with."""
    out = []
    for _ in range(claims):
        raw = as_bytes(example("carrier_footprint.json", firm))
        claim_id = client.submit_claim(raw)["claim_id"]
        assert client.document(claim_id) == raw
        envelope = client.request("GET", f"/claims/{claim_id}/document")
        out.append(EncryptedEnvelope.from_json(envelope).wrapped_key[1:33])
    return out


def test_a_firms_claims_sealed_within_the_minute_share_one_ephemeral_key_and_each_opens(
    api: Api,
) -> None:
    firm = api.admit("Kept Pair Freight")
    first, second = _ephemeral_keys(api.client(firm), firm.address, 2)
    assert first == second


def test_with_vault_wrap_reuse_0_each_claim_is_wrapped_under_its_own_ephemeral_key(
    deployed_chain: DeployedChain, tmp_path: Path
) -> None:
    with serving(deployed_chain, tmp_path, vault_wrap_reuse=0) as api:
        firm = api.admit("Pair Per Request Freight")
        first, second = _ephemeral_keys(api.client(firm), firm.address, 2)
    assert first != second


def test_claims_are_listed_last_accepted_first_with_order_newest(api: Api) -> None:
    firm = api.admit("Newest First Freight")
    client = api.client(firm)
    ids = [
        client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))["claim_id"]
        for _ in range(3)
    ]
    query = {"firm": firm.address, "page_size": 2}
    first = client.request("GET", "/claims", params={**query, "order": "newest"})
    second = client.request("GET", "/claims", params={**query, "order": "newest", "page": 2})
    assert [c["claim_id"] for c in first["items"] + second["items"]] == ids[::-1]
    assert first["total"] == 3
    default = client.request("GET", "/claims", params={**query, "page_size": 3})
    assert [c["claim_id"] for c in default["items"]] == ids
    with pytest.raises(ApiError) as bad:
        client.request("GET", "/claims", params={**query, "order": "latest"})
    assert bad.value.status == 422
    assert [p["field"] for p in bad.value.problems] == ["query.order"]


def _scope1(claim: dict[str, Any]) -> Decimal:
    return Decimal(claim["check"]["report"]["totals"]["scope1"])


def test_a_firms_footprint_by_period_sums_the_footprints_in_force(api: Api) -> None:
    firm = api.admit("Period Sums Logistics")
    client = api.client(firm)

    def submit(doc: dict[str, Any], supersedes: str | None = None) -> str:
        amends = bytes.fromhex(supersedes[2:]) if supersedes else b"\0" * 32
        return str(client.submit_claim(as_bytes(doc), supersedes=amends)["claim_id"])

    a = submit(example("carrier_footprint.json", firm.address))
    b = submit(example("carrier_footprint.json", firm.address))
    last_year = submit(in_2023(example("carrier_footprint.json", firm.address)))
    amended = submit(example("carrier_footprint.json", firm.address), supersedes=b)
    claims = {c["claim_id"]: c for c in client.claims(firm=firm.address)}
    assert claims[last_year]["check"]["passed"] and claims[amended]["check"]["passed"]

    answer = client.request("GET", "/claims/periods", params={"firm": firm.address.lower()})
    assert answer["firm"] == firm.address and answer["left_out"] == 1  # b, superseded
    assert [(p["claims"], p["period_start"]) for p in answer["periods"]] == [
        (1, claims[last_year]["period_start"]),
        (2, claims[a]["period_start"]),  # a and the amendment; b is not counted twice
    ]
    assert Decimal(answer["periods"][1]["scope1"]) == _scope1(claims[a]) + _scope1(claims[amended])
    assert Decimal(answer["periods"][0]["scope1"]) == _scope1(claims[last_year])

    client.revoke_claim(a, "counted in the amendment's period by mistake")
    mine = client.request("GET", "/claims/periods")  # no firm: the caller's
    assert mine["left_out"] == 2
    assert [p["claims"] for p in mine["periods"]] == [1, 1]
    assert Decimal(mine["periods"][1]["scope1"]) == _scope1(claims[amended])


def test_footprint_periods_name_a_firm_that_is_not_an_address(api: Api) -> None:
    client = api.client(api.admit("Periods Asker"))
    with pytest.raises(ApiError) as bad:
        client.request("GET", "/claims/periods", params={"firm": "not-an-address"})
    assert bad.value.status == 422
    assert [p["field"] for p in bad.value.problems] == ["firm"]
    nobody = client.request("GET", "/claims/periods", params={"firm": "0x" + "12" * 20})
    assert nobody["periods"] == [] and nobody["left_out"] == 0


def test_an_export_longer_than_a_page_holds_every_claim_in_order_with_its_count(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    firm = api.admit("Export Pages Express")
    client = api.client(firm)
    years = (in_2023, lambda doc: doc, in_2023, lambda doc: doc, lambda doc: doc)
    ids = [
        client.submit_claim(as_bytes(year(example("carrier_footprint.json", firm.address))))[
            "claim_id"
        ]
        for year in years
    ]
    monkeypatch.setattr(api.services.reports, "page_size", 2)  # three pages
    http = httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {client.token}"})
    with http:
        answer = http.get("/claims/export", params={"format": "csv"})
        body = http.get("/claims/export", params={"format": "json"}).json()
        xlsx = http.get("/claims/export", params={"format": "xlsx"}).content
    assert answer.status_code == 200 and answer.headers["X-Claim-Count"] == "5"
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["claim_id"] for r in rows if r["row"] == "claim"] == ids
    lines = len([r for r in rows if r["row"] == "line"])
    assert lines == 5 * 5  # each claim's five lines: the firm reads its documents
    assert [r["claim_id"] for r in body["rows"]] == [r["claim_id"] for r in rows]
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    assert [c[1] for c in sheet.iter_rows(min_row=2, values_only=True)] == [
        r["claim_id"] for r in rows
    ]
    narrowed = client.export_claims("csv", period_from="2024-01-01").decode("utf-8")
    assert narrowed.count("\nclaim,") == 3  # the three of 2024, whole


def test_an_export_link_opens_that_export_for_a_minute_without_the_bearer_token(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    firm = api.admit("Export Link Express")
    client = api.client(firm)
    documents = [year(example("carrier_footprint.json", firm.address)) for year in (in_2023, dict)]
    ids = [client.submit_claim(as_bytes(doc))["claim_id"] for doc in documents]
    wait_checked(client, ids)  # the export is read twice below: nothing may move in between
    query = {"format": "csv", "period_from": "2024-01-01"}
    bearer = {"Authorization": f"Bearer {client.token}"}
    with httpx.Client(base_url=api.url) as http:
        expected = http.get("/claims/export", params=query, headers=bearer)
        link = http.post("/claims/export/link", params=query, headers=bearer)
        assert link.status_code == 200, link.text
        url = link.json()["url"]
        assert url.startswith("/claims/export?") and "ticket=" in url
        answer = http.get(url)  # no Authorization header: what a browser's link sends
        assert answer.status_code == 200, answer.text
        assert answer.content == expected.content and answer.headers["X-Claim-Count"] == "1"
        assert answer.headers["Content-Disposition"].startswith("attachment;")

        ticket = url.split("ticket=")[1]
        other = http.get("/claims/export", params={"format": "json", "ticket": ticket})
        assert other.status_code == 401
        assert other.json()["detail"] == (
            "invalid download link: it was issued for another download; ask for a new link"
        )
        as_bearer = http.get("/claims", headers={"Authorization": f"Bearer {ticket}"})
        assert as_bearer.status_code == 401 and "invalid bearer token" in as_bearer.json()["detail"]
        bearer_as_ticket = http.get("/claims/export", params={**query, "ticket": client.token})
        assert bearer_as_ticket.status_code == 401
        assert "it was issued for another download" in bearer_as_ticket.json()["detail"]
        bad = http.post("/claims/export/link", params={"firm": "nobody"}, headers=bearer)
        assert bad.status_code == 422 and "firm" in bad.text

        auth = api.services.auth
        later = auth._clock() + auth.settings.download_link_ttl
        monkeypatch.setattr(auth, "_clock", lambda: later)
        expired = http.get(url)
        assert expired.status_code == 401
        assert expired.json()["detail"].startswith("the download link expired at ")
        assert "ask for a new link" in expired.json()["detail"]
