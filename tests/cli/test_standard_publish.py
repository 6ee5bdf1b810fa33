"""``carbonledger standard publish|approve|retire``: k-of-n governance of standard versions."""

from __future__ import annotations

import json
from pathlib import Path

from eth_account import Account
from web3 import Web3

from carbonledger.config import ANVIL_DEV_KEY_0
from carbonledger.standard import load_version
from tests.cli.conftest import Ledger, run_cli
from tests.cli.records import SECOND_ADMIN_KEY, deployed, set_quorum


def test_at_quorum_two_a_publication_waits_for_a_second_admins_approval(
    ledger: Ledger, tmp_path: Path
) -> None:
    ledger.up()
    where = ["--data-dir", str(ledger.data_dir)]
    second = Account.from_key(SECOND_ADMIN_KEY)
    admitted = run_cli(
        "member", "admit", second.address, "--name", "Admin B", "--roles", "admin", *where
    )
    assert admitted.returncode == 0, admitted.stderr
    w3 = Web3(Web3.HTTPProvider(ledger.rpc_url))
    set_quorum(w3, deployed(ledger.data_dir, w3, "MemberRegistry"), ANVIL_DEV_KEY_0, 2)

    v1 = load_version("1.0.0")
    standards: object = deployed(ledger.data_dir, w3, "StandardRegistry")
    proposed = run_cli("standard", "publish", "--version", "1.0.0", *where)
    assert proposed.returncode == 0, proposed.stderr
    out = json.loads(proposed.stdout)
    assert (out["executed"], out["onchain_version"]) == (False, None)
    assert standards.functions.versionByContent(v1.content_hash).call() == 0  # type: ignore[attr-defined]

    keystore = tmp_path / "admin-b.json"
    keystore.write_text(json.dumps(Account.encrypt(SECOND_ADMIN_KEY, "s3cret", kdf="pbkdf2")))
    env = {"CARBONLEDGER_KEY_PASSWORD": "s3cret"}
    approved = run_cli(
        "standard", "approve", str(out["proposal_id"]), "--key", str(keystore), *where, env=env
    )
    assert approved.returncode == 0, approved.stderr
    done = json.loads(approved.stdout)
    number = standards.functions.versionByContent(v1.content_hash).call()  # type: ignore[attr-defined]
    assert number and done == {
        "proposal_id": out["proposal_id"],
        "executed": True,
        "onchain_version": number,
    }
    again = run_cli(
        "standard", "approve", str(out["proposal_id"]), "--key", str(keystore), *where, env=env
    )
    assert again.returncode == 1
    assert "StandardRegistryProposalNotPending(proposalId=" in again.stderr
    assert "Traceback" not in again.stderr
    assert ledger.down().returncode == 0
