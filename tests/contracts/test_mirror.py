"""The registries' mirror in the ClaimLedger: one-time wiring, every change pushed at once,
and the fallback to the registries for what has no mirror entry (or an unbound ledger)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ape

from carbonledger.chain import typed_data as td
from tests.contracts.ledger import (
    ADMIN,
    AUDITOR,
    DAY,
    FIRM,
    ZERO_ADDRESS,
    Ledger,
    emitted,
    h,
    key_for,
)

NONE, ACTIVE, SUSPENDED, REMOVED = 0, 1, 2, 3
RETIRED = 2


def mirror(ledger: Ledger, account: str) -> tuple[str, int, int]:
    key, roles, status = ledger.claims.mirroredMember(account)
    return (str(key), int(roles), int(status))


def registry_state(ledger: Ledger, account: str) -> tuple[str, int, int]:
    key, roles, status = ledger.registry.memberState(account)
    return (str(key), int(roles), int(status))


def fresh(project: Any, admins: list[Any]) -> tuple[Any, Any, Any]:
    """A new, unbound MemberRegistry (quorum 1), StandardRegistry and ClaimLedger."""
    registry = admins[0].deploy(project.MemberRegistry, [a.address for a in admins], 1)
    standards = admins[0].deploy(project.StandardRegistry, registry.address)
    claims = admins[0].deploy(project.ClaimLedger, registry.address, standards.address)
    return registry, standards, claims


# ------------------------------------------------------------------ wiring


def test_the_registries_are_bound_once_to_their_ledger(ledger: Ledger) -> None:
    assert ledger.registry.claimLedger() == ledger.claims.address
    assert ledger.standards.claimLedger() == ledger.claims.address
    admin = ledger.admins[0]
    with ape.reverts(
        ledger.registry.MemberRegistryClaimLedgerAlreadySet, claimLedger=ledger.claims.address
    ):
        ledger.registry.setClaimLedger(ledger.claims.address, sender=admin)
    with ape.reverts(
        ledger.standards.StandardRegistryClaimLedgerAlreadySet, claimLedger=ledger.claims.address
    ):
        ledger.standards.setClaimLedger(ledger.claims.address, sender=admin)


def test_binding_is_for_active_admins_only_and_checks_the_ledger(
    project: Any, admins: list[Any], ledger: Ledger
) -> None:
    registry, standards, claims = fresh(project, admins)
    outsider = ledger.firms[0].account
    with ape.reverts(registry.MemberRegistryNotAdmin, account=outsider.address):
        registry.setClaimLedger(claims.address, sender=outsider)
    with ape.reverts(standards.StandardRegistryNotAdmin, account=outsider.address):
        standards.setClaimLedger(claims.address, sender=outsider)
    with ape.reverts(registry.MemberRegistryZeroAddress):
        registry.setClaimLedger(ZERO_ADDRESS, sender=admins[0])
    with ape.reverts(standards.StandardRegistryZeroAddress):
        standards.setClaimLedger(ZERO_ADDRESS, sender=admins[0])
    # a ledger wired to other registries is refused
    with ape.reverts(registry.MemberRegistryClaimLedgerMismatch, claimLedger=ledger.claims.address):
        registry.setClaimLedger(ledger.claims.address, sender=admins[0])
    with ape.reverts(
        standards.StandardRegistryClaimLedgerMismatch, claimLedger=ledger.claims.address
    ):
        standards.setClaimLedger(ledger.claims.address, sender=admins[0])
    tx = registry.setClaimLedger(claims.address, sender=admins[1])
    assert emitted(tx, registry.ClaimLedgerSet) == [
        {"claimLedger": claims.address, "admin": admins[1].address}
    ]
    tx = standards.setClaimLedger(claims.address, sender=admins[2])
    assert emitted(tx, standards.ClaimLedgerSet) == [
        {"claimLedger": claims.address, "admin": admins[2].address}
    ]
    assert registry.claimLedger() == claims.address
    assert standards.claimLedger() == claims.address


def test_only_the_registries_may_write_the_mirror(ledger: Ledger) -> None:
    claims, admin, firm = ledger.claims, ledger.admins[0], ledger.firms[0]
    with ape.reverts(claims.ClaimLedgerUnauthorizedSync, caller=admin.address):
        claims.syncMember(firm.address, admin.address, ACTIVE, FIRM, sender=admin)
    with ape.reverts(claims.ClaimLedgerUnauthorizedSync, caller=admin.address):
        claims.syncVersion(ledger.version, ACTIVE, 0, sender=admin)


# ------------------------------------------------------------------ members


def test_every_member_change_is_mirrored_at_once(ledger: Ledger) -> None:
    firm = ledger.firms[0]
    assert mirror(ledger, firm.address) == (firm.key.address, FIRM, ACTIVE)
    ledger.recorded(firm)  # the nonce shares the word: it must not disturb the mirror
    assert mirror(ledger, firm.address) == (firm.key.address, FIRM, ACTIVE)
    assert ledger.claims.nonces(firm.address) == 1

    ledger.govern("proposeSuspension", firm.address)
    assert mirror(ledger, firm.address) == (firm.key.address, FIRM, SUSPENDED)
    with ape.reverts(ledger.claims.ClaimLedgerInactiveFirm, firm=firm.address):
        ledger.submit(ledger.claim(firm))

    ledger.govern("proposeReinstatement", firm.address)
    assert mirror(ledger, firm.address) == (firm.key.address, FIRM, ACTIVE)
    ledger.recorded(firm)

    ledger.govern("proposeRoles", firm.address, AUDITOR)
    assert mirror(ledger, firm.address) == (firm.key.address, AUDITOR, ACTIVE)
    with ape.reverts(ledger.claims.ClaimLedgerInactiveFirm, firm=firm.address):
        ledger.submit(ledger.claim(firm))
    ledger.govern("proposeRoles", firm.address, FIRM | AUDITOR)

    new_key = key_for("mirror-rotated")
    ledger.registry.rotateSigningKey(new_key.address, sender=firm.account)
    assert mirror(ledger, firm.address) == (new_key.address, FIRM | AUDITOR, ACTIVE)
    old = ledger.claim(firm)
    with ape.reverts(
        ledger.claims.ClaimLedgerInvalidSignature, account=firm.address, signingKey=new_key.address
    ):
        ledger.submit(old, key=firm.key)
    ledger.submit(old, key=new_key)
    assert ledger.claims.nonces(firm.address) == 3
    assert mirror(ledger, firm.address) == registry_state(ledger, firm.address)

    ledger.govern("proposeRemoval", firm.address)
    assert mirror(ledger, firm.address) == (new_key.address, FIRM | AUDITOR, REMOVED)
    with ape.reverts(ledger.claims.ClaimLedgerInactiveFirm, firm=firm.address):
        ledger.submit(ledger.claim(firm), key=new_key)
    assert ledger.claims.nonces(firm.address) == 3


def test_an_admission_is_mirrored_with_the_account_nonce_kept(
    ledger: Ledger, accounts: Any
) -> None:
    newcomer, signer = accounts[9], key_for("newcomer")
    assert mirror(ledger, newcomer.address) == (ZERO_ADDRESS, 0, NONE)
    ledger.govern("proposeAdmission", newcomer.address, h("n"), "Newcomer", signer.address, FIRM)
    assert mirror(ledger, newcomer.address) == (signer.address, FIRM, ACTIVE)


def test_accounts_without_a_mirror_entry_are_read_from_the_registry(ledger: Ledger) -> None:
    """The initial admins were admitted before the binding: the ledger asks the registry."""
    admin = ledger.admins[2]
    assert mirror(ledger, admin.address) == (ZERO_ADDRESS, 0, NONE)
    ledger.govern("proposeRoles", admin.address, ADMIN | FIRM)
    assert mirror(ledger, admin.address) == (admin.address, ADMIN | FIRM, ACTIVE)


# ------------------------------------------------------------------ versions


def test_publication_and_retirement_are_mirrored_at_once(ledger: Ledger) -> None:
    standards, claims = ledger.standards, ledger.claims
    effective = ledger.now() + 10 * DAY
    version = ledger.publish(h("standard-mirror"), effective)
    assert claims.mirroredVersion(version) == (ACTIVE, effective)
    firm = ledger.firms[0]
    with ape.reverts(
        claims.ClaimLedgerStandardNotEffective, version=version, effectiveFrom=effective
    ):
        ledger.submit(ledger.claim(firm, standard_version=version))
    ledger.retire(ledger.version)
    effective_from = standards.versionState(ledger.version)[1]
    assert claims.mirroredVersion(ledger.version) == (RETIRED, effective_from)
    with ape.reverts(claims.ClaimLedgerRetiredStandard, version=ledger.version):
        ledger.submit(ledger.claim(firm))


# ------------------------------------------------------------------ unbound ledger


def test_an_unbound_ledger_reads_the_registries_and_stays_in_step(
    project: Any, admins: list[Any], ledger: Ledger, chain: Any
) -> None:
    registry, standards, claims = fresh(project, admins)
    firm, signer = ledger.firms[0], ledger.firms[0].key
    tx = registry.proposeAdmission(
        firm.address, h("f"), "Firm", signer.address, FIRM, sender=admins[0]
    )
    registry.execute(tx.return_value or registry.proposalCount(), sender=admins[0])
    standards.proposePublication(h("standard-unbound"), 0, sender=admins[0])  # quorum 1
    assert claims.mirroredMember(firm.address)[2] == NONE
    assert claims.mirroredVersion(1) == (NONE, 0)

    domain = td.claim_ledger_domain(int(chain.chain_id), str(claims.address))

    def submit(nonce: int, label: str) -> Any:
        claim = replace(
            ledger.claim(firm),
            standard_version=1,
            nonce=nonce,
            document_hash=h(label),
        )
        signature = td.sign_typed_data(signer.key, td.claim_typed_data(domain, claim))
        return claims.submitClaim(claim.as_tuple(), signature, sender=admins[0])

    submit(0, "unbound-0")
    assert claims.nonces(firm.address) == 1
    batch = [
        replace(ledger.claim(firm), standard_version=1, nonce=1 + i, document_hash=h(f"ub-{i}"))
        for i in range(3)
    ]
    sigs = [td.sign_typed_data(signer.key, td.claim_typed_data(domain, c)) for c in batch]
    tx = claims.submitClaims([c.as_tuple() for c in batch], sigs, sender=admins[0])
    assert list(tx.return_value) == [c.claim_id for c in batch]
    assert claims.nonces(firm.address) == 4
    tx = registry.proposeSuspension(firm.address, sender=admins[0])
    registry.execute(tx.return_value or registry.proposalCount(), sender=admins[0])
    with ape.reverts(claims.ClaimLedgerInactiveFirm, firm=firm.address):
        submit(4, "unbound-4")
    tx = registry.proposeReinstatement(firm.address, sender=admins[0])
    registry.execute(tx.return_value or registry.proposalCount(), sender=admins[0])
    standards.proposeRetirement(1, sender=admins[0])
    with ape.reverts(claims.ClaimLedgerRetiredStandard, version=1):
        submit(4, "unbound-4")
