"""An auditor verifies a firm's history through the API and records a signed verdict."""

from __future__ import annotations

import html
import time
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

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


# --- several verdicts in one request ---


Json = dict[str, Any]


def _verdicts(auditor: LocalAccount, claims: list[Json], first: int) -> list[Json]:
    """Each claim's verdict to sign, signed by ``auditor`` with nonces from ``first`` on."""
    out = []
    for k, claim in enumerate(claims):
        typed = claim["verdict_to_sign"]
        message = {**typed["message"], "nonce": first + k, "claimId": claim["claim_id"]}
        typed = {**typed, "message": message}
        signature = sign_typed_data(bytes(auditor.key), typed)
        out.append(
            {
                "claim_id": claim["claim_id"],
                "verdict": "approved",
                "report_hash": claim["report_hash"],
                "nonce": first + k,
                "deadline": typed["message"]["deadline"],
                "signature": "0x" + signature.hex(),
            }
        )
    return out


def _expired(claim: Json) -> Json:
    """``claim`` with its verdict to sign valid until a minute ago."""
    typed = claim["verdict_to_sign"]
    message = {**typed["message"], "deadline": int(time.time()) - 60}
    return {**claim, "verdict_to_sign": {**typed, "message": message}}


def _history(api: Api, firm_name: str, count: int) -> tuple[LocalAccount, LocalAccount, list[Json]]:
    firm = api.admit(firm_name)
    auditor = api.admit(f"Auditor of {firm_name}", roles=("auditor",))
    client = api.client(firm)
    for k in range(count):
        document = {**example("carrier_footprint.json", firm.address), "claim_id": f"ship-{k}"}
        assert client.submit_claim(as_bytes(document))["state"] == "checked"
    answer = api.client(auditor).request("POST", "/audits/verify", json={"firm": firm.address})
    assert answer["ok"] is True
    return firm, auditor, answer["claims"]


def test_an_auditor_records_a_page_of_verdicts_in_one_request(api: Api) -> None:
    firm, auditor, claims = _history(api, "Batch Audited Freight", 5)
    client = api.client(auditor)
    first = client.request("GET", f"/members/{auditor.address}/nonce")["nonce"]
    answer = client.request(
        "POST", "/audits/batch", json={"verdicts": _verdicts(auditor, claims, first)}
    )
    assert answer["reverted"] == []
    assert [r["claim_id"] for r in answer["recorded"]] == [c["claim_id"] for c in claims]
    for claim in claims:
        state = api.services.ledger.claim_state(bytes.fromhex(str(claim["claim_id"])[2:]))
        assert state.audit == "approved"
    assert api.services.ledger.nonce(auditor.address) == first + len(claims)
    again = client.request("POST", "/audits/verify", json={"firm": firm.address})
    assert {c["audit"] for c in again["claims"]} == {"approved"}
    assert {c["audit"] for c in claims} == {"none"}


@pytest.mark.parametrize(
    ("spoil", "status", "says"),
    [
        ("nonce", 409, "verdicts[2] is signed with nonce"),
        ("signature", 401, "verdicts[1]'s signature is not"),
        ("twice", 422, "verdicts[3].claim_id"),
        ("audited", 409, "verdicts[0]: claim 0x"),
        ("deadline", 422, "verdicts[1].deadline"),
        ("unknown", 404, "verdicts[2]: no claim 0x"),
    ],
)
def test_a_batch_with_one_bad_verdict_is_refused_naming_it_and_sends_none(
    api: Api, spoil: str, status: int, says: str
) -> None:
    _firm, auditor, claims = _history(api, f"Spoilt Batch {spoil}", 4)
    client = api.client(auditor)
    first = client.request("GET", f"/members/{auditor.address}/nonce")["nonce"]
    verdicts = _verdicts(auditor, claims, first)
    if spoil == "audited":  # the first claim is audited already, by a verdict of its own
        client.request("POST", "/audits/batch", json={"verdicts": verdicts[:1]})
        verdicts = _verdicts(auditor, claims, first + 1)
    elif spoil == "nonce":
        verdicts[2] = _verdicts(auditor, [claims[2]], first + 7)[0]
    elif spoil == "signature":
        verdicts[1]["signature"] = verdicts[0]["signature"]
    elif spoil == "twice":
        verdicts[3] = {**verdicts[0], "nonce": first + 3}
    elif spoil == "deadline":
        verdicts[1] = _verdicts(auditor, [_expired(claims[1])], first + 1)[0]
    elif spoil == "unknown":
        verdicts[2] = _verdicts(auditor, [{**claims[2], "claim_id": "0x" + "77" * 32}], first + 2)[
            0
        ]
    before = api.services.ledger.nonce(auditor.address)
    with pytest.raises(ApiError) as refused:
        client.request("POST", "/audits/batch", json={"verdicts": verdicts})
    assert refused.value.status == status
    assert says in str(refused.value)
    assert api.services.ledger.nonce(auditor.address) == before
    audited = [
        api.services.ledger.claim_state(bytes.fromhex(str(c["claim_id"])[2:])).audit
        for c in claims[1:]
    ]
    assert audited == ["none"] * 3


def test_an_empty_or_oversized_batch_names_the_field(api: Api) -> None:
    auditor = api.admit("Batch Size Auditor", roles=("auditor",))
    client = api.client(auditor)
    for verdicts in ([], [{}] * 201):
        with pytest.raises(ApiError) as refused:
            client.request("POST", "/audits/batch", json={"verdicts": verdicts})
        assert refused.value.status == 422
        assert "verdicts" in str(refused.value)


# --- a sample of a firm's claims ---


def test_an_auditor_verifies_a_sample_anyone_can_draw_again_from_its_seed(api: Api) -> None:
    firm, auditor, every = _history(api, "Sampled Freight", 6)
    client = api.client(auditor)
    answer = client.request(
        "POST", "/audits/verify", json={"firm": firm.address, "sample": 3, "seed": "audit 2026"}
    )
    assert answer["sample"] == {"size": 3, "population": 6, "seed": "audit 2026"}
    ids = sorted(c["claim_id"] for c in answer["claims"])
    # the sample drawn here, from the rule alone: the smallest keccak-256(seed ‖ claim id)
    ranked = sorted(
        (c["claim_id"] for c in every),
        key=lambda cid: keccak(b"audit 2026" + bytes.fromhex(cid[2:])),
    )
    assert ids == sorted(ranked[:3])
    assert answer["ok"] is True and answer["summary"].startswith("3 claim")
    # the same seed draws the same claims; no seed draws with a new one, said in the answer
    again = client.request(
        "POST", "/audits/verify", json={"firm": firm.address, "sample": 3, "seed": "audit 2026"}
    )
    assert sorted(c["claim_id"] for c in again["claims"]) == ids
    fresh = client.request("POST", "/audits/verify", json={"firm": firm.address, "sample": 2})
    assert len(fresh["claims"]) == 2 and len(fresh["sample"]["seed"]) == 16
    # a sample as large as the history is the history
    whole = client.request("POST", "/audits/verify", json={"firm": firm.address, "sample": 6})
    assert whole["sample"] is None and len(whole["claims"]) == 6

    # the report of the sample says so, and lists only the sample's claims
    with api.http(client._token) as http:
        report = http.post(
            "/audits/report", json={"firm": firm.address, "sample": 3, "seed": "audit 2026"}
        )
    assert report.status_code == 200, report.text
    page = html.unescape(report.text)
    assert "a sample of 3 of the firm's 6 claims" in page
    assert all(cid in page for cid in ids)
    assert not any(c["claim_id"] in page for c in every if c["claim_id"] not in ids)


@pytest.mark.parametrize(
    ("by_claim", "body", "field"),
    [
        (True, {"sample": 2}, "sample"),  # a sample is drawn from a firm's claims
        (False, {"sample": 0}, "sample"),
        (False, {"sample": 2, "seed": ""}, "seed"),
    ],
)
def test_a_sample_that_cannot_be_drawn_names_the_field(
    api: Api, by_claim: bool, body: dict[str, Any], field: str
) -> None:
    firm, auditor, every = _history(api, f"Unsampled {field} {by_claim} {len(body)}", 1)
    target = {"claim_id": every[0]["claim_id"]} if by_claim else {"firm": firm.address}
    with pytest.raises(ApiError) as refused:
        api.client(auditor).request("POST", "/audits/verify", json={**target, **body})
    assert refused.value.status == 422
    assert field in str(refused.value)


@pytest.mark.parametrize("drawn", ["amendment", "amended"])
def test_an_amendment_or_the_claim_it_amends_is_judged_alone_in_a_sample(
    api: Api, drawn: str
) -> None:
    firm = api.admit(f"Sampled Amendments ({drawn})")
    auditor = api.admit(f"Auditor of Sampled Amendments ({drawn})", roles=("auditor",))
    client = api.client(firm)
    ids = [client.submit_claim(as_bytes(doc))["claim_id"] for doc in _trips(firm.address, 3)]
    amended = ids[1]
    amendment = client.submit_claim(
        as_bytes(_trips(firm.address, 4)[3]), supersedes=bytes.fromhex(amended[2:])
    )["claim_id"]
    # a seed whose sample of one is that claim alone (not the other of the pair)
    wanted = amendment if drawn == "amendment" else amended
    seed = next(
        f"s{k}" for k in range(1000)
        if min([*ids, amendment], key=lambda c: keccak(f"s{k}".encode() + bytes.fromhex(c[2:])))
        == wanted
    )  # fmt: skip
    answer = api.client(auditor).request(
        "POST", "/audits/verify", json={"firm": firm.address, "sample": 1, "seed": seed}
    )
    assert [c["claim_id"] for c in answer["claims"]] == [wanted]
    failures = [f for c in answer["claims"] for f in c["findings"] if f["result"] == "FAILS"]
    assert answer["ok"] is True, failures


def _trips(firm: str, count: int) -> list[dict[str, Any]]:
    return [
        {**example("carrier_footprint.json", firm), "claim_id": f"trip-{k}"} for k in range(count)
    ]
