"""Bearer tokens: HMAC-signed claims, expiry, audience, membership re-checks, roles."""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest
from eth_account import Account

from carbonledger.auth import (
    AuthService,
    InMemoryMembership,
    InMemoryNonceStore,
    InvalidToken,
    Member,
    MemberStatus,
    MemberSuspended,
    MissingRole,
    Role,
    TokenClaims,
    TokenExpired,
    TokenRevoked,
)
from carbonledger.auth.errors import DownloadLinkExpired, DownloadLinkInvalid
from carbonledger.auth.fastapi import download_target
from carbonledger.auth.tokens import decode_token, encode_token

from .conftest import START, FakeClock, Firm, make_settings, sign_in

KEY = b"k" * 32
CLAIMS = TokenClaims(
    account="0x" + "11" * 20,
    key_address="0x" + "22" * 20,
    roles=frozenset({Role.FIRM, Role.AUDITOR}),
    issued_at=START,
    expires_at=START + 900,
    audience="https://ledger.example",
)


def test_a_token_carries_its_claims_and_is_compact() -> None:
    token = encode_token(CLAIMS, KEY)
    assert token.startswith("cl1.") and token.count(".") == 2
    assert len(token) < 400
    assert decode_token(token, KEY) == CLAIMS


def test_a_token_signed_with_another_key_is_refused() -> None:
    with pytest.raises(InvalidToken, match="signature does not verify"):
        decode_token(encode_token(CLAIMS, KEY), b"x" * 32)


def test_a_token_with_edited_claims_is_refused() -> None:
    token = encode_token(CLAIMS, KEY)
    _, payload, mac = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        decode_token(f"cl1.{forged}.{mac}", KEY)


@pytest.mark.parametrize(
    "token",
    ["", "Bearer x", "cl1.", "cl1..", "cl1.abc", "cl1.a$b.c", "v2.a.b", "cl1." + "a" * 5000],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        decode_token(token, KEY)


def test_an_expired_token_is_refused(
    service: AuthService, carrier: tuple[Firm, Member], clock: FakeClock
) -> None:
    issued = sign_in(service, carrier[0])
    clock.advance(899)
    service.authenticate(issued.token)
    clock.advance(1)
    with pytest.raises(TokenExpired, match="sign in again"):
        service.authenticate(issued.token)


def test_a_token_for_another_audience_is_refused(
    membership: InMemoryMembership, carrier: tuple[Firm, Member], clock: FakeClock
) -> None:
    staging = AuthService(
        make_settings(audience="https://staging.example"), membership, InMemoryNonceStore(), clock
    )
    production = AuthService(make_settings(), membership, InMemoryNonceStore(), clock)
    with pytest.raises(InvalidToken, match="audience"):
        production.authenticate(sign_in(staging, carrier[0]).token)


def test_a_member_suspended_after_signing_in_is_forbidden_at_once(
    service: AuthService, membership: InMemoryMembership, carrier: tuple[Firm, Member]
) -> None:
    who, member = carrier
    issued = sign_in(service, who)
    membership.put(dataclasses.replace(member, status=MemberStatus.SUSPENDED))
    with pytest.raises(MemberSuspended):
        service.authenticate(issued.token)


def test_a_token_of_a_rotated_away_key_is_revoked(
    service: AuthService, membership: InMemoryMembership, carrier: tuple[Firm, Member]
) -> None:
    who, member = carrier
    issued = sign_in(service, who)
    membership.put(dataclasses.replace(member, signing_key=Account.create().address))
    with pytest.raises(TokenRevoked, match="no longer the member's current signing key"):
        service.authenticate(issued.token)


def test_roles_come_from_the_registry_when_rechecking(
    service: AuthService, membership: InMemoryMembership, carrier: tuple[Firm, Member]
) -> None:
    who, member = carrier
    issued = sign_in(service, who)
    membership.put(dataclasses.replace(member, roles=frozenset({Role.FIRM, Role.RELAYER})))
    assert service.authenticate(issued.token).roles == {Role.FIRM, Role.RELAYER}


def test_without_rechecks_the_token_alone_decides_until_it_expires(
    membership: InMemoryMembership, carrier: tuple[Firm, Member], clock: FakeClock
) -> None:
    service = AuthService(
        make_settings(recheck_membership=False), membership, InMemoryNonceStore(), clock
    )
    who, member = carrier
    issued = sign_in(service, who)
    membership.put(dataclasses.replace(member, status=MemberStatus.SUSPENDED))
    assert service.authenticate(issued.token).roles == {Role.FIRM}


def test_a_member_lacking_a_role_is_forbidden(
    service: AuthService, carrier: tuple[Firm, Member]
) -> None:
    principal = service.authenticate(sign_in(service, carrier[0]).token)
    assert AuthService.authorize(principal, "firm") is principal
    with pytest.raises(MissingRole, match="does not hold the 'admin' role"):
        AuthService.authorize(principal, Role.ADMIN)


def test_a_token_is_verified_once_per_process_and_still_checked_for_expiry_on_each_request(
    service: AuthService,
    clock: FakeClock,
    carrier: tuple[Firm, Member],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The API's limits and the authentication verify the bearer token of every request: its
    MAC is computed once per token, not twice per request; a forged one is refused every
    time, and a kept token still expires."""
    from carbonledger.auth import tokens

    token = sign_in(service, carrier[0]).token
    macs: list[int] = []
    mac = tokens._mac

    def counted(key: bytes, signed_part: str) -> bytes:
        macs.append(1)
        return mac(key, signed_part)

    monkeypatch.setattr(tokens, "_mac", counted)
    tokens._verified.cache_clear()
    for _ in range(3):
        assert service.token_verifies(token)
        assert service.authenticate(token).account == carrier[1].account
    assert len(macs) == 1
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for _ in range(2):
        assert not service.token_verifies(forged)
        with pytest.raises(InvalidToken):
            service.authenticate(forged)
    assert len(macs) == 5
    clock.advance(service.settings.token_ttl + 1)
    with pytest.raises(TokenExpired):
        service.authenticate(token)
    assert not service.token_verifies(token)


class _Unreachable(InMemoryMembership):
    """A membership that must not be asked (the token's own check makes no lookup)."""

    def member_of(self, key_address: str) -> Member | None:
        raise AssertionError("the membership was asked")


def test_a_tokens_own_check_asks_no_membership_and_refuses_what_authenticate_refuses(
    membership: InMemoryMembership, carrier: tuple[Firm, Member], clock: FakeClock
) -> None:
    """``token_claims`` (run on the event loop, before the body) makes no lookup, and gives
    the 401s of a forged, foreign or expired token; ``principal_of`` then gives the member's
    current roles, or the 401/403 of a key rotated away or a member suspended."""
    service = AuthService(make_settings(), membership, InMemoryNonceStore(), clock)
    who, member = carrier
    token = sign_in(service, who).token
    offline = AuthService(make_settings(), _Unreachable(), InMemoryNonceStore(), clock)
    claims = offline.token_claims(token)
    assert claims.account == member.account
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(InvalidToken):
        offline.token_claims(forged)
    staging = AuthService(
        make_settings(audience="https://staging.example"), membership, InMemoryNonceStore(), clock
    )
    with pytest.raises(InvalidToken, match="audience"):
        offline.token_claims(sign_in(staging, who).token)
    assert service.principal_of(claims) == service.authenticate(token)
    membership.put(dataclasses.replace(member, status=MemberStatus.SUSPENDED))
    with pytest.raises(MemberSuspended):
        service.principal_of(claims)
    membership.put(dataclasses.replace(member, signing_key=Account.create().address))
    with pytest.raises(TokenRevoked):
        service.principal_of(claims)
    clock.advance(service.settings.token_ttl)
    with pytest.raises(TokenExpired):
        offline.token_claims(token)


# --- download links ---

TARGET = download_target("/claims/export", [("format", "csv"), ("firm", "0xabc")])


def test_a_download_target_sorts_the_query_and_leaves_the_ticket_out() -> None:
    assert TARGET == "/claims/export?firm=0xabc&format=csv"
    assert (
        download_target("/claims/export", [("ticket", "x"), ("format", "csv"), ("firm", "0xabc")])
        == TARGET
    )


def test_a_download_ticket_opens_its_download_for_a_minute_and_nothing_else(
    service: AuthService, carrier: tuple[Firm, Member], clock: FakeClock
) -> None:
    who, _ = carrier
    principal = service.authenticate(sign_in(service, who).token)
    ticket = service.download_ticket(principal, TARGET)
    assert ticket.expires_at == clock.now + 60
    assert service.download_principal(ticket.token, TARGET).account == principal.account
    with pytest.raises(DownloadLinkInvalid, match="issued for another download"):
        service.download_principal(ticket.token, TARGET.replace("csv", "json"))
    with pytest.raises(InvalidToken, match="issued for audience"):
        service.authenticate(ticket.token)  # not a bearer token
    clock.now += 60
    with pytest.raises(DownloadLinkExpired):
        service.download_principal(ticket.token, TARGET)


def test_a_download_ticket_outlives_neither_the_token_nor_the_membership(
    service: AuthService, membership: InMemoryMembership, carrier: tuple[Firm, Member],
    clock: FakeClock,
) -> None:  # fmt: skip
    who, member = carrier
    principal = service.authenticate(sign_in(service, who).token)
    clock.now = principal.expires_at - 10
    assert service.download_ticket(principal, TARGET).expires_at == principal.expires_at
    ticket = service.download_ticket(principal, TARGET).token
    membership.put(dataclasses.replace(member, status=MemberStatus.SUSPENDED))
    with pytest.raises(MemberSuspended):
        service.download_principal(ticket, TARGET)
    with pytest.raises(DownloadLinkInvalid, match=r"not base64url|malformed|signature"):
        service.download_principal("cl1.forged.x", TARGET)
