"""A firm in the browser: signs in with its keystore, submits a claim from a file (a failing
check first, then the fixed document), sees it anchored and checked, opens its lines and
their Merkle proofs; the claim's signature, made in the page, holds in the service and on
chain."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
from playwright.sync_api import Page, expect

from carbonledger.chain.typed_data import claim_typed_data, typed_data_digest
from carbonledger.claims import build_claim
from carbonledger.standard import parse_claim
from carbonledger.verify.core import recover_signer
from tests.api.conftest import Api, as_bytes, example
from tests.web.conftest import copy_to_docs, keystore, screenshot, sign_in


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_bytes(as_bytes(doc))
    return path


def test_a_firm_fixes_a_failing_claim_then_signs_it_in_the_browser_and_sees_it_checked(
    ledger: Api, new_page: Any, tmp_path: Path
) -> None:
    firm = ledger.admit("苏州精密制造 (web)")
    good = example("shipper_footprint.json", firm.address)
    bad = json.loads(json.dumps(good))
    bad["lines"][0]["declared_kgco2e"] = "1500.000"  # the standard recomputes 1462.528
    bad_file = write(tmp_path / "footprint-draft.json", bad)
    good_file = write(tmp_path / "footprint.json", good)

    page: Page = new_page()
    sign_in(page, ledger.url, keystore(firm, tmp_path, "firm"))
    expect(page).to_have_url(re.compile(r"/app/firm$"))

    page.get_by_role("link", name="Submit a claim").first.click()
    page.get_by_test_id("claim-file").set_input_files(str(bad_file))
    result = page.get_by_test_id("check-result")
    expect(result).to_contain_text("failed")
    expect(result.locator("tr[data-rule=CALC001]")).to_contain_text("1462.528")
    expect(result.locator("tr[data-rule=CALC001]")).to_contain_text(
        "declared line emissions differ from the recomputed figure"
    )
    expect(page.get_by_role("button", name="Sign and submit")).to_have_count(0)
    # nothing was stored by the dry run
    assert ledger.services.claims.next_nonce(firm.address) == 0
    screenshot(page, "firm-check-failed")

    page.get_by_test_id("claim-file").set_input_files(str(good_file))
    expect(result).to_contain_text("passed")
    page.get_by_role("button", name="Sign and submit").click()
    submitted = page.get_by_test_id("submit-result")
    expect(submitted).to_contain_text("checked", timeout=90_000)
    claim_id = submitted.get_by_role("link").inner_text()

    # the signature made in the page: accepted by the service, and by the contract
    row = ledger.services.store.get(claim_id)
    assert row is not None and row.state == "checked" and row.check_passed
    on_chain = ledger.services.ledger.claim_state(bytes.fromhex(claim_id[2:]))
    assert (on_chain.status, on_chain.check) == ("active", "passed")
    claim = build_claim(
        parse_claim(good_file.read_bytes()),
        ledger.services.standard,
        standard_version=row.standard_version,
        nonce=row.nonce,
        deadline=row.deadline,
    )
    digest = typed_data_digest(claim_typed_data(ledger.services.ledger.domain(), claim))
    assert recover_signer(digest, bytes.fromhex(row.signature[2:])) == firm.address.lower()

    submitted.get_by_role("link").click()
    expect(page.get_by_test_id("onchain")).to_contain_text("active")
    expect(page.get_by_test_id("onchain")).to_contain_text("passed")
    page.get_by_role("button", name="Open the document (decrypted in this page)").click()
    expect(page.get_by_text("= the claim's activity root")).to_be_visible()
    page.get_by_role("button", name="Proof of CAR-2024").click()
    expect(page.get_by_test_id("proof")).to_contain_text("The proof leads to the activity root")
    screenshot(page, "firm-claim")

    page.get_by_role("link", name="Footprint").click()
    expect(page.get_by_test_id("claims")).to_contain_text("checked")
    expect(page.locator(".chart svg")).to_have_count(1)
    copy_to_docs(screenshot(page, "firm-dashboard"), "web-firm-dashboard.png")

    # exports: the inventory as CSV and XLSX, saved by the browser from a link of the service
    # (a ticket in the link, not a Blob the page built: the file goes to disk as it arrives)
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="CSV").click()
    assert "/claims/export?" in csv_download.value.url and "ticket=" in csv_download.value.url
    rows = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text("utf-8"))))
    assert any(r.get("claim_id") == claim_id for r in rows), rows[:2]
    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="XLSX").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    cells = {
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
    }
    assert claim_id in cells

    # revoking, signed in the page too
    page.get_by_test_id("claims").get_by_role("link").first.click()
    page.get_by_label("Reason for revoking").fill("企业边界有误 / wrong boundary")
    page.get_by_role("button", name="Sign and revoke this claim").click()
    expect(page.get_by_test_id("onchain")).to_contain_text("revoked", timeout=90_000)
    assert ledger.services.ledger.claim_state(bytes.fromhex(claim_id[2:])).status == "revoked"
    page.get_by_role("link", name="Footprint").click()
    row = page.get_by_test_id("claims").locator("tr", has_text=claim_id[:8])
    expect(row.locator(".badge")).to_have_text("revoked")
    assert page.errors == []  # type: ignore[attr-defined]
