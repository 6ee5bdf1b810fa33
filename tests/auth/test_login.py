"""Signing in with the member key: EIP-712 challenges, single use, expiry, membership."""

from __future__ import annotations

import dataclasses

import pytest
from eth_account import Account

from carbonledger.auth import (
    AuthService,
    ChallengeExpired,
    ChallengeInvalid,
    ChallengeReplayed,
    Forbidden,
    InMemoryMembership,
    InMemoryNonceStore,
    InvalidSignature,
    MalformedRequest,
    Member,
    MemberRemoved,
    MemberStatus,
    MemberSuspended,
    NotAMember,
    NotAuthenticated,
    Role,
    sign_challenge,
)
from carbonledger.auth.challenge import recover_signer

from .conftest import START, FakeClock, Firm, firm, make_settings, sign_in

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def test_an_active_member_signs_in_and_gets_a_token_with_its_roles(
    service: AuthService, carrier: tuple[Firm, Member]
) -> None:
    who, member = carrier
    issued = sign_in(service, who)
    assert issued.principal.account == member.account
    assert issued.principal.key_address == who.key_address
    assert issued.principal.roles == {Role.FIRM}
    assert issued.expires_at == START + 900
    assert service.authenticate(issued.token) == issued.principal


def test_the_challenge_is_eip712_login_bound_to_chain_and_audience(
    service: AuthService, carrier: tuple[Firm, Member]
) -> None:
    who, _ = carrier
    challenge = service.issue_challenge(who.key_address.lower())
    typed = challenge.typed_data()
    assert typed["primaryType"] == "Login"
    assert [f["name"] for f in typed["types"]["Login"]] == [
        "member",
        "nonce",
        "expiresAt",
        "audience",
    ]
    assert [f["type"] for f in typed["types"]["Login"]] == [
        "address",
        "bytes32",
        "uint64",
        "string",
    ]
    assert typed["domain"] == {"name": "CarbonLedger", "version": "1", "chainId": 31337}
    assert typed["message"]["member"] == who.key_address  # checksummed
    assert typed["message"]["audience"] == "https://ledger.example"
    assert typed["message"]["expiresAt"] == START + 300
    assert len(challenge.nonce) == 32
    assert challenge.to_json()["typedData"] == typed


def test_each_challenge_has_a_fresh_nonce(
    service: AuthService, carrier: tuple[Firm, Member]
) -> None:
    nonces = {service.issue_challenge(carrier[0].key_address).nonce for _ in range(20)}
    assert len(nonces) == 20


def test_the_verifying_contract_is_bound_into_the_domain_when_configured(
    membership: InMemoryMembership, carrier: tuple[Firm, Member], clock: FakeClock
) -> None:
    registry = "0x" + "ab" * 20
    service = AuthService(
        make_settings(verifying_contract=registry), membership, InMemoryNonceStore(), clock
    )
    challenge = service.issue_challenge(carrier[0].key_address)
    assert challenge.typed_data()["domain"]["verifyingContract"].lower() == registry
    assert sign_in(service, carrier[0]).principal.roles == {Role.FIRM}


def test_a_replayed_challenge_is_refused(
    service: AuthService, carrier: tuple[Firm, Member]
) -> None:
    who, _ = carrier
    challenge = service.issue_challenge(who.key_address)
    signature = sign_challenge(challenge, who.key.key)
    service.login(who.key_address, challenge.nonce, challenge.expires_at, signature)
    with pytest.raises(ChallengeReplayed, match="already used") as caught:
        service.login(who.key_address, challenge.nonce, challenge.expires_at, signature)
    assert isinstance(caught.value, NotAuthenticated)


def test_a_replay_with_a_malleated_signature_is_refused_too(
    service: AuthService, carrier: tuple[Firm, Member]
) -> None:
    who, _ = carrier
    challenge = service.issue_challenge(who.key_address)
    signature = sign_challenge(challenge, who.key.key)
    service.login(who.key_address, challenge.nonce, challenge.expires_at, signature)
    # The high-s twin (r, n - s, v flipped) recovers the same signer: single use must hang
    # on the nonce, not on the signature bytes.
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    twin = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])
    assert twin != signature
    with pytest.raises(ChallengeReplayed):
        service.login(who.key_address, "0x" + challenge.nonce.hex(), challenge.expires_at, twin)


def test_an_expired_challenge_is_refused(
    service: AuthService, carrier: tuple[Firm, Member], clock: FakeClock
) -> None:
    who, _ = carrier
    challenge = service.issue_challenge(who.key_address)
    signature = sign_challenge(challenge, who.key.key)
    clock.advance(300)
    with pytest.raises(ChallengeExpired, match="expired at"):
        service.login(who.key_address, challenge.nonce, challenge.expires_at, signature)


def test_a_challenge_with_a_moved_expiry_is_not_ours(
    service: AuthService, carrier: tuple[Firm, Member]
) -> None:
    who, _ = carrier
    challenge = service.issue_challenge(who.key_address)
    later = dataclasses.replace(challenge, expires_at=challenge.expires_at + 86_400)
    with pytest.raises(ChallengeInvalid, match="not issued by this server"):
        service.login(
            who.key_address, later.nonce, later.expires_at, sign_challenge(later, who.key.key)
        )


def test_a_challenge_issued_for_another_key_is_not_ours(
    service: AuthService, carrier: tuple[Firm, Member], auditor: tuple[Firm, Member]
) -> None:
    challenge = service.issue_challenge(carrier[0].key_address)
    stolen = dataclasses.replace(challenge, member=auditor[0].key_address)
    with pytest.raises(ChallengeInvalid):
        service.login(
            auditor[0].key_address,
            stolen.nonce,
            stolen.expires_at,
            sign_challenge(stolen, auditor[0].key.key),
        )


def test_a_challenge_from_a_server_with_another_secret_is_not_ours(
    service: AuthService, membership: InMemoryMembership, carrier: tuple[Firm, Member]
) -> None:
    other = AuthService(
        make_settings(secret="another-secret-" + "x" * 32), membership, InMemoryNonceStore()
    )
    who, _ = carrier
    challenge = other.issue_challenge(who.key_address)
    with pytest.raises(ChallengeInvalid):
        service.login(
            who.key_address,
            challenge.nonce,
            challenge.expires_at,
            sign_challenge(challenge, who.key.key),
        )


@pytest.mark.parametrize("change", [{"chain_id": 1}, {"audience": "https://evil.example"}])
def test_a_signature_for_another_chain_or_audience_does_not_verify(
    service: AuthService, carrier: tuple[Firm, Member], change: dict[str, object]
) -> None:
    who, _ = carrier
    challenge = service.issue_challenge(who.key_address)
    elsewhere = dataclasses.replace(challenge, **change)  # type: ignore[arg-type]
    with pytest.raises(InvalidSignature, match="made by 0x"):
        service.login(
            who.key_address,
            challenge.nonce,
            challenge.expires_at,
            sign_challenge(elsewhere, who.key.key),
        )


def test_a_signature_by_another_key_is_refused(
    service: AuthService, carrier: tuple[Firm, Member], auditor: tuple[Firm, Member]
) -> None:
    challenge = service.issue_challenge(carrier[0].key_address)
    signature = sign_challenge(challenge, auditor[0].key.key)
    with pytest.raises(InvalidSignature) as caught:
        service.login(carrier[0].key_address, challenge.nonce, challenge.expires_at, signature)
    assert auditor[0].key_address in str(caught.value)


@pytest.mark.parametrize("signature", [b"", b"\x00" * 65, b"\x01" * 64, "0xnothex", "12" * 65])
def test_a_malformed_signature_is_refused(
    service: AuthService, carrier: tuple[Firm, Member], signature: bytes | str
) -> None:
    challenge = service.issue_challenge(carrier[0].key_address)
    with pytest.raises(InvalidSignature):
        service.login(carrier[0].key_address, challenge.nonce, challenge.expires_at, signature)


def test_a_malformed_address_or_nonce_is_a_malformed_request(
    service: AuthService, carrier: tuple[Firm, Member]
) -> None:
    with pytest.raises(MalformedRequest, match="not an Ethereum address"):
        service.issue_challenge("0x1234")
    challenge = service.issue_challenge(carrier[0].key_address)
    with pytest.raises(MalformedRequest, match="32 bytes"):
        service.login(carrier[0].key_address, challenge.nonce[:16], challenge.expires_at, b"")


def test_a_valid_signature_by_a_non_member_is_forbidden_and_can_retry_once_admitted(
    service: AuthService, membership: InMemoryMembership
) -> None:
    outsider, member = firm({Role.FIRM})
    challenge = service.issue_challenge(outsider.key_address)
    signature = sign_challenge(challenge, outsider.key.key)
    with pytest.raises(NotAMember, match="not the current signing key") as caught:
        service.login(outsider.key_address, challenge.nonce, challenge.expires_at, signature)
    assert isinstance(caught.value, Forbidden)
    membership.put(member)
    issued = service.login(outsider.key_address, challenge.nonce, challenge.expires_at, signature)
    assert issued.principal.account == member.account


@pytest.mark.parametrize(
    ("status", "error"),
    [(MemberStatus.SUSPENDED, MemberSuspended), (MemberStatus.REMOVED, MemberRemoved)],
)
def test_a_member_that_is_not_active_is_forbidden(
    service: AuthService,
    membership: InMemoryMembership,
    status: MemberStatus,
    error: type[Forbidden],
) -> None:
    who, member = firm({Role.FIRM, Role.ADMIN}, status)
    membership.put(member)
    with pytest.raises(error, match=f"is {status.value}, not active"):
        sign_in(service, who)


def test_a_rotated_away_key_no_longer_signs_in(
    service: AuthService, membership: InMemoryMembership, carrier: tuple[Firm, Member]
) -> None:
    who, member = carrier
    new_key = Account.create()
    membership.put(dataclasses.replace(member, signing_key=new_key.address))
    with pytest.raises(NotAMember):
        sign_in(service, who)
    assert sign_in(service, Firm(who.account, new_key)).principal.account == member.account


def test_signer_recovery_matches_the_wallet_signature(carrier: tuple[Firm, Member]) -> None:
    service = AuthService(make_settings(), InMemoryMembership(), InMemoryNonceStore())
    challenge = service.issue_challenge(carrier[0].key_address)
    signed = Account.sign_typed_data(
        carrier[0].key.key, full_message=challenge.typed_data()
    ).signature
    assert recover_signer(challenge, bytes(signed)) == carrier[0].key_address
