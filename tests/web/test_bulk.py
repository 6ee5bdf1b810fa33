"""A firm files several claim documents at once in the browser: all are checked first (one
failing: nothing is offered to sign), then signed in the page with the next nonces and sent
together; one filed already is named as refused and the ones after it are signed again; each
claim is followed until it is on chain."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.api.conftest import Api, as_bytes, example, shipment_files
from tests.web.conftest import keystore, screenshot, sign_in


def test_a_firm_files_several_documents_at_once_and_sees_each_on_chain(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    firm = ledger.admit("Ningbo Shipments (web bulk)")
    paths = shipment_files(tmp_path / "shipments", firm.address, range(5))
    client = ledger.client(firm)
    filed_before = client.submit_claim(paths[1].read_bytes())["claim_id"]  # filed already

    page = new_page()
    sign_in(page, ledger.url, keystore(firm, tmp_path, "firm"))
    page.get_by_role("link", name="Submit a claim").first.click()

    # one failing document: every file checked, none offered to sign
    bad = example("carrier_footprint.json", firm.address)
    bad["claim_id"] = "web-shipment-bad"
    bad["declared"]["scope1"] = "99999.000"
    bad_path = tmp_path / "shipment-bad.json"
    bad_path.write_bytes(as_bytes(bad))
    page.get_by_test_id("claim-file").set_input_files([str(paths[0]), str(bad_path)])
    bulk = page.get_by_test_id("bulk")
    expect(bulk).to_contain_text("1 of 2 documents fail the check")
    expect(bulk.locator("tr[data-file='shipment-bad.json']")).to_contain_text(
        "failed: TOT001 declared.scope1"
    )
    expect(page.get_by_role("button", name="Sign and submit 2 claims")).to_have_count(0)

    page.get_by_test_id("claim-file").set_input_files([str(p) for p in paths])
    expect(bulk.locator("tbody tr")).to_have_count(5)
    expect(bulk.locator("tbody")).not_to_contain_text("failed")
    page.get_by_role("button", name="Sign and submit 5 claims").click()
    result = page.get_by_test_id("bulk-result")
    expect(result).to_contain_text("4 checked, 1 refused", timeout=90_000)
    expect(result.locator("tr[data-file='shipment-0001.json']")).to_contain_text(
        "has already been submitted"
    )
    screenshot(page, "firm-bulk-filed")

    listed = client.claims(firm=firm.address, order="oldest")
    assert [c["nonce"] for c in listed] == [0, 1, 2, 3, 4]
    assert listed[0]["claim_id"] == filed_before
    assert all(c["state"] == "checked" and c["check"]["passed"] for c in listed)
    for path in (paths[0], paths[2], paths[3], paths[4]):
        link = result.locator(f"tr[data-file='{path.name}']").get_by_role("link")
        expect(link).to_have_count(1)


def test_documents_past_the_firms_backlog_limit_are_sent_again_when_the_service_has_room(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service holds 2 of the firm's claims waiting at a time (429 for the rest, told to
    come back in 1 s): the page waits, signs the rest again and sends them until all are filed."""
    monkeypatch.setattr(ledger.services.claims, "backlog_limit", 2)
    monkeypatch.setattr(ledger.services.claims, "busy_retry_after", 1)
    firm = ledger.admit("Yiwu Parcels (web backlog)")
    paths = shipment_files(tmp_path / "shipments", firm.address, range(7))

    page = new_page()
    sign_in(page, ledger.url, keystore(firm, tmp_path, "firm"))
    page.get_by_role("link", name="Submit a claim").first.click()
    page.get_by_test_id("claim-file").set_input_files([str(p) for p in paths])
    expect(page.get_by_test_id("bulk").locator("tbody tr")).to_have_count(7)
    page.get_by_role("button", name="Sign and submit 7 claims").click()

    expect(page.get_by_test_id("bulk-result")).to_contain_text("7 checked", timeout=90_000)
    listed = ledger.client(firm).claims(firm=firm.address, order="oldest")
    assert [c["nonce"] for c in listed] == list(range(7))
    assert all(c["state"] == "checked" for c in listed)
