"""The web app in a real browser (Debian's Chromium driven by Playwright) against a real
ledger: anvil on a free port with the contracts deployed, and the API serving the built app
at /app over real HTTP (uvicorn on a free port), on SQLite.

The app must have been built (``./run`` builds ``web/`` when its sources change). Screenshots
of the main pages are written to ``.build/screenshots/`` as test artefacts.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from eth_account.signers.local import LocalAccount
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from carbonledger.api.app import create_app
from carbonledger.api.server import server_config
from carbonledger.chain.client import Web3ChainReader
from carbonledger.chain.node import free_port
from carbonledger.chain.sender import TxSender
from carbonledger.client import LedgerClient, new_keystore
from carbonledger.config import ANVIL_DEV_KEY_0, Settings
from carbonledger.pact.wiring import build_pact_service
from carbonledger.services.container import bootstrap_chain, build_services
from tests.api.conftest import Api
from tests.conftest import PROJECT_ROOT, DeployedChain

CHROMIUM = os.environ.get("CARBONLEDGER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / ".build" / "screenshots"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def ledger(
    deployed_chain: DeployedChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """The ledger's API (with the built web app at /app) on a free port."""
    if not (PROJECT_ROOT / "web" / "dist" / "index.html").is_file():
        pytest.fail("the web app is not built: run ./run setup (it builds web/ into web/dist)")
    data_dir = tmp_path_factory.mktemp("web")
    port = free_port()
    settings = Settings(
        data_dir=data_dir,
        project_root=PROJECT_ROOT,
        api_port=port,
        pact_port=free_port(),  # never the default 8443 (a test that needs the host starts it)
        submit_wait=30,
        database_url=f"sqlite:///{Path(data_dir) / 'api.db'}",
    )
    services = build_services(
        settings, deployed_chain.w3, deployed_chain.deployment, deployed_chain.artifacts
    )
    bootstrap_chain(services)
    services.start()
    app = create_app(
        settings,
        Web3ChainReader(deployed_chain.w3, deployed_chain.node.url),
        deployed_chain.deployment,
        services,
    )
    # the firm's PACT administration (/pact); a test that needs the PACT host itself (HTTPS)
    # starts it on settings.pact_port (test_pact.py)
    app.state.pact = build_pact_service(services)
    server = uvicorn.Server(server_config(app, "127.0.0.1", port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.05)
    try:
        yield Api(
            f"http://127.0.0.1:{port}",
            services,
            deployed_chain,
            TxSender(deployed_chain.w3, ANVIL_DEV_KEY_0),
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.stop()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (.ci/run installs Debian's chromium)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def new_page(playwright: Playwright, tmp_path: Path) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh browser profile (its own user-data dir) per call: one per
    member, as two people on two machines."""
    contexts: list[BrowserContext] = []

    def open_page(width: int = 1280, height: int = 900) -> Page:
        profile = tmp_path / f"profile-{len(contexts)}"
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
            accept_downloads=True,
        )
        context.set_default_timeout(60_000)
        contexts.append(context)
        page = context.pages[0] if context.pages else context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors  # type: ignore[attr-defined]
        return page

    yield open_page
    for context in contexts:
        context.close()


def keystore(account: LocalAccount, directory: Path, name: str) -> Path:
    """The member's key in the CLI's keystore format (``carbonledger key new``)."""
    path = directory / f"{name}.json"
    path.write_text(json.dumps(new_keystore(account.key, PASSWORD)))
    return path


def sign_in(page: Page, url: str, keystore_path: Path, at: str = "/signin") -> None:
    """Sign in on the app with a keystore file and its password (``at`` a deep link: the
    app asks to sign in first, then opens it)."""
    page.goto(f"{url}/app{at}")
    page.get_by_label("Keystore file").set_input_files(str(keystore_path))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in with keystore").click()
    try:
        page.get_by_test_id("signed-in-as").wait_for(timeout=120_000)
    except PlaywrightTimeout:  # say what the page showed instead (an error, a busy line)
        raise AssertionError(
            f"not signed in after 120 s at {page.url}; the page said: "
            + page.locator("main, body").first.inner_text(timeout=5_000)[:1500]
        ) from None


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def copy_to_docs(path: Path, name: str) -> None:
    """Refresh a README screenshot under docs/ when CARBONLEDGER_UPDATE_SCREENSHOTS is set."""
    if os.environ.get("CARBONLEDGER_UPDATE_SCREENSHOTS"):
        shutil.copy(path, PROJECT_ROOT / "docs" / "img" / name)


#: the pages write a range of rows with it, between its first and last ("1", DASH, "50 of 53")
DASH = "\N{EN DASH}"


def file_in_bulk(client: LedgerClient, documents: list[bytes]) -> list[str]:
    """The documents signed in order and sent in bulk (POST /claims/batch); their claim ids."""
    filed = client.submit_claims(documents)
    assert all("claim" in f for f in filed), filed
    return [f["claim"]["claim_id"] for f in filed]
