"""A firm with more claims than one page of its dashboard: the newest are listed first and it
pages back to its oldest; the chart sums its footprints in force per period, and says how many
were left out (an amendment superseded one); the planner offers its newest footprint in force
as a target's base."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.api.conftest import Api, as_bytes, example, in_2023, wait_checked
from tests.web.conftest import DASH, file_in_bulk, keystore, screenshot, sign_in

CLAIMS = 52  # more than the dashboard's page of 50


def test_a_firm_pages_its_claims_newest_first_and_sees_its_footprint_by_period(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    firm = ledger.admit("顺丰 Linehaul (dashboard)")
    client = ledger.client(firm)
    oldest = in_2023(example("carrier_footprint.json", firm.address))
    documents = [as_bytes(oldest)] + [
        as_bytes(example("carrier_footprint.json", firm.address)) for _ in range(CLAIMS - 1)
    ]
    ids = file_in_bulk(client, documents)
    wait_checked(client, ids, timeout=120)
    amended = ids[-1]  # on the first page, just below its amendment
    amendment = client.submit_claim(
        as_bytes(example("carrier_footprint.json", firm.address)),
        supersedes=bytes.fromhex(amended[2:]),
    )["claim_id"]
    wait_checked(client, [amendment])

    page = new_page()
    sign_in(page, ledger.url, keystore(firm, tmp_path, "firm"))
    page.get_by_role("link", name="Footprint").click()
    claims = page.get_by_test_id("claims")
    expect(page.get_by_test_id("claims-range")).to_have_text(f"1{DASH}50 of {CLAIMS + 1}")
    expect(claims.get_by_role("link").first).to_have_text(amendment[:8] + "…" + amendment[-6:])
    expect(claims.locator("tr", has_text=amended[:8]).locator(".badge")).to_have_text("superseded")
    # two periods (2023: one footprint; 2024: the rest in force), the superseded one left out
    expect(page.get_by_test_id("periods-note")).to_have_text(
        f"Each period sums the {CLAIMS} footprints in force (checked and passed). "
        "1 passed footprint is left out: superseded by an amendment, or revoked."
    )
    expect(page.locator(".chart svg")).to_have_count(1)
    screenshot(page, "firm-dashboard-pages")

    expect(page.get_by_role("button", name="Newer")).to_be_disabled()
    page.get_by_role("button", name="Older").click()
    last_page = f"51{DASH}{CLAIMS + 1} of {CLAIMS + 1}"
    expect(page.get_by_test_id("claims-range")).to_have_text(last_page)
    expect(claims.get_by_role("link").last).to_have_text(ids[0][:8] + "…" + ids[0][-6:])
    expect(page.get_by_role("button", name="Older")).to_be_disabled()
    page.get_by_role("button", name="Newer").click()
    expect(page.get_by_test_id("claims-range")).to_have_text(f"1{DASH}50 of {CLAIMS + 1}")

    # a target's base: the newest footprint in force by default, none superseded on offer
    page.get_by_role("link", name="Planner").click()
    base = page.get_by_label("Base claim")
    expect(base).to_have_value(amendment)
    expect(base.locator("option")).to_have_count(CLAIMS)
    expect(base.locator(f'option[value="{amended}"]')).to_have_count(0)
    expect(page.get_by_label("Base year")).to_have_value("2024")
    assert page.errors == []  # type: ignore[attr-defined]
