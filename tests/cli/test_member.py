"""``carbonledger member``: an admin admits and suspends members from the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

from eth_account import Account
from web3 import Web3

from carbonledger.config import ANVIL_DEV_KEY_0
from carbonledger.standard import load_version
from tests.cli.conftest import Ledger, run_cli
from tests.cli.records import SECOND_ADMIN_KEY, deployed, set_quorum


def member_of(ledger: Ledger, account: str) -> tuple[str, int, int, str]:
    w3 = Web3(Web3.HTTPProvider(ledger.rpc_url))
    registry = deployed(ledger.data_dir, w3, "MemberRegistry")
    key, status, roles, _identifier, name = registry.functions.memberOf(account).call()
    return key, status, roles, name


def test_an_admin_admits_and_suspends_a_member_from_the_cli(ledger: Ledger) -> None:
    ledger.up()
    account = Account.create().address
    where = ["--data-dir", str(ledger.data_dir)]
    admitted = run_cli(
        "member", "admit", account, "--name", "宁波港物流", "--roles", "firm,auditor", *where
    )
    assert admitted.returncode == 0, admitted.stderr
    assert "executed" in admitted.stdout
    assert member_of(ledger, account) == (account, 1, 2 | 4, "宁波港物流")

    suspended = run_cli("member", "suspension", account, *where)
    assert suspended.returncode == 0, suspended.stderr
    assert member_of(ledger, account)[1] == 2

    bad = run_cli("member", "admit", account, "--name", "x", "--roles", "boss", *where)
    assert bad.returncode == 1
    assert "error: --roles: unknown role(s) ['boss']" in bad.stderr
    assert ledger.down().returncode == 0


def test_an_admin_lists_the_quorum_and_the_pending_proposals_of_both_registries(
    ledger: Ledger, tmp_path: Path
) -> None:
    ledger.up()
    where = ["--data-dir", str(ledger.data_dir)]
    second, firm = Account.from_key(SECOND_ADMIN_KEY), Account.create().address
    for account, name, roles in (
        (second.address, "Admin B", "admin"),
        (firm, "宁波港物流", "firm"),
    ):
        admitted = run_cli("member", "admit", account, "--name", name, "--roles", roles, *where)
        assert admitted.returncode == 0, admitted.stderr
    w3 = Web3(Web3.HTTPProvider(ledger.rpc_url))
    members = deployed(ledger.data_dir, w3, "MemberRegistry")
    set_quorum(w3, members, ANVIL_DEV_KEY_0, 2)
    # the first admin proposes a suspension and a standard publication: each waits at 1 of 2
    suspension = run_cli("member", "suspension", firm, *where)
    assert suspension.returncode == 0, suspension.stderr
    found = re.search(r"proposal (\d+): waiting for more admin approvals", suspension.stdout)
    assert found, suspension.stdout
    suspension_id = int(found.group(1))
    publication = run_cli("standard", "publish", "--version", "1.0.0", *where)
    assert publication.returncode == 0, publication.stderr
    publication_id = json.loads(publication.stdout)["proposal_id"]

    keystore = tmp_path / "admin-b.json"
    keystore.write_text(json.dumps(Account.encrypt(SECOND_ADMIN_KEY, "s3cret", kdf="pbkdf2")))
    as_b = ["--key", str(keystore), *where]
    env = {"CARBONLEDGER_KEY_PASSWORD": "s3cret"}

    listed = run_cli("member", "proposals", *as_b, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "admin quorum: 2 of 2 admin(s) approve each" in listed.stdout
    assert "2 pending proposal(s)" in listed.stdout
    rows = [line for line in listed.stdout.splitlines() if " · " in line]
    suspend_row = next(r for r in rows if f"members · {suspension_id} " in r)
    assert "suspend 宁波港物流" in suspend_row and "1 / 2" in suspend_row
    assert "pending" in suspend_row and "you approved" not in suspend_row
    publish_row = next(r for r in rows if f"standards · {publication_id} " in r)
    assert "publish standard" in publish_row and "1 / 2" in publish_row
    assert "carbonledger member approve ID" in listed.stdout

    as_json = run_cli("member", "proposals", "--json", *as_b, env=env)
    assert as_json.returncode == 0, as_json.stderr
    answer = json.loads(as_json.stdout)
    assert answer["quorum"] == members.functions.adminQuorum().call() == 2
    assert answer["admin_count"] == 2
    pending = {(p["registry"], p["proposal_id"]): p for p in answer["proposals"]}
    assert set(pending) == {("members", suspension_id), ("standards", publication_id)}
    suspend = pending["members", suspension_id]
    assert (suspend["action"], suspend["account"], suspend["status"]) == (
        "suspend",
        firm,
        "pending",
    )
    assert suspend["approvals"] == members.functions.approvalsOf(suspension_id).call() == 1
    assert not suspend["approved_by_caller"]
    publish = pending["standards", publication_id]
    assert publish["action"] == "publish" and publish["approvals"] == 1
    assert publish["content_hash"] == "0x" + load_version("1.0.0").content_hash.hex()

    # the second admin approves the suspension: it executes and leaves the pending list
    approved = run_cli("member", "approve", str(suspension_id), *as_b, env=env)
    assert approved.returncode == 0, approved.stderr
    assert member_of(ledger, firm)[1] == 2
    after = json.loads(run_cli("member", "proposals", "--json", *as_b, env=env).stdout)
    assert [(p["registry"], p["proposal_id"]) for p in after["proposals"]] == [
        ("standards", publication_id)
    ]
    every = run_cli("member", "proposals", "--all", *as_b, env=env)
    assert every.returncode == 0, every.stderr
    done = next(r for r in every.stdout.splitlines() if f"members · {suspension_id} " in r)
    assert "executed (you approved)" in done
    assert re.search(r"│ 2 +│", done), done  # two approvals (no quorum shown once decided)
    first_admin = Account.from_key(ANVIL_DEV_KEY_0).address
    assert re.search(rf"│ {first_admin} +│ 1 / 2", listed.stdout), listed.stdout

    stranger = tmp_path / "stranger.json"
    stranger.write_text(json.dumps(Account.encrypt(Account.create().key, "pw", kdf="pbkdf2")))
    refused = run_cli(
        "member", "proposals", "--key", str(stranger), *where,
        env={"CARBONLEDGER_KEY_PASSWORD": "pw"},
    )  # fmt: skip
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("error: ")
    assert ledger.down().returncode == 0
