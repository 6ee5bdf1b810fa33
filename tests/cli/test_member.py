"""``carbonledger member``: an admin admits and suspends members from the command line."""

from __future__ import annotations

import json

from eth_account import Account
from web3 import Web3

from carbonledger.chain.artifacts import load_artifacts
from carbonledger.config import DEFAULT_PROJECT_ROOT
from tests.cli.conftest import Ledger, run_cli


def member_of(ledger: Ledger, account: str) -> tuple[str, int, int, str]:
    manifest = json.loads((ledger.data_dir / "deployment.json").read_text())
    w3 = Web3(Web3.HTTPProvider(ledger.rpc_url))
    registry = w3.eth.contract(
        address=manifest["contracts"]["MemberRegistry"]["address"],
        abi=load_artifacts(DEFAULT_PROJECT_ROOT)["MemberRegistry"].abi,
    )
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
