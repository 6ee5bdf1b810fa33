"""Admins govern the consortium in the browser, each with its own key opened in its page:
admit a second admin, raise the quorum to 2, then every proposal (an admission, a
suspension, a standard version's publication) waits for the other admin's approval, signed
in the other admin's browser. The chain (not the page) is asked what happened.

The module runs on its own fresh chain: a quorum of 2 and a second published standard would
change the shared chain under the other tests."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from eth_account import Account
from playwright.sync_api import Page, Route, expect

from carbonledger.chain.admin import ROLE_BITS
from carbonledger.config import ANVIL_DEV_KEY_0
from carbonledger.standard.loader import load_version
from tests.api.conftest import Api, as_bytes, example
from tests.conftest import DeployedChain, deploy_chain
from tests.web.conftest import keystore, screenshot, sign_in

ACTIVE, SUSPENDED = 1, 2


@pytest.fixture(scope="module")
def deployed_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployedChain]:
    with deploy_chain(tmp_path_factory.mktemp("admin-chain")) as chain:
        yield chain


def _admin_page(page: Page) -> None:
    page.get_by_role("link", name="Admin").click()
    expect(page).to_have_url(re.compile(r"/app/admin$"))


def _done(page: Page, text: str) -> None:
    expect(page.get_by_test_id("admin-done")).to_contain_text(text, timeout=120_000)


def test_two_admins_propose_and_approve_with_their_own_keys(
    ledger: Api, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    registry = ledger.chain.contract("MemberRegistry")
    standards = ledger.chain.contract("StandardRegistry")
    first = Account.from_key(ANVIL_DEV_KEY_0)  # the deployer, the chain's first admin
    second = Account.create()
    firm = Account.create()
    queued = ledger.admit("Queued Freight")  # files a claim once the worker has stopped
    # the second admin pays its own gas: fund its account
    ledger.admin.transact({"to": second.address, "value": 10**18}, "funding the second admin")

    one = new_page()
    sign_in(one, ledger.url, keystore(first, tmp_path, "first"))
    expect(one.get_by_test_id("signed-in-as")).to_contain_text("admin")
    _admin_page(one)
    expect(one.get_by_text("1 of 1", exact=True)).to_be_visible()
    # the service as an admin watches it: this test process runs its worker and indexer
    expect(one.get_by_test_id("service-healthy")).to_have_text("healthy")
    roles = one.get_by_test_id("service-roles")
    expect(roles.locator("tr", has_text="anchoring worker")).to_contain_text("active")
    expect(roles.locator("tr", has_text="indexer")).to_contain_text(str(os.getpid()))

    # quorum 1: the admission is proposed and executed at once, from the first admin's key
    form = one.get_by_role("form", name="Admit a member")
    form.get_by_label("Account address").fill(second.address)
    form.get_by_label("Name").fill("第二管理员 Second Admin")
    form.get_by_role("checkbox", name="admin").check()
    form.get_by_role("checkbox", name="firm").uncheck()
    form.get_by_role("button", name="Propose admission").click()
    _done(one, "executed")
    assert registry.functions.hasRole(second.address, ROLE_BITS["admin"]).call()
    expect(one.get_by_test_id("members")).to_contain_text("第二管理员 Second Admin")

    # a second admission of the same account: refused before anything is signed
    form.get_by_label("Account address").fill(second.address)
    form.get_by_label("Name").fill("again")
    form.get_by_role("button", name="Propose admission").click()
    expect(one.get_by_role("alert")).to_contain_text("MemberRegistryAlreadyMember")

    quorum = one.get_by_role("form", name="Admin quorum")
    quorum.get_by_label("New quorum").fill("2")
    quorum.get_by_role("button", name="Propose quorum").click()
    _done(one, "executed")
    assert registry.functions.adminQuorum().call() == 2
    expect(one.get_by_text("2 of 2", exact=True)).to_be_visible()

    # quorum 2: the first admin proposes a firm, which waits for the second admin
    form.get_by_label("Account address").fill(firm.address)
    form.get_by_label("Name").fill("宁波港物流有限公司")
    form.get_by_role("checkbox", name="admin").uncheck()
    form.get_by_role("checkbox", name="firm").check()
    form.get_by_role("button", name="Propose admission").click()
    _done(one, "approved 1 of 2")
    pending = one.get_by_test_id("pending")
    expect(pending).to_contain_text("admit 宁波港物流有限公司 (firm)")
    expect(pending).to_contain_text("you approved")
    assert registry.functions.memberState(firm.address).call()[2] == 0

    # ... and the first admin proposes publishing the shipped standard 1.0.0
    older = load_version("1.0.0")
    assert standards.functions.versionByContent(older.content_hash).call() == 0
    one.get_by_role("button", name=f"Publish {older.version_id}").click()
    _done(one, "approved 1 of 2")
    expect(pending).to_contain_text(f"publish standard {older.version_id}")
    screenshot(one, "admin")

    # the second admin, in its own browser, approves both with its own key
    two = new_page()
    sign_in(two, ledger.url, keystore(second, tmp_path, "second"))
    _admin_page(two)
    waiting = two.get_by_test_id("pending")
    expect(waiting.get_by_role("button", name="Approve")).to_have_count(2)
    admission = waiting.locator("tr", has_text="宁波港物流有限公司")
    admission.get_by_role("button", name="Approve").click()
    _done(two, "executed")
    assert registry.functions.memberState(firm.address).call()[2] == ACTIVE
    members = two.get_by_test_id("members")
    expect(members.locator("tr", has_text="宁波港物流有限公司")).to_contain_text("active")

    two.get_by_test_id("pending").locator("tr", has_text="publish standard").get_by_role(
        "button", name="Approve"
    ).click()
    _done(two, "executed")
    version = standards.functions.versionByContent(older.content_hash).call()
    assert version > 0
    (pid,) = [
        i
        for i in range(1, standards.functions.proposalCount().call() + 1)
        if standards.functions.proposalOf(i).call()[6] == older.content_hash
    ]
    assert standards.functions.hasApproved(pid, second.address).call()
    expect(two.get_by_test_id("standards")).to_contain_text(str(version))

    # a suspension proposed by the second admin, approved in the first admin's page
    two.get_by_test_id("members").locator("tr", has_text="宁波港物流有限公司").get_by_role(
        "button", name="Suspend"
    ).click()
    _done(two, "approved 1 of 2")
    one.reload()  # a reload signs out: the key lives only in the page's memory
    sign_in(one, ledger.url, keystore(first, tmp_path, "first"))
    _admin_page(one)
    one.get_by_test_id("pending").locator("tr", has_text="suspend").get_by_role(
        "button", name="Approve"
    ).click()
    _done(one, "executed")
    assert registry.functions.memberState(firm.address).call()[2] == SUSPENDED
    expect(
        one.get_by_test_id("members").locator("tr", has_text="宁波港物流有限公司")
    ).to_contain_text("suspended")

    # phone width: the admin page does not overflow
    one.set_viewport_size({"width": 390, "height": 844})
    assert one.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    assert one.errors == [] and two.errors == []  # type: ignore[attr-defined]

    # the anchoring worker stops (last: the module's service keeps no worker after this);
    # the open page reads the status again and says so
    ledger.services.worker.stop()
    expect(one.get_by_test_id("service-healthy")).to_have_text("needs attention", timeout=20_000)
    expect(one.get_by_test_id("service-alerts")).to_contain_text(
        "critical anchoring_worker_down: no anchoring worker is active"
    )
    # a firm's claim waits for the chain: the panel counts the firms waiting, naming none
    ledger.client(queued).submit_claims(
        [as_bytes(example("carrier_footprint.json", queued.address))]
    )
    expect(one.get_by_test_id("service-api")).to_have_text(
        re.compile(rf"^API processes: 1 serving \(\S+ pid {os.getpid()}\)\.$")
    )
    claims = one.get_by_test_id("service-claims")
    expect(claims).to_contain_text(
        "1 firm has claims waiting, the most 1 (limit 100000).", timeout=20_000
    )
    expect(claims).not_to_contain_text(queued.address)

    # the panel's other readings, from the service's own answer changed on its way to the
    # page (a PostgreSQL server near its connections limit, then a database that does not
    # answer: this module's service runs on SQLite and its database stays up)
    def answer_changed(change: Callable[[dict[str, object]], None]) -> None:
        def handle(route: Route) -> None:
            answer = route.fetch()
            body = answer.json()
            change(body)
            route.fulfill(response=answer, json=body)

        one.unroute("**/status")
        one.route("**/status", handle)

    def near_the_limit(body: dict[str, object]) -> None:
        body["database_connections"] = {"in_use": 88, "limit": 97}

    def database_down(body: dict[str, object]) -> None:
        body.update(pipeline=None, database_connections=None, database_error="connection refused")

    answer_changed(near_the_limit)
    expect(one.get_by_test_id("service-connections")).to_have_text(
        "Database: 88 of 97 connections in use.", timeout=20_000
    )
    answer_changed(database_down)
    expect(one.get_by_test_id("service-database")).to_have_text(
        "The database does not answer: connection refused", timeout=20_000
    )
    expect(one.get_by_test_id("service-claims")).to_have_count(0)
    expect(one.get_by_test_id("service-connections")).to_have_count(0)
    assert one.errors == []  # type: ignore[attr-defined]
