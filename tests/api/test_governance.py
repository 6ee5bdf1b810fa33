"""/governance: an admin's proposal prepared by the service, signed by the admin's own key
outside it (as the web app does in the page), and relayed; what may not be relayed."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from carbonledger.chain.admin import ROLE_BITS
from carbonledger.config import ANVIL_DEV_KEY_0
from tests.api.conftest import Api


def _sign(account: LocalAccount, tx: dict[str, Any], **changes: Any) -> str:
    fields = {
        "chainId": tx["chain_id"],
        "to": tx["to"],
        "data": tx["data"],
        "nonce": tx["nonce"],
        "gas": tx["gas"],
        "gasPrice": tx["gas_price"],
        "value": tx["value"],
        **changes,
    }
    return "0x" + bytes(account.sign_transaction(fields).raw_transaction).hex()


def _admin_token(api: Api) -> str:
    client = api.client(Account.from_key(ANVIL_DEV_KEY_0))
    assert client._token
    return client._token


def test_an_admission_signed_outside_the_service_is_relayed_and_executed(api: Api) -> None:
    admin = Account.from_key(ANVIL_DEV_KEY_0)
    newcomer = Account.create()
    registry = api.chain.contract("MemberRegistry")
    with api.http(_admin_token(api)) as http:
        answer = http.post(
            "/governance/transactions/unsigned",
            json={
                "action": "admit",
                "account": newcomer.address,
                "name": "杭州绿色仓储",
                "roles": ["firm"],
            },
        )
        assert answer.status_code == 200, answer.text
        tx = answer.json()
        assert tx["sender"] == admin.address and tx["to"] == registry.address
        relayed = http.post("/governance/transactions", json={"raw": _sign(admin, tx)})
        assert relayed.status_code == 200, relayed.text
        outcome = relayed.json()
        assert "ProposalCreated" in outcome["events"]
        # quorum 1: the proposal waits only for its execution, another signed transaction
        assert outcome["ready_to_execute"] and not outcome["executed"]
        execute = http.post(
            "/governance/transactions/unsigned",
            json={
                "action": "execute",
                "registry": "members",
                "proposal_id": outcome["proposal_id"],
            },
        ).json()
        done = http.post("/governance/transactions", json={"raw": _sign(admin, execute)}).json()
        assert done["executed"] and done["proposal_id"] == outcome["proposal_id"]
        assert registry.functions.hasRole(newcomer.address, ROLE_BITS["firm"]).call()
        listed = http.get("/governance").json()
        mine = [p for p in listed["proposals"] if p["proposal_id"] == outcome["proposal_id"]]
        assert mine[0]["registry"] == "members" and mine[0]["status"] == "executed"
        assert mine[0]["name"] == "杭州绿色仓储" and mine[0]["approved_by_caller"]
        assert {s["methodology_version"] for s in listed["standards"]} >= {"1.0.0", "1.1.0"}
    api.admin.resync()  # the deployer's key sent these outside the tests' own sender


def test_what_the_chain_would_refuse_is_refused_before_signing_with_its_error(api: Api) -> None:
    member = api.admit("Already Here Ltd")
    with api.http(_admin_token(api)) as http:
        again = http.post(
            "/governance/transactions/unsigned",
            json={"action": "admit", "account": member.address, "name": "again", "roles": ["firm"]},
        )
        assert again.status_code == 409
        assert "MemberRegistryAlreadyMember" in again.json()["detail"]
        bad = http.post(
            "/governance/transactions/unsigned",
            json={"action": "suspend", "account": "0x1234"},
        )
        assert bad.status_code == 422 and "account" in bad.text
        roles = http.post(
            "/governance/transactions/unsigned",
            json={"action": "set_roles", "account": member.address, "roles": ["king"]},
        )
        assert roles.status_code == 422 and "roles" in roles.text
        version = http.post(
            "/governance/transactions/unsigned",
            json={"action": "publish_standard", "methodology_version": "9.9.9"},
        )
        assert version.status_code == 422 and "methodology_version" in version.text


def test_only_the_signed_in_admins_own_transactions_to_the_registries_are_relayed(
    api: Api,
) -> None:
    admin = Account.from_key(ANVIL_DEV_KEY_0)
    stranger = Account.create()
    with api.http(_admin_token(api)) as http:
        tx = http.post(
            "/governance/transactions/unsigned",
            json={"action": "set_quorum", "quorum": 1},
        )
        # quorum already 1: the proposal is still valid (a no-op change is the chain's call)
        prepared = tx.json() if tx.status_code == 200 else None
        template = prepared or {
            "chain_id": api.chain.deployment.chain_id,
            "to": api.chain.contract("MemberRegistry").address,
            "data": "0x",
            "nonce": 0,
            "gas": 100_000,
            "gas_price": 10**9,
            "value": 0,
        }
        other_key = http.post("/governance/transactions", json={"raw": _sign(stranger, template)})
        assert other_key.status_code == 403 and "not by the signed-in member" in other_key.text
        elsewhere = _sign(admin, template, to=api.chain.contract("ClaimLedger").address)
        refused = http.post("/governance/transactions", json={"raw": elsewhere})
        assert refused.status_code == 403 and "MemberRegistry" in refused.text
        garbage = http.post("/governance/transactions", json={"raw": "0xdeadbeef"})
        assert garbage.status_code == 422 and "raw" in garbage.text


def test_a_firm_may_not_prepare_or_relay_admin_transactions(api: Api) -> None:
    firm = api.admit("Not An Admin GmbH")
    client = api.client(firm)
    with api.http(client._token) as http:
        answer = http.post(
            "/governance/transactions/unsigned", json={"action": "set_quorum", "quorum": 2}
        )
        assert answer.status_code == 403
        assert http.post("/governance/transactions", json={"raw": "0x00"}).status_code == 403
        assert http.get("/governance").status_code == 200  # any member reads the proposals
