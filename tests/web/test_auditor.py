"""An auditor in the browser: verifies a firm's history, signs a verdict with its own key in
the page (recorded on chain), and asks for the audit report; a long history is paged."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.api.conftest import Api, as_bytes, example, wait_checked
from tests.web.conftest import DASH, file_in_bulk, keystore, screenshot, sign_in


def test_an_auditor_verifies_a_firms_history_and_signs_a_verdict_recorded_on_chain(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    firm = ledger.admit("Auditee Logistics")
    answer = ledger.client(firm).submit_claim(
        as_bytes(example("carrier_footprint.json", firm.address))
    )
    assert answer["state"] == "checked"
    auditor = ledger.admit("Verifier & Co", roles=("auditor",))

    page = new_page()
    sign_in(page, ledger.url, keystore(auditor, tmp_path, "auditor"))
    expect(page).to_have_url(re.compile(r"/app/auditor$"))
    page.get_by_label("Firm").select_option(firm.address)
    page.get_by_role("button", name="Verify the firm's history").click()
    verification = page.get_by_test_id("verification")
    expect(verification).to_contain_text("Every check holds", timeout=90_000)
    expect(verification).to_contain_text(answer["claim_id"][:8])
    page.get_by_role("button", name="Sign verdict (approved)").click()
    expect(page.get_by_test_id("verdict-recorded")).to_contain_text("approved", timeout=90_000)
    screenshot(page, "auditor")

    state = ledger.services.ledger.claim_state(bytes.fromhex(answer["claim_id"][2:]))
    assert state.audit == "approved"

    # the audit report downloads, as HTML and as PDF
    with page.expect_download() as html_download:
        page.get_by_role("button", name="Audit report (HTML)").click()
    html = Path(html_download.value.path()).read_text(encoding="utf-8")
    assert html_download.value.suggested_filename.endswith(".html")
    assert "<html" in html.lower() and answer["claim_id"] in html
    with page.expect_download(timeout=120_000) as pdf_download:
        page.get_by_role("button", name="Audit report (PDF)").click()
    pdf = Path(pdf_download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]

    # the claim now reads audited, in its page and in the firm's list
    verification.get_by_role("link", name=answer["claim_id"][:8]).click()
    expect(page.locator("h1 .badge")).to_have_text("audited")
    assert page.errors == []  # type: ignore[attr-defined]


def test_an_auditor_pages_a_long_history_and_can_show_only_the_claims_that_fail(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    firm = ledger.admit("Auditee Per Shipment")
    client = ledger.client(firm)
    count = 23  # more than a page of 20
    documents = [
        as_bytes({**example("carrier_footprint.json", firm.address), "claim_id": f"ship-{k}"})
        for k in range(count)
    ]
    wait_checked(client, file_in_bulk(client, documents), timeout=120)
    auditor = ledger.admit("Verifier Per Shipment", roles=("auditor",))

    page = new_page()
    sign_in(page, ledger.url, keystore(auditor, tmp_path, "auditor"))
    page.get_by_label("Firm").select_option(firm.address)
    page.get_by_role("button", name="Verify the firm's history").click()
    verification = page.get_by_test_id("verification")
    expect(verification).to_contain_text("Every check holds", timeout=90_000)
    expect(page.get_by_test_id("verification-counts")).to_have_text(
        f"{count} claims: {count} verified, 0 failed"
    )
    cards = verification.locator(".card")
    expect(page.get_by_test_id("verification-range")).to_have_text(f"1{DASH}20 of {count}")
    expect(cards).to_have_count(20)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_test_id("verification-range")).to_have_text(f"21{DASH}{count} of {count}")
    expect(cards).to_have_count(count - 20)
    page.get_by_label("Only the claims that fail").check()
    expect(page.get_by_test_id("verification-range")).to_have_text("No claim fails")
    expect(cards).to_have_count(0)
    page.get_by_label("Only the claims that fail").uncheck()
    expect(page.get_by_test_id("verification-range")).to_have_text(f"1{DASH}20 of {count}")

    # verdicts signed one after the other from one verification: each takes the auditor's
    # nonce of the moment (the verification's was used up by the first)
    for card in (cards.nth(0), cards.nth(1), cards.nth(2)):
        card.get_by_role("button", name="Sign verdict (approved)").click()
        expect(card.get_by_test_id("verdict-recorded")).to_contain_text("approved", timeout=90_000)
    expect(page.get_by_test_id("verdict-recorded")).to_have_count(3)
    assert ledger.services.ledger.nonce(auditor.address) == 3  # three verdicts on chain

    # the rest of the page approved at once: 17 signatures, one request
    approve = page.get_by_role("button", name="Approve the 17 verified claims shown")
    approve.click()
    expect(page.get_by_test_id("verdict-recorded")).to_have_count(20, timeout=90_000)
    expect(approve).to_have_count(0)
    assert ledger.services.ledger.nonce(auditor.address) == 20
    page.get_by_role("button", name="Next").click()
    rest = page.get_by_role("button", name=f"Approve the {count - 20} verified claims shown")
    expect(rest).to_be_visible()

    # verified again, the audited claims say so and are not offered again
    page.get_by_role("button", name="Verify the firm's history").click()
    expect(page.get_by_test_id("verification-range")).to_have_text(f"1{DASH}20 of {count}")
    expect(page.get_by_test_id("verdict-on-chain")).to_have_count(20)
    expect(page.get_by_text("Audited already: approved").first).to_be_visible()
    expect(verification.get_by_role("button", name=re.compile("shown$"))).to_have_count(0)

    # the claims of the other pages, approved from this one
    everything = page.get_by_role("button", name=f"Approve all {count - 20} verified claims")
    everything.click()
    expect(everything).to_have_count(0, timeout=90_000)
    assert ledger.services.ledger.nonce(auditor.address) == count
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_test_id("verdict-recorded")).to_have_count(count - 20)
    expect(verification.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)

    # a sample of the history, and its report
    # (by role: the firm's <label> holds its options' names, "Sampled …" ones in a shared run)
    page.get_by_role("spinbutton", name=re.compile("^Sample")).fill("5")
    page.get_by_role("textbox", name=re.compile("^Seed")).fill("spot check 15")
    page.get_by_role("button", name="Verify a sample of the firm's history").click()
    expect(page.get_by_test_id("verification-counts")).to_have_text(
        "5 claims: 5 verified, 0 failed", timeout=90_000
    )
    expect(page.get_by_test_id("verification-sample")).to_contain_text(
        f"A sample of 5 of the firm's {count} claims, seed spot check 15"
    )
    with page.expect_download() as html_download:
        page.get_by_role("button", name="Audit report (HTML)").click()
    report = Path(html_download.value.path()).read_text(encoding="utf-8")
    assert "a sample of 5 of the firm" in report
    assert page.errors == []  # type: ignore[attr-defined]
