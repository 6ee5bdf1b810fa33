"""The planner in the browser (issue 14's joint abatement): a firm signs a target in the page,
plans a joint project with its partner, sees the figures the API computes, and proposes the
plan as a settlement whose terms are the CLI's (``carbonledger plan --propose``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from carbonledger.planner.proposal import plan_hash_of, proposal_terms
from carbonledger.planner.targets import document_hash
from tests.api.conftest import Api
from tests.api.partners import carrier_target, partners
from tests.web.conftest import keystore, screenshot, sign_in


def test_a_partner_plans_a_joint_project_in_the_browser_and_proposes_it_as_a_settlement(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    pair = partners(ledger, "Planner web")
    carrier = pair.carrier_client

    page = new_page()
    sign_in(page, ledger.url, keystore(pair.carrier, tmp_path, "carrier"))
    page.get_by_role("link", name="Planner").click()
    # a target signed in the page (typed data from GET /chain), recorded on chain, listed
    page.get_by_label("Base claim").select_option(pair.carrier_claim)
    page.get_by_label("Base year").fill("2024")
    page.get_by_label("Target year").fill("2030")
    page.get_by_label("Reduction (%)").fill("42")
    page.get_by_role("button", name="Sign and record the target").click()
    targets = page.get_by_test_id("targets")
    expect(targets).to_contain_text("42.00 %", timeout=60_000)
    expect(targets).to_contain_text("2024 → 2030")
    [recorded] = carrier.request("GET", "/targets", params={"firm": pair.carrier.address})
    assert recorded["document_hash"] == "0x" + document_hash(carrier_target(pair, 4_200)).hex()
    assert (recorded["kind"], recorded["scopes"], recorded["categories"]) == (
        "near_term",
        [1, 2],
        [],
    )

    [overlap] = [o for o in carrier.overlaps() if o["partner"] == pair.shipper.address]
    partner = page.get_by_role("combobox", name=re.compile(r"^Partner\b"))  # its option in its name
    partner.select_option(pair.shipper.address)
    page.get_by_label("Overlap with partner").select_option(overlap["overlap_id"])
    page.get_by_label("Goal value").fill("20")
    page.get_by_role("button", name="Plan", exact=True).click()

    answer = carrier.plan(overlap["overlap_id"], "pct", "20")
    joint = answer["plan"]["joint"]
    expect(page.get_by_test_id("plan-hash")).to_have_text(answer["plan_hash"], timeout=60_000)
    expect(page.get_by_test_id("removed")).to_have_text(f"{joint['removed_tco2e']} tCO2e")
    expect(page.get_by_test_id("cost")).to_contain_text(joint["cost_per_year"])
    expect(page.get_by_test_id("cost-per-tonne")).to_contain_text(joint["cost_per_tco2e"])
    options = page.get_by_test_id("plan-options")
    for option in joint["options"]:
        expect(options).to_contain_text(option["option"])
    bps = dict(zip((p["firm"] for p in overlap["parties"]), answer["shares_bps"], strict=True))
    shares = page.get_by_test_id("share")
    for i, party in enumerate(answer["plan"]["parties"]):
        mine = next(v for k, v in bps.items() if k.lower() == party["firm"].lower())
        expect(shares.nth(i)).to_have_text(f"{mine / 100:.2f} %")
    # ECharts' aria description of the MACC names each measure with its cost per tonne
    macc = page.get_by_role("img", name=re.compile(r"Cost per tonne"))
    for option in joint["options"]:
        expect(macc).to_have_attribute("aria-label", re.compile(re.escape(option["option"])))
    screenshot(page, "partner-planner")

    page.get_by_role("button", name="Propose this plan as a settlement").click()
    expect(page).to_have_url(re.compile(r"/app/settlements/0x[0-9a-f]{64}$"), timeout=90_000)
    settlement_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_test_id("terms-check")).to_contain_text("hash to this settlement's id")

    listed = {s["settlement_id"]: s for s in pair.shipper_client.settlements()}
    assert settlement_id in listed
    proposed, expected = listed[settlement_id], proposal_terms(answer)
    assert proposed["project"]["description"] == expected["description"]
    assert plan_hash_of(proposed["project"]["description"]) == answer["plan_hash"]
    assert int(proposed["terms"]["total_cost"]) == expected["total_cost"]
    assert proposed["terms"]["currency"] == expected["currency"]
    assert [p["share_bps"] for p in proposed["parties"]] == expected["shares_bps"]

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Planner").click()
    expect(page.get_by_test_id("targets")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.errors == []  # type: ignore[attr-defined]
