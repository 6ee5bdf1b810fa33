"""StandardRegistry: admins publish and retire versions of the unified standard."""

from __future__ import annotations

from typing import Any

import ape

from tests.contracts.ledger import (
    ZERO_ADDRESS,
    Ledger,
    constructor_revert,
    emitted,
    encode_error,
    h,
)

NONE, ACTIVE, RETIRED = 0, 1, 2


def test_an_admin_publishes_a_version_with_the_next_id(ledger: Ledger) -> None:
    standards, admin = ledger.standards, ledger.admins[1]
    tx = standards.publish(h("standard-v2"), 1_800_000_000, sender=admin)
    assert tx.return_value == 2
    assert emitted(tx, standards.StandardPublished) == [
        {
            "version": 2,
            "contentHash": h("standard-v2"),
            "effectiveFrom": 1_800_000_000,
            "admin": admin.address,
        }
    ]
    v = standards.versionOf(2)
    assert (v.effectiveFrom, v.status, v.contentHash) == (1_800_000_000, ACTIVE, h("standard-v2"))
    assert standards.versionState(2) == (ACTIVE, 1_800_000_000)
    assert standards.versionByContent(h("standard-v2")) == 2
    assert standards.versionCount() == 2


def test_an_admin_retires_an_active_version(ledger: Ledger) -> None:
    standards, admin = ledger.standards, ledger.admins[2]
    tx = standards.retire(ledger.version, sender=admin)
    assert emitted(tx, standards.StandardRetired) == [
        {"version": ledger.version, "admin": admin.address}
    ]
    assert standards.versionOf(ledger.version).status == RETIRED


def test_non_admins_cannot_publish_or_retire(ledger: Ledger) -> None:
    standards = ledger.standards
    for member in (ledger.firms[0], ledger.outsider, ledger.checker):
        with ape.reverts(standards.StandardRegistryNotAdmin, account=member.address):
            standards.publish(h("x"), 0, sender=member.account)
        with ape.reverts(standards.StandardRegistryNotAdmin, account=member.address):
            standards.retire(ledger.version, sender=member.account)


def test_a_suspended_admin_cannot_publish(ledger: Ledger) -> None:
    ledger.govern("proposeSuspension", ledger.admins[2].address)
    with ape.reverts(ledger.standards.StandardRegistryNotAdmin, account=ledger.admins[2].address):
        ledger.standards.publish(h("x"), 0, sender=ledger.admins[2])


def test_publishing_refuses_zero_and_already_published_content(ledger: Ledger) -> None:
    standards, admin = ledger.standards, ledger.admins[0]
    with ape.reverts(standards.StandardRegistryZeroContentHash):
        standards.publish(b"\x00" * 32, 0, sender=admin)
    with ape.reverts(
        standards.StandardRegistryDuplicateContent,
        contentHash=h("standard-v1"),
        version=ledger.version,
    ):
        standards.publish(h("standard-v1"), 0, sender=admin)


def test_retiring_refuses_unknown_and_retired_versions(ledger: Ledger) -> None:
    standards, admin = ledger.standards, ledger.admins[0]
    with ape.reverts(standards.StandardRegistryUnknownVersion, version=7):
        standards.retire(7, sender=admin)
    standards.retire(ledger.version, sender=admin)
    with ape.reverts(standards.StandardRegistryAlreadyRetired, version=ledger.version):
        standards.retire(ledger.version, sender=admin)


def test_constructor_refuses_the_zero_registry(project: Any, accounts: Any, chain: Any) -> None:
    revert = constructor_revert(chain, project.StandardRegistry, ZERO_ADDRESS)
    assert revert == encode_error("StandardRegistryZeroAddress()")
    registry = accounts[0].deploy(project.StandardRegistry, accounts[1].address)
    assert registry.memberRegistry() == accounts[1].address
    assert registry.versionState(1) == (NONE, 0)
