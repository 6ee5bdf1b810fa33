"""Every role's story to its end through the ``carbonledger`` command, over a real running
ledger (uvicorn + anvil): a firm logs in, checks, submits, lists, shows, amends, revokes and
exports; partners propose, sign, have the reduction attested and pay to "settled"; an auditor
writes HTML and PDF reports."""

from __future__ import annotations

import copy
import csv
import html
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from carbonledger.cli.main import app
from carbonledger.standard import compute, load_default_standard, parse_claim
from tests.api.conftest import Api, as_bytes, example
from tests.api.partners import partners

PASSWORD = "story password"
pytestmark = pytest.mark.parametrize("api_database", ["sqlite"], indirect=True)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("CARBONLEDGER_KEY_PASSWORD", PASSWORD)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CARBONLEDGER_API_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # tables on one line each
    return CliRunner()


def keystore(account: LocalAccount, path: Path) -> Path:
    path.write_text(json.dumps(Account.encrypt(bytes(account.key), PASSWORD)))
    return path


def ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_firm_checks_submits_lists_shows_amends_revokes_and_exports(
    api: Api, runner: CliRunner, tmp_path: Path
) -> None:
    firm = api.admit("Story Freight 物流")
    key = keystore(firm, tmp_path / "firm.json")
    common = ["--key", str(key), "--api", api.url]

    logged = ok(runner, "login", *common)
    assert "Story Freight 物流" in logged and "until" in logged
    assert list((tmp_path / "cache" / "carbonledger" / "tokens").glob("*.json"))

    good = example("carrier_footprint.json", firm.address)
    good_file = tmp_path / "good.json"
    good_file.write_bytes(as_bytes(good))
    bad = copy.deepcopy(good)
    bad["claim_id"] = "story-bad"
    bad["declared"]["scope1"] = "99999.000"
    bad_file = tmp_path / "bad.json"
    bad_file.write_bytes(as_bytes(bad))

    assert "passes" in ok(runner, "claim", "check", str(good_file))
    failing = runner.invoke(app, ["claim", "check", str(bad_file)])
    assert failing.exit_code == 1 and "FAILS" in failing.stdout and "TOT001" in failing.stdout

    refused = runner.invoke(app, ["claim", "submit", str(bad_file), *common])
    assert refused.exit_code == 1 and "not sent" in refused.output
    assert json.loads(ok(runner, "claim", "list", *common, "--firm", firm.address, "--json")) == []

    submitted = ok(runner, "claim", "submit", str(good_file), *common)
    assert "checked" in submitted and "2024-01-01 to 2024-12-31" in submitted
    [row] = json.loads(ok(runner, "claim", "list", *common, "--firm", firm.address, "--json"))
    claim_id = row["claim_id"]

    listed = ok(runner, "claim", "list", *common, "--firm", "Story Freight 物流")
    assert "Story Freight 物流" in listed and "2024-01-01 to 2024-12-31" in listed
    assert "1 claim(s)" in listed and "18,135" in listed

    shown = ok(runner, "claim", "show", claim_id, *common)
    assert "on chain: active" in shown and row["tx_hash"] in shown
    assert "ClaimSubmitted" in shown and "scope1" in shown

    amended_doc = copy.deepcopy(good)
    amended_doc["claim_id"] = "story-amended"
    amended_file = tmp_path / "amended.json"
    amended_file.write_bytes(as_bytes(amended_doc))
    amended = ok(runner, "claim", "amend", claim_id, str(amended_file), *common, "--json")
    new_id = json.loads(amended)["claim_id"]
    assert "superseded" in ok(runner, "claim", "show", claim_id, *common)
    mine = ["--firm", firm.address]
    newest = ok(runner, "claim", "list", *common, *mine, "--newest", "--limit", "1", "--json")
    assert [c["claim_id"] for c in json.loads(newest)] == [new_id]
    oldest = ok(runner, "claim", "list", *common, *mine, "--limit", "1", "-q")
    assert oldest.split() == [claim_id]
    by_period = ok(runner, "claim", "periods", *common)
    assert "2024-01-01 to 2024-12-31" in by_period and "18,135" in by_period
    assert "1 passed footprint(s) left out" in by_period

    csv_file, xlsx_file = tmp_path / "inv.csv", tmp_path / "inv.xlsx"
    wrote = ok(runner, "claim", "export", *common, "--format", "csv", "--out", str(csv_file))
    assert f"wrote {csv_file} (2 claims, {csv_file.stat().st_size:,} bytes, csv)" in wrote
    ok(runner, "claim", "export", *common, "--format", "xlsx", "--out", str(xlsx_file))
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8"))))
    claims = [r for r in rows if r["row"] == "claim"]
    assert {r["claim_id"] for r in claims} == {claim_id, new_id}
    totals = compute(parse_claim(as_bytes(amended_doc)), load_default_standard())
    [mine] = [r for r in claims if r["claim_id"] == new_id]
    assert Decimal(mine["scope1"]) == totals.scope1.quantize(Decimal("0.001"))
    assert mine["firm_name"] == good["firm"]["name"] and mine["period_end"] == "2024-12-31"
    lines = [r for r in rows if r["row"] == "line" and r["claim_id"] == new_id]
    assert [r["line_id"] for r in lines] == [line.line_id for line in totals.lines]
    assert sum(Decimal(r["scope1"] or 0) for r in lines) == Decimal(mine["scope1"])

    sheet = load_workbook(xlsx_file).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    assert header == list(rows[0].keys())
    for written, read in zip(rows, values[1:], strict=True):
        for column, cell in zip(header, read, strict=True):
            expected = written[column]
            if column in ("scope1", "scope2_location", "scope3_total") and expected:
                assert Decimal(str(cell)) == Decimal(expected)
            elif column in ("claim_id", "line_id", "firm_name", "kind"):
                assert (cell or "") == expected

    revoked = ok(runner, "claim", "revoke", new_id, *common, "--reason", "double counted")
    assert "revoked in tx" in revoked
    assert "on chain: revoked" in ok(runner, "claim", "show", new_id, *common)
    left = json.loads(
        ok(runner, "claim", "periods", *common, "--firm", "Story Freight 物流", "--json")
    )
    assert (left["periods"], left["left_out"]) == ([], 2)


def test_an_export_cut_short_by_the_service_fails_and_leaves_no_file(
    api: Api, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    firm = api.admit("Story Cut Short Freight")
    client = api.client(firm)
    for _ in range(3):
        client.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
    reports = api.services.reports
    read = reports._records
    pages: list[int] = []

    def failing_on_the_second_page(reader: str, page: list[Any]) -> Any:
        pages.append(len(page))
        if len(pages) == 2:
            raise RuntimeError("the database went away")
        return read(reader, page)

    monkeypatch.setattr(reports, "page_size", 1)
    monkeypatch.setattr(reports, "_records", failing_on_the_second_page)
    common = ["--key", str(keystore(firm, tmp_path / "firm.json")), "--api", api.url]
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "inventory.csv"
    out.write_text("last month's export\n")
    failed = runner.invoke(app, ["claim", "export", *common, "--out", str(out)])
    assert failed.exit_code == 1 and "the export was cut short" in failed.output, failed.output
    assert "Traceback" not in failed.output
    assert out.read_text() == "last month's export\n"  # left as it was
    assert [p.name for p in out.parent.iterdir()] == ["inventory.csv"]  # no part file
    nowhere = tmp_path / "no-such-directory" / "inventory.csv"
    refused = runner.invoke(app, ["claim", "export", *common, "--out", str(nowhere)])
    assert refused.exit_code == 2, refused.output
    assert f"there is no directory {nowhere.parent}" in refused.output
    assert pages == [1, 1]


def test_partners_propose_sign_attest_and_pay_to_settled(
    api: Api, runner: CliRunner, tmp_path: Path
) -> None:
    pair = partners(api, "Story")
    auditor = api.admit("Story Auditor", roles=("auditor",))
    keys = {
        "shipper": keystore(pair.shipper, tmp_path / "shipper.json"),
        "carrier": keystore(pair.carrier, tmp_path / "carrier.json"),
        "auditor": keystore(auditor, tmp_path / "auditor.json"),
    }

    def cli(who: str, *args: str) -> str:
        return ok(runner, *args, "--key", str(keys[who]), "--api", api.url)

    listed = json.loads(cli("shipper", "overlaps", "list", "--json"))
    [overlap] = [o for o in listed if o["partner"] == pair.carrier.address]
    shown = cli("shipper", "overlaps", "show", overlap["overlap_id"])
    assert "Story 快运 carrier" in shown and pair.carrier.address not in shown

    proposed = json.loads(
        cli(
            "shipper",
            "settlement",
            "propose",
            overlap["overlap_id"],
            "--description",
            "electric trucks",
            "--cost",
            "12,000.50",
            "--currency",
            "EUR",
            "--expected",
            "40",
            "--deadline",
            "2099-01-31",
            "--json",
        )
    )
    sid = proposed["settlement_id"]
    assert proposed["terms"]["total_cost"] == 1_200_050
    cli("shipper", "settlement", "sign", sid)
    agreed = cli("carrier", "settlement", "sign", sid)
    assert "agreed" in agreed and "EUR 12,000.50" in agreed and "2099-01-31" in agreed

    evidence = tmp_path / "evidence.txt"
    evidence.write_text("meter readings of the electric trucks, Q1", encoding="utf-8")
    attested = cli("auditor", "settlement", "attest", sid, "--realised", "35", "--evidence",
                   str(evidence))  # fmt: skip
    assert "realised  35 kgCO2e" in attested

    cli("shipper", "settlement", "pay", sid, "--reference", "SEPA-1")
    paid = cli("carrier", "settlement", "pay", sid, "--reference", "SEPA-2")
    assert "settled" in paid
    assert sid in cli("carrier", "settlement", "list") and "settled" in cli(
        "shipper", "settlement", "show", sid
    )


def test_an_auditor_writes_html_and_pdf_reports(
    api: Api, runner: CliRunner, tmp_path: Path
) -> None:
    firm = api.admit("Report Logistics 报告")
    auditor = api.admit("Report Auditor", roles=("auditor",))
    client_auditor = api.client(auditor)  # its vault key registered before the documents
    client = api.client(firm)
    documents = tmp_path / "docs"
    documents.mkdir()
    ids, names = [], []
    for name in ("carrier_footprint.json", "warehouse_footprint.json"):
        doc = example(name, firm.address)
        names.append(doc["firm"]["name"])
        (documents / name).write_bytes(as_bytes(doc))
        ids.append(client.submit_claim(as_bytes(doc))["claim_id"])
    (documents / "notes.json").write_text('{"not": "a claim"}', encoding="utf-8")

    deployment = api.chain.deployment
    base = [
        "verify", "--rpc", api.chain.node.url, "--claim-ledger",
        deployment.address("ClaimLedger"), "--from-block", str(deployment.deploy_block),
        "--firm", firm.address, "--documents", str(documents),
    ]  # fmt: skip
    for suffix in ("html", "pdf"):
        out = tmp_path / f"report.{suffix}"
        result = runner.invoke(app, [*base, "--report", str(out)])
        assert result.exit_code == 0, result.output
        assert "everything holds" in result.stdout
        assert f"0x{keccak(out.read_bytes()).hex()}" in result.output
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    # the verdict first, then the firm (its name as its documents declare it)
    body = page[page.index("<body>") :]
    assert body.index("Everything holds") < body.index(html.escape(names[0]))
    for claim_id in ids:
        assert claim_id in page
    assert "notes.json" in page  # the stray file is a note, not a failure
    text = " ".join(PdfReader(tmp_path / "report.pdf").pages[0].extract_text().split())
    assert "CarbonLedger verification report" in text and "Everything holds" in text
    assert firm.address.lower()[:20] in text.lower().replace(" ", "")
    assert api.chain.node.url in text

    # the verdict goes on chain with the hash of the report handed over
    auditor_key = keystore(auditor, tmp_path / "auditor.json")
    common = ["--key", str(auditor_key), "--api", api.url]
    pdf_hash = "0x" + keccak((tmp_path / "report.pdf").read_bytes()).hex()
    recorded = ok(runner, "audit", "record", ids[0], "--verdict", "approved", "--report",
                  str(tmp_path / "report.pdf"), *common)  # fmt: skip
    assert pdf_hash in recorded and "recorded in tx" in recorded
    assert "audit         approved" in ok(runner, "claim", "show", ids[0], *common)
    served = tmp_path / "served.html"
    written = ok(runner, "audit", "report", "--firm", "Report Logistics 报告", "--out",
                 str(served), *common)  # fmt: skip
    assert f"0x{keccak(served.read_bytes()).hex()}" in written
    assert "Everything holds" in served.read_text(encoding="utf-8")

    # the same from the API, for the web app: the hash in a header
    token = client_auditor._token
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {token}"}) as http:
        answer = http.post("/audits/report", params={"format": "pdf"}, json={"firm": firm.address})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.headers["X-Report-Hash"] == "0x" + keccak(answer.content).hex()
        refused = httpx.post(
            f"{api.url}/audits/report",
            json={"firm": firm.address},
            headers={"Authorization": f"Bearer {client._token}"},
        )
        assert refused.status_code == 403
        export = http.get("/claims/export", params={"firm": firm.address, "format": "json"}).json()
    claim_rows: list[dict[str, Any]] = [r for r in export["rows"] if r["row"] == "claim"]
    assert sorted(r["claim_id"] for r in claim_rows) == sorted(ids)
    assert any(r["row"] == "line" for r in export["rows"])  # auditors read the documents


def test_an_auditor_records_one_verdict_on_several_claims_in_one_command(
    api: Api, runner: CliRunner, tmp_path: Path
) -> None:
    firm = api.admit("Per Shipment Audited 逐票")
    auditor = api.admit("Bulk Auditor", roles=("auditor",))
    client = api.client(firm)
    ids = [
        client.submit_claim(
            as_bytes({**example("carrier_footprint.json", firm.address), "claim_id": f"trip-{k}"})
        )["claim_id"]
        for k in range(3)
    ]
    report = tmp_path / "report.html"
    report.write_text("<p>every trip holds</p>", encoding="utf-8")
    digest = "0x" + keccak(report.read_bytes()).hex()
    common = ["--key", str(keystore(auditor, tmp_path / "auditor.json")), "--api", api.url]
    out = ok(runner, "audit", "record", *ids, "--verdict", "approved", "--report", str(report),
             *common)  # fmt: skip
    assert out.count("recorded in tx") == 3 and out.count(digest) == 3
    for claim_id in ids:
        assert f"claim {claim_id}: approved" in out
        state = api.services.ledger.claim_state(bytes.fromhex(claim_id[2:]))
        assert state.audit == "approved"
    assert api.services.ledger.nonce(auditor.address) == 3

    # the report of a sample of the firm's claims names its seed and covers only those
    sampled = tmp_path / "sample.html"
    written = ok(runner, "audit", "report", "--firm", firm.address, "--sample", "2", "--seed",
                 "trip check", "--out", str(sampled), *common)  # fmt: skip
    assert f"0x{keccak(sampled.read_bytes()).hex()}" in written
    page = html.unescape(sampled.read_text(encoding="utf-8"))
    assert "a sample of 2 of the firm's 3 claims" in page and "'trip check'" in page
    assert sum(claim_id in page for claim_id in ids) == 2

    # again, the ids from standard input (as `claim list -q` prints them): the claims are
    # audited already, so the service refuses, naming the first
    listed = ok(runner, "claim", "list", "--firm", firm.address, "-q", *common)
    assert listed.split() == ids
    again = runner.invoke(app, ["audit", "record", "-", "--verdict", "approved", "--report",
                                str(report), *common], input=listed)  # fmt: skip
    assert again.exit_code != 0
    assert f"verdicts[0]: claim {ids[0]} was already audited (approved)" in again.output
    assert "Traceback" not in again.output
