"""A member whose key is in a browser wallet: the app signs in and signs its claim through
the injected EIP-1193 provider (``eth_signTypedData_v4``), and the service and the chain
accept the signature. The wallet here is a small EIP-1193 provider put in the page whose
requests are answered by the member's key on the test's side -- as MetaMask answers them
from its extension."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_account.signers.local import LocalAccount
from playwright.sync_api import Page, expect

from tests.api.conftest import Api, as_bytes, example

PROVIDER = """
window.ethereum = {
  isTestWallet: true,
  request: ({ method, params }) => window.__walletRequest(method, JSON.stringify(params ?? [])),
  on() {}, removeListener() {},
};
"""


def install_wallet(page: Page, account: LocalAccount, chain_id: int) -> list[str]:
    """Answer the page's wallet requests with ``account``'s key; the methods asked, in order."""
    asked: list[str] = []

    def request(method: str, params_json: str) -> Any:
        asked.append(method)
        params = json.loads(params_json)
        if method in ("eth_requestAccounts", "eth_accounts"):
            return [account.address]
        if method == "eth_chainId":
            return hex(chain_id)
        if method == "eth_signTypedData_v4":
            assert params[0].lower() == account.address.lower()
            signable = encode_typed_data(full_message=json.loads(params[1]))
            return "0x" + account.sign_message(signable).signature.hex()
        if method == "personal_sign":
            message = bytes.fromhex(params[0][2:])
            return "0x" + account.sign_message(encode_defunct(message)).signature.hex()
        raise ValueError(f"the test wallet does not do {method}")

    page.expose_function("__walletRequest", request)
    page.add_init_script(PROVIDER)
    return asked


def test_a_firm_signs_in_and_signs_its_claim_with_an_injected_wallet(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    firm: LocalAccount = Account.create()
    ledger.admit("Wallet Freight", account=firm)
    document = tmp_path / "footprint.json"
    document.write_bytes(as_bytes(example("carrier_footprint.json", firm.address)))

    page = new_page()
    asked = install_wallet(page, firm, ledger.services.ledger.chain_id)
    page.goto(f"{ledger.url}/app/signin")
    page.get_by_role("button", name="Sign in with browser wallet").click()
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("wallet")
    expect(page).to_have_url(re.compile(r"/app/firm$"))

    page.get_by_role("link", name="Submit a claim").first.click()
    page.get_by_test_id("claim-file").set_input_files(str(document))
    expect(page.get_by_test_id("check-result")).to_contain_text("passed")
    page.get_by_role("button", name="Sign and submit").click()
    submitted = page.get_by_test_id("submit-result")
    expect(submitted).to_contain_text("checked", timeout=90_000)
    claim_id = submitted.get_by_role("link").inner_text()

    assert asked.count("eth_signTypedData_v4") == 2  # the login, then the claim
    state = ledger.services.ledger.claim_state(bytes.fromhex(claim_id[2:]))
    assert (state.status, state.check) == ("active", "passed")
    assert page.errors == []  # type: ignore[attr-defined]
