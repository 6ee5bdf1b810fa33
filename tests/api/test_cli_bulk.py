"""``carbonledger claim submit`` of many claims (several files or a folder): all checked here
first, signed with the firm's next nonces, sent 100 a request (``POST /claims/batch``) and
followed to the chain; a re-run files only what is new."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from typer.testing import CliRunner

from carbonledger.cli.main import app
from carbonledger.standard import document_hash, parse_claim
from tests.api.conftest import Api, as_bytes, example, shipment_files

PASSWORD = "bulk filing pass phrase"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CARBONLEDGER_KEY_PASSWORD", PASSWORD)
    return CliRunner()


def _keystore(tmp_path: Path, account: LocalAccount) -> Path:
    path = tmp_path / "firm.json"
    path.write_text(json.dumps(Account.encrypt(account.key, PASSWORD)))
    return path


def _filed(runner: CliRunner, api: Api, folder: Path, keystore: Path) -> list[dict[str, Any]]:
    """``carbonledger claim submit FOLDER --json``, which must succeed: its rows."""
    result = runner.invoke(
        app,
        ["claim", "submit", str(folder), "--key", str(keystore), "--api", api.url, "--json"],
    )
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_a_folder_of_claims_is_filed_in_requests_of_100_and_followed_to_the_chain(
    api: Api, runner: CliRunner, tmp_path: Path
) -> None:
    firm = api.admit("Bulk Freight 宁波")
    keystore = _keystore(tmp_path, firm)
    shipment_files(tmp_path / "shipments", firm.address, range(230))

    rows = _filed(runner, api, tmp_path / "shipments", keystore)
    assert [Path(r["file"]).name for r in rows] == [f"shipment-{n:04d}.json" for n in range(230)]
    assert {r["claim"]["state"] for r in rows} == {"checked"}
    assert all(r["claim"]["passed"] for r in rows)
    # signed with the firm's nonces 0..229, in the order of the files, and all on chain
    client = api.client(firm)
    listed = client.claims(firm=firm.address, order="oldest")
    assert [c["nonce"] for c in listed] == list(range(230))
    assert [c["claim_id"] for c in listed] == [r["claim"]["claim_id"] for r in rows]
    assert client.next_nonce() == 230


def test_a_rerun_files_only_the_new_claims_and_names_each_one_already_filed(
    api: Api, runner: CliRunner, tmp_path: Path
) -> None:
    firm = api.admit("Rerun Logistics")
    keystore = _keystore(tmp_path, firm)
    folder = tmp_path / "shipments"
    first = shipment_files(folder, firm.address, range(0, 12, 2))  # 0, 2, ..., 10
    common = ["--key", str(keystore), "--api", api.url]
    assert runner.invoke(app, ["claim", "submit", str(folder), *common]).exit_code == 0

    shipment_files(folder, firm.address, range(1, 12, 2))  # 1, 3, ..., 11 between them
    result = runner.invoke(app, ["claim", "submit", str(folder), *common, "--json"])
    assert result.exit_code == 1, result.output  # some were refused
    rows = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    for path in first:  # each refused for itself, by name
        error = rows[path.name]["error"]
        assert error["status"] == 409 and "has already been submitted" in error["detail"]
    new = [rows[f"shipment-{n:04d}.json"] for n in range(1, 12, 2)]
    # each new claim came after a refused one: signed again with the next nonce, accepted
    assert {r["claim"]["state"] for r in new} == {"checked"}
    client = api.client(firm)
    listed = client.claims(firm=firm.address, order="oldest")
    assert [c["nonce"] for c in listed] == list(range(12))
    assert [c["claim_id"] for c in listed[6:]] == [r["claim"]["claim_id"] for r in new]

    text = runner.invoke(app, ["claim", "submit", str(folder), *common])
    assert text.exit_code == 1
    assert "12 claims: none accepted, 12 refused by the service" in text.stdout
    assert f"refused  {first[0]}  HTTP 409: claim 0x" in text.stdout


def test_one_failing_claim_stops_a_bulk_filing_before_anything_is_sent(
    api: Api, runner: CliRunner, tmp_path: Path
) -> None:
    firm = api.admit("Careful Carriers")
    keystore = _keystore(tmp_path, firm)
    folder = tmp_path / "shipments"
    shipment_files(folder, firm.address, range(3))
    bad = example("carrier_footprint.json", firm.address)
    bad["claim_id"] = "shipment-bad"
    bad["declared"]["scope1"] = "99999.000"  # not what its lines add up to
    (folder / "shipment-0001.json").write_bytes(as_bytes(bad))

    result = runner.invoke(
        app, ["claim", "submit", str(folder), "--key", str(keystore), "--api", api.url]
    )
    assert result.exit_code == 1
    assert "shipment-0001.json" in result.output and "FAILS" in result.output
    assert "1 of 3 claims fail the standard's check: none sent" in result.output
    assert api.client(firm).next_nonce() == 0


def test_a_folder_without_claims_is_one_clear_error(
    api: Api, runner: CliRunner, tmp_path: Path
) -> None:
    firm = api.admit("Empty Folder Shipping")
    keystore = _keystore(tmp_path, firm)
    (tmp_path / "empty").mkdir()
    result = runner.invoke(
        app, ["claim", "submit", str(tmp_path / "empty"), "--key", str(keystore), "--api", api.url]
    )
    assert result.exit_code == 2
    assert f"{tmp_path / 'empty'}: a folder with no .json claim documents" in result.output


def test_reductions_filed_in_bulk_are_checked_against_baselines_read_back_from_the_ledger(
    api: Api, runner: CliRunner, tmp_path: Path
) -> None:
    firm = api.admit("Baseline Shippers")
    keystore = _keystore(tmp_path, firm)
    baseline = example("shipper_footprint.json", firm.address)
    api.client(firm).submit_claim(as_bytes(baseline))  # on the ledger, encrypted in the vault
    folder = tmp_path / "reductions"
    folder.mkdir()
    hashed = "0x" + document_hash(parse_claim(as_bytes(baseline))).hex()
    for n in range(2):
        doc = example("shipper_reduction.json", firm.address)
        doc["claim_id"] = f"reduction-{n}"
        doc["baseline"] = {"document_hash": hashed, "claim_id": baseline["claim_id"]}
        doc["settlements"] = []
        (folder / f"reduction-{n}.json").write_bytes(as_bytes(doc))
    missing = example("shipper_reduction.json", firm.address)
    missing["baseline"] = {"document_hash": "0x" + "ab" * 32, "claim_id": "nowhere"}
    missing["settlements"] = []
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "orphan.json").write_bytes(as_bytes(missing))
    common = ["--key", str(keystore), "--api", api.url]

    result = runner.invoke(app, ["claim", "submit", str(folder), *common, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["claim"]["kind"] for r in rows] == ["reduction", "reduction"]
    assert {r["claim"]["state"] for r in rows} == {"checked"}

    orphan = runner.invoke(app, ["claim", "submit", str(elsewhere), *common])
    assert orphan.exit_code == 1
    assert f"{elsewhere / 'orphan.json'}: the baseline 0x{'ab' * 32} is not among" in orphan.output


def test_a_firm_at_its_backlog_limit_has_its_folder_filed_once_the_service_makes_room(
    api: Api, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service takes 40 of the firm's claims waiting at a time (429 for the rest of a
    request, told to come back in 1 s): the command waits and sends the rest again, in
    order, until all 150 are filed."""
    monkeypatch.setattr(api.services.claims, "backlog_limit", 40)
    monkeypatch.setattr(api.services.claims, "busy_retry_after", 1)
    firm = api.admit("Patient Haulage")
    keystore = _keystore(tmp_path, firm)
    shipment_files(tmp_path / "shipments", firm.address, range(150))
    sent: list[int] = []
    real_post = api.services.claims.submit_many

    def counted(submissions, caller, wait=0.0):  # type: ignore[no-untyped-def]
        sent.append(len(submissions))
        return real_post(submissions, caller, wait)

    monkeypatch.setattr(api.services.claims, "submit_many", counted)

    rows = _filed(runner, api, tmp_path / "shipments", keystore)

    assert {r["claim"]["state"] for r in rows} == {"checked"}
    listed = api.client(firm).claims(firm=firm.address, order="oldest")
    assert [c["nonce"] for c in listed] == list(range(150))
    assert [c["claim_id"] for c in listed] == [r["claim"]["claim_id"] for r in rows]
    assert len(sent) >= 4 and sum(sent) > 150  # refused at the limit, sent again
