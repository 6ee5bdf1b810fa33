"""Anyone, without an account, checks a footprint on the public page: what the chain holds,
and whether the document in hand is the one anchored (a one-byte change is caught)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.api.conftest import Api, as_bytes, example
from tests.web.conftest import copy_to_docs, screenshot


def test_the_public_page_verifies_a_claim_and_detects_a_document_changed_by_one_byte(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    firm = ledger.admit("苏州精密制造有限公司")
    document = as_bytes(example("shipper_footprint.json", firm.address))
    answer = ledger.client(firm).submit_claim(document)
    assert answer["state"] == "checked"
    claim_id = answer["claim_id"]
    original = tmp_path / "footprint.json"
    original.write_bytes(document)
    changed = tmp_path / "footprint-changed.json"
    at = document.index(b'"quantity": "0.5"') + len(b'"quantity": "0.')
    changed.write_bytes(document[:at] + b"6" + document[at + 1 :])  # one byte: 0.5 -> 0.6
    assert len(changed.read_bytes()) == len(document)

    page = new_page()
    page.goto(f"{ledger.url}/app/verify")
    # keyboard only: Tab to the labelled field, type the link, Enter
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.labels?.[0]?.innerText ?? ''").startswith(
            "Claim id or link"
        ):
            break
    else:
        raise AssertionError("Tab never reaches the claim id field")
    page.keyboard.type(f"{ledger.url}/app/verify/{claim_id}")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/app/verify/{claim_id}$"))
    card = page.get_by_test_id("public-claim")
    expect(card).to_contain_text("苏州精密制造有限公司")
    expect(card).to_contain_text("Jan 1, 2024")
    expect(card).to_contain_text("passed")
    expect(page.get_by_test_id("gross")).to_contain_text("535.225 tCO2e")

    page.get_by_test_id("public-file").set_input_files(str(original))
    expect(page.get_by_test_id("public-verdict")).to_contain_text("is the document on chain")
    copy_to_docs(screenshot(page, "public-verify"), "web-public-verify.png")
    page.get_by_test_id("public-file").set_input_files(str(changed))
    expect(page.get_by_test_id("public-verdict")).to_contain_text("is NOT the document on chain")

    # on a phone's width the same page still works
    phone = new_page(width=390, height=844)
    phone.goto(f"{ledger.url}/app/verify/{claim_id}")
    expect(phone.get_by_test_id("public-claim")).to_contain_text("苏州精密制造有限公司")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page overflows a phone's width ({width} px)"
    screenshot(phone, "public-verify-phone")
    assert page.errors == [] and phone.errors == []  # type: ignore[attr-defined]
