"""A firm builds its claim from the page's CSV template of activity lines: the page turns
the CSV into a claim document, the service checks it, the firm signs it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.api.conftest import Api
from tests.web.conftest import keystore, sign_in


def test_a_firm_submits_a_claim_built_from_the_pages_csv_template(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    firm = ledger.admit("上海临港仓储 (CSV)")
    page = new_page()
    sign_in(page, ledger.url, keystore(firm, tmp_path, "firm"))
    page.get_by_role("link", name="Submit a claim").first.click()
    page.get_by_text("From a CSV of activity lines").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the CSV template").click()
    template = tmp_path / "lines.csv"
    download.value.save_as(template)
    assert template.read_text(encoding="utf-8").startswith("id,activity,scope")

    page.get_by_label("Firm name").fill("上海临港仓储有限公司")
    page.get_by_label("Period start").fill("2024-01-01")
    page.get_by_label("Period end").fill("2024-12-31")
    page.get_by_test_id("claim-file").set_input_files(str(template))
    result = page.get_by_test_id("check-result")
    expect(result).to_contain_text("passed")
    expect(result).to_contain_text("37.151 tCO2e")  # 12 t diesel, scope 1
    page.get_by_role("button", name="Sign and submit").click()
    submitted = page.get_by_test_id("submit-result")
    expect(submitted).to_contain_text("checked", timeout=90_000)

    claim_id = submitted.get_by_role("link").inner_text()
    row = ledger.services.store.get(claim_id)
    assert row is not None and row.check_passed and row.kind == "footprint"
    document = ledger.services.claims.read_document(claim_id).decode("utf-8")
    assert "上海临港仓储有限公司" in document

    # an amendment: the corrected lines supersede the claim
    corrected = tmp_path / "lines-corrected.csv"
    corrected.write_text(
        template.read_text(encoding="utf-8")
        .replace(",12,t,", ",10,t,")
        .replace("37150.916", "30959.096"),
        encoding="utf-8",
    )
    page.get_by_label("Amends claim (optional)").fill(claim_id)
    page.get_by_test_id("claim-file").set_input_files(str(corrected))
    expect(result).to_contain_text("passed")
    expect(result).to_contain_text("30.959 tCO2e")
    page.get_by_role("button", name="Sign and submit").click()
    expect(submitted).to_contain_text("checked", timeout=90_000)
    assert ledger.services.ledger.claim_state(bytes.fromhex(claim_id[2:])).status == "superseded"
    amendment = submitted.get_by_role("link").inner_text()
    page.get_by_role("link", name="Footprint").click()
    claims = page.get_by_test_id("claims")
    expect(claims.locator("tr", has_text=claim_id[:8]).locator(".badge")).to_have_text("superseded")
    expect(claims.locator("tr", has_text=amendment[:8]).locator(".badge")).to_have_text("checked")
    assert page.errors == []  # type: ignore[attr-defined]
