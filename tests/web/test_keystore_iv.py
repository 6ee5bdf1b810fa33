"""A keystore whose AES-CTR IV began with a zero byte: eth-account writes it without that
byte (one keystore in 256; `carbonledger key new` wrote such files until it wrote the IV in
full). The web app reads it as eth-account does, as the same 16-byte counter."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import eth_keyfile.keyfile
import pytest
from eth_account import Account
from playwright.sync_api import Page

from carbonledger.client import new_keystore
from tests.api.conftest import Api
from tests.web.conftest import PASSWORD, sign_in


@pytest.fixture
def zero_first_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    """eth-keyfile's random 16 bytes (salt and IV) begin with a zero byte."""
    real = eth_keyfile.keyfile.Random.get_random_bytes
    monkeypatch.setattr(
        eth_keyfile.keyfile.Random, "get_random_bytes", lambda n: b"\x00" + real(n)[1:]
    )


@pytest.mark.usefixtures("zero_first_byte")
def test_the_cli_writes_a_keystores_iv_in_full() -> None:
    account = Account.create()
    written = Account.encrypt(account.key, PASSWORD)
    assert len(written["crypto"]["cipherparams"]["iv"]) < 32  # eth-account's own form
    keystore = new_keystore(account.key, PASSWORD)
    iv = keystore["crypto"]["cipherparams"]["iv"]
    assert len(iv) == 32 and iv.startswith("00")
    assert Account.decrypt(keystore, PASSWORD) == account.key


@pytest.mark.usefixtures("zero_first_byte")
def test_a_keystore_whose_iv_lost_its_leading_zero_byte_signs_in_on_the_web_app(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    firm = ledger.admit("Short IV Logistics")
    written = Account.encrypt(firm.key, PASSWORD)  # as `carbonledger key new` wrote it before
    assert len(written["crypto"]["cipherparams"]["iv"]) < 32
    path = tmp_path / "short-iv.json"
    path.write_text(json.dumps(written))

    page = new_page()
    sign_in(page, ledger.url, path)
    shown = page.get_by_test_id("signed-in-as").inner_text().lower()
    assert shown.startswith(firm.address.lower()[:6])  # the page shows 0x5c23…7b2c
