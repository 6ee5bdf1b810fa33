"""A firm shares a claim's document with a partner in the browser: the data key is wrapped
again for the partner's registered key in the page; the partner then reads (decrypts) the
document with its own key, and cannot once the firm withdraws the grant. The partner is
admitted after more members than one page of GET /members holds, as in a large consortium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from carbonledger.client import ApiError, LedgerClient
from tests.api.conftest import Api, as_bytes, example
from tests.web.conftest import keystore, screenshot, sign_in


def _more_members_than_a_page(ledger: Api, client: LedgerClient) -> None:
    """Admit members until the consortium has more than GET /members gives in one page (200),
    so that the next one admitted is listed on the second page only."""
    total = client.request("GET", "/members?page_size=1")["total"]
    for i in range(201 - total):
        ledger.admit(f"Member {total + i} (grants)")


def test_a_firm_grants_a_partner_its_document_and_withdraws_the_grant_in_the_browser(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    firm = ledger.admit("上海临港仓储 (grants)")
    _more_members_than_a_page(ledger, ledger.client(firm))
    partner = ledger.admit("Rotterdam Forwarding (grants)")  # on the second page
    document = as_bytes(example("shipper_footprint.json", firm.address))
    claim_id = ledger.client(firm).submit_claim(document)["claim_id"]
    reader = ledger.client(partner)  # logs in and registers its vault key
    with pytest.raises(ApiError) as before:
        reader.document(claim_id)
    assert before.value.status == 403

    page = new_page()
    sign_in(page, ledger.url, keystore(firm, tmp_path, "firm"), at=f"/claims/{claim_id}")
    page.get_by_role("button", name="Open the document (decrypted in this page)").click()
    share = page.get_by_test_id("share")
    share.get_by_label("Reader (partner or auditor)").select_option(partner.address)
    share.get_by_role("button", name="Grant read access").click()
    expect(share.get_by_test_id("readers")).to_contain_text("Rotterdam Forwarding (grants)")
    screenshot(page, "firm-share")
    assert reader.document(claim_id) == document  # decrypted with the partner's own key

    share.get_by_role("button", name="Withdraw Rotterdam Forwarding (grants)").click()
    expect(share.get_by_test_id("readers")).not_to_contain_text("Rotterdam Forwarding")
    with pytest.raises(ApiError) as after:
        reader.document(claim_id)
    assert after.value.status == 403
    assert page.errors == []  # type: ignore[attr-defined]
