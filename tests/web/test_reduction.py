"""A partner counts its share of an attested reduction in the browser: the settlement page
shows its allocation, it submits a reduction claim citing the settlement, signing the claim
and the Citation of its allocation in the page, and then follows the citation from the
settlement to the claim. The chain records which claim cited the allocation."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.api.conftest import Api, as_bytes
from tests.api.partners import partners, reduction_document
from tests.web.conftest import keystore, screenshot, sign_in


def test_a_partner_cites_its_allocation_in_a_reduction_claim_signed_in_the_browser(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    pair = partners(ledger, "Web citation")
    [overlap] = [o for o in pair.shipper_client.overlaps() if o["partner"] == pair.carrier.address]
    proposed = pair.shipper_client.propose_settlement(
        str(overlap["overlap_id"]),
        description="光伏充电站 solar charging at the Suzhou depot",
        total_cost=500_000,
        currency="CNY",
        expected_reduction_kgco2e=120,
    )
    sid = str(proposed["settlement_id"])
    pair.shipper_client.sign_settlement(sid)
    pair.carrier_client.sign_settlement(sid)
    auditor = ledger.client(ledger.admit("Reduction Auditor (web)", roles=("auditor",)))
    attested = auditor.attest_reduction(sid, 100, b"depot meter log")
    mine = next(
        p["allocation_kgco2e"] for p in attested["parties"] if p["firm"] == pair.shipper.address
    )
    assert mine > 0

    page = new_page()
    sign_in(page, ledger.url, keystore(pair.shipper, tmp_path, "shipper"), at=f"/settlements/{sid}")
    expect(page.get_by_test_id("cite-hint")).to_contain_text(f"{mine} kgCO2e")

    document = reduction_document(pair.shipper.address, pair.shipper_doc, sid, mine, mine)
    path = tmp_path / "reduction.json"
    path.write_bytes(as_bytes(document))
    page.get_by_test_id("cite-hint").get_by_role("link", name="Submit a claim").click()
    page.get_by_test_id("claim-file").set_input_files(str(path))
    result = page.get_by_test_id("check-result")
    expect(result).to_contain_text("passed", timeout=60_000)
    expect(page.get_by_test_id("citations")).to_contain_text(
        f"the ledger allocated you {mine} kgCO2e"
    )
    page.get_by_role("button", name="Sign and submit").click()
    submitted = page.get_by_test_id("submit-result")
    expect(submitted).to_contain_text("checked", timeout=90_000)
    claim_id = submitted.get_by_role("link").inner_text()

    # the chain records the citation this page signed
    view = pair.shipper_client.settlement(sid)
    [position] = [p for p in view["parties"] if p["firm"] == pair.shipper.address]
    assert position["citing_claim"] == claim_id

    # follow it: settlement -> the citing claim
    page.get_by_test_id("citations").get_by_role("link").click()  # in the app: the key stays
    parties = page.get_by_test_id("parties")
    expect(parties).to_contain_text(f"{mine} kgCO2e")
    expect(page.get_by_test_id("cite-hint")).to_have_count(0)
    screenshot(page, "partner-allocation-cited")
    parties.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/app/claims/{claim_id}$"))
    expect(page.locator("dl.facts")).to_contain_text("reduction")
    assert page.errors == []  # type: ignore[attr-defined]
