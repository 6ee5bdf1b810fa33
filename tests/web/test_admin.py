"""An admin in the browser sees the consortium: members with roles and status, and the
standard versions (its proposals are still sent from the CLI)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from eth_account import Account
from playwright.sync_api import Page, expect

from carbonledger.config import ANVIL_DEV_KEY_0
from tests.api.conftest import Api
from tests.web.conftest import keystore, screenshot, sign_in


def test_an_admin_sees_the_members_and_the_standard_versions(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    firm = ledger.admit("宁波港物流 (admin view)")
    admin = Account.from_key(ANVIL_DEV_KEY_0)  # the deployer, the dev chain's first admin
    page = new_page()
    sign_in(page, ledger.url, keystore(admin, tmp_path, "admin"))
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("admin")
    page.get_by_role("link", name="Admin").click()
    expect(page).to_have_url(re.compile(r"/app/admin$"))
    members = page.get_by_test_id("members")
    expect(members).to_contain_text("宁波港物流 (admin view)")
    expect(members.locator("tr", has_text="宁波港物流")).to_contain_text("active")
    expect(page.get_by_text("checked by this service")).to_be_visible()
    screenshot(page, "admin")
    assert firm.address
    assert page.errors == []  # type: ignore[attr-defined]
