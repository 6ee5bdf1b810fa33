"""``carbonledger key new`` and ``carbonledger claim submit`` against the running API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from typer.testing import CliRunner

from carbonledger.cli.main import app
from carbonledger.client import load_keystore
from tests.api.conftest import Api, as_bytes, example

PASSWORD = "correct horse battery staple"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CARBONLEDGER_KEY_PASSWORD", PASSWORD)
    return CliRunner()


def test_a_firm_signs_and_submits_from_its_keystore(
    api: Api, runner: CliRunner, tmp_path: Path
) -> None:
    keystore = tmp_path / "firm.json"
    made = runner.invoke(app, ["key", "new", "--out", str(keystore)])
    assert made.exit_code == 0, made.output
    account = load_keystore(keystore, PASSWORD)
    assert account.address in made.output
    api.admit("Keystore Cargo 杭州", account=account)
    document = tmp_path / "claim.json"
    document.write_bytes(as_bytes(example("carrier_footprint.json", account.address)))

    result = runner.invoke(
        app, ["claim", "submit", str(document), "--key", str(keystore), "--api", api.url, "--json"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["state"] == "checked" and answer["check"]["passed"] is True
    assert api.services.ledger.claim_state(bytes.fromhex(answer["claim_id"][2:])).status == "active"


def test_a_wrong_keystore_password_is_one_clear_error(
    api: Api, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keystore = tmp_path / "k.json"
    keystore.write_text(json.dumps(Account.encrypt(Account.create().key, "another")))
    document = tmp_path / "claim.json"
    document.write_text("{}")
    result = runner.invoke(
        app, ["claim", "submit", str(document), "--key", str(keystore), "--api", api.url]
    )
    assert result.exit_code == 1
    assert f"wrong password for keystore {keystore}" in result.output


def test_an_unreachable_api_is_one_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    from carbonledger.chain.node import free_port

    keystore = tmp_path / "k.json"
    keystore.write_text(json.dumps(Account.encrypt(Account.create().key, PASSWORD)))
    document = tmp_path / "claim.json"
    document.write_text("{}")
    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(
        app, ["claim", "submit", str(document), "--key", str(keystore), "--api", url]
    )
    assert result.exit_code == 1
    assert f"cannot reach the API at {url}" in result.output


def test_claim_check_shows_the_services_findings_and_stores_nothing(
    api: Api, runner: CliRunner, tmp_path: Path
) -> None:
    account = Account.create()
    keystore = tmp_path / "firm.json"
    keystore.write_text(json.dumps(Account.encrypt(account.key, PASSWORD)))
    api.admit("Checking Cargo", account=account)
    doc = example("carrier_footprint.json", account.address)
    doc["declared"]["scope1"] = "1.000"
    document = tmp_path / "claim.json"
    document.write_bytes(as_bytes(doc))
    args = ["claim", "check", str(document), "--key", str(keystore), "--api", api.url]

    failing = runner.invoke(app, args)
    assert failing.exit_code == 1, failing.output
    assert json.loads(failing.stdout)["rules"]["TOT001"]
    assert "FAILS the standard check" in failing.stderr
    doc["declared"]["scope1"] = example("carrier_footprint.json", account.address)["declared"][
        "scope1"
    ]
    document.write_bytes(as_bytes(doc))
    passing = runner.invoke(app, args)
    assert passing.exit_code == 0, passing.output
    assert json.loads(passing.stdout)["claim"]["firm"] == account.address
    assert api.services.claims.next_nonce(account.address) == 0
