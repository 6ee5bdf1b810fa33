"""Deployment fixtures of the ledger contracts (ape + anvil; each test runs in isolation)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.contracts.anvil_states import left_by, state_folders
from tests.contracts.ledger import (
    AUDITOR,
    CHECKER,
    DAY,
    FIRM,
    RELAYER,
    Ledger,
    Member,
    h,
    key_for,
)


@pytest.fixture(scope="session")
def first_blocks(chain: Any) -> Callable[[], list[str]]:
    """The hashes of ape's anvil's first blocks (up to 64), as the chain has them now."""

    def hashes() -> list[str]:
        last = min(int(chain.blocks.height), 63)
        return ["0x" + bytes(chain.blocks[n].hash).hex() for n in range(last + 1)]

    return hashes


@pytest.fixture(scope="session", autouse=True)
def anvil_states_removed(first_blocks: Callable[[], list[str]]) -> Iterator[None]:
    """At the end, remove the state folders this session's anvil left in ~/.foundry/anvil/tmp
    (see :mod:`tests.contracts.anvil_states`), and only those."""
    before = state_folders()
    yield
    for folder in left_by(first_blocks(), before):
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def admins(accounts: Any) -> list[Any]:
    """Three initial admins; the quorum is two."""
    return [accounts[0], accounts[1], accounts[2]]


@pytest.fixture(scope="session")
def member_registry(project: Any, admins: list[Any]) -> Any:
    return admins[0].deploy(project.MemberRegistry, [a.address for a in admins], 2)


@pytest.fixture(scope="session")
def standard_registry(project: Any, admins: list[Any], member_registry: Any) -> Any:
    return admins[0].deploy(project.StandardRegistry, member_registry.address)


@pytest.fixture(scope="session")
def claim_ledger(
    project: Any, admins: list[Any], member_registry: Any, standard_registry: Any
) -> Any:
    return admins[0].deploy(project.ClaimLedger, member_registry.address, standard_registry.address)


@pytest.fixture(scope="session")
def overlap_settlement(
    project: Any, admins: list[Any], member_registry: Any, claim_ledger: Any
) -> Any:
    return admins[0].deploy(
        project.OverlapSettlement, member_registry.address, claim_ledger.address
    )


@pytest.fixture(scope="session")
def target_registry(
    project: Any, admins: list[Any], member_registry: Any, claim_ledger: Any
) -> Any:
    return admins[0].deploy(project.TargetRegistry, member_registry.address, claim_ledger.address)


@pytest.fixture(scope="session")
def ledger(
    chain: Any,
    accounts: Any,
    admins: list[Any],
    member_registry: Any,
    standard_registry: Any,
    claim_ledger: Any,
    overlap_settlement: Any,
    target_registry: Any,
) -> Ledger:
    """The consortium: three firms, an auditor, a checker, a relayer and standard version 1."""
    firms = [Member(accounts[3 + i], key_for(f"firm-{i}"), f"Firm {i}") for i in range(3)]
    auditor = Member(accounts[6], key_for("auditor"), "Auditor")
    checker = Member(accounts[7], key_for("checker"), "Checker")
    relayer = Member(accounts[8], key_for("relayer"), "Relayer")
    outsider = Member(accounts[9], key_for("outsider"), "Outsider")
    ledger = Ledger(
        chain=chain,
        registry=member_registry,
        standards=standard_registry,
        claims=claim_ledger,
        settlement=overlap_settlement,
        targets=target_registry,
        admins=admins,
        firms=firms,
        auditor=auditor,
        checker=checker,
        relayer=relayer,
        outsider=outsider,
        version=0,
    )
    # The deployment's one-time wiring: both registries push their changes into the ledger's mirror.
    member_registry.setClaimLedger(claim_ledger.address, sender=admins[0])
    standard_registry.setClaimLedger(claim_ledger.address, sender=admins[0])
    for member, roles in [
        *((f, FIRM) for f in firms),
        (auditor, AUDITOR),
        (checker, CHECKER),
        (relayer, RELAYER),
    ]:
        ledger.govern(
            "proposeAdmission",
            member.address,
            h(f"registration:{member.name}"),
            member.name,
            member.key.address,
            roles,
        )
    ledger.version = ledger.publish(h("standard-v1"), ledger.now() - DAY)
    return ledger
