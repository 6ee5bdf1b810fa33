"""The read routes: chain, standards, members, vault keys; and the OpenAPI document."""

from __future__ import annotations

import pytest

from carbonledger.client import ApiError
from tests.api.conftest import Api


def test_chain_info_names_the_contracts_domain_and_standard(api: Api) -> None:
    with api.http() as http:
        info = http.get("/chain").json()
    assert info["chain_id"] == 31337
    assert set(info["contracts"]) >= {"MemberRegistry", "ClaimLedger", "StandardRegistry"}
    assert info["claim_ledger_domain"]["verifyingContract"] == info["contracts"]["ClaimLedger"]
    assert info["standard"]["content_hash"] == "0x" + api.services.standard.content_hash.hex()
    assert info["standard"]["onchain_version"] >= 1


def test_standards_list_the_published_versions(api: Api) -> None:
    client = api.client(api.admit("Standards Reader"))
    page = client.request("GET", "/standards")
    ours = [s for s in page["items"] if s["checked_here"]]
    assert len(ours) == 1 and ours[0]["status"] == "active"
    assert page["total"] >= 1


def test_members_are_listed_and_a_non_member_is_404(api: Api) -> None:
    firm = api.admit("成都物流集团", roles=("firm",))
    client = api.client(firm)
    me = client.request("GET", f"/members/{firm.address}")
    assert me["name"] == "成都物流集团" and me["roles"] == ["firm"] and me["status"] == "active"
    total = client.request("GET", "/members", params={"page_size": 1})["total"]
    # every page (the session's chain holds the members of every test before this one)
    listed: list[str] = []
    for number in range(1, total // 200 + 2):
        page = client.request("GET", "/members", params={"page_size": 200, "page": number})
        assert page["total"] == total
        listed += [m["account"] for m in page["items"]]
    assert len(listed) == len(set(listed)) == total and firm.address in listed
    with pytest.raises(ApiError) as missing:
        client.request("GET", "/members/0x000000000000000000000000000000000000dEaD")
    assert missing.value.status == 404


def test_a_member_path_that_is_not_an_address_is_422_naming_the_account(api: Api) -> None:
    """The three member routes that take an account in the path answer through the one error
    map: 422, a detail and a problem naming ``account``."""
    token = api.client(api.admit("Path Typo Ltd")).token
    with api.http(token) as http:
        for path in ("/members/0x12", "/members/0x12/nonce", "/members/not-hex/vault-key"):
            answer = http.get(path)
            assert answer.status_code == 422, (path, answer.text)
            body = answer.json()
            assert "is not an address" in body["detail"], body
            assert [p["field"] for p in body["problems"]] == ["account"], body


def test_a_bad_vault_key_is_refused_422(api: Api) -> None:
    client = api.client(api.admit("Key Typo Ltd"))
    with pytest.raises(ApiError) as refused:
        client.request("PUT", "/members/me/vault-key", json={"public_key": "12"})
    assert refused.value.status == 422


def test_the_openapi_document_describes_auth_and_errors_of_every_route(api: Api) -> None:
    with api.http() as http:
        spec = http.get("/openapi.json").json()
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()
    public = {
        "/health",
        "/chain",
        "/auth/challenge",
        "/auth/token",
        "/public/claims/{claim_id}",
        "/public/footprints/verify",
    }
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if path in public:
                continue
            assert operation.get("security"), f"{method} {path} names no auth"
            assert "401" in operation["responses"], f"{method} {path} lacks its 401"


def test_many_members_records_are_read_in_batches_as_each_alone(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from carbonledger.chain import jsonrpc

    members = [api.admit(f"Batch Read Member {i}").address for i in range(3)]
    stranger = "0x" + "5a" * 20
    accounts = [*members, stranger, members[0]]
    ledger = api.services.ledger
    alone = [ledger.member_records([a])[0] for a in accounts]
    monkeypatch.setattr(jsonrpc, "BATCH_CALLS", 2)  # three batch requests for five accounts
    records = ledger.member_records(accounts)
    assert records == alone
    assert records[3] is None and records[0] is not None and records[0][4] == "Batch Read Member 0"
    page = api.services.members.page(0, 10_000)[1]
    assert {m.account for m in page} >= set(members)


def test_a_member_signs_in_with_its_rotated_key_and_no_longer_with_the_old_one(api: Api) -> None:
    from eth_account import Account

    from carbonledger.chain.sender import TxSender
    from carbonledger.client import LedgerClient

    firm = api.admit("Rotating Key Freight")
    api.client(firm)  # signs in with its first key
    new_key = Account.create()
    api.admin.transact({"to": firm.address, "value": 10**18}, "funding the firm's gas")
    registry = api.chain.contract("MemberRegistry")
    data = registry.encode_abi("rotateSigningKey", [new_key.address])
    TxSender(api.chain.w3, "0x" + bytes(firm.key).hex()).transact(
        {"to": registry.address, "data": data}, "rotating the firm's key"
    )
    rotated = LedgerClient(api.url, new_key, standard=api.services.standard)
    rotated.login()
    assert rotated.request("GET", f"/members/{firm.address}")["signing_key"] == new_key.address
    with pytest.raises(ApiError) as old:
        LedgerClient(api.url, firm, standard=api.services.standard).login()
    assert old.value.status in (401, 403)
