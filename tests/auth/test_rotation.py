"""Rotating the token secret: the previous secret's tokens and challenges work for a grace
period, then not; new tokens are signed with the new secret only."""

from __future__ import annotations

import pytest

from carbonledger.auth import AuthService, InMemoryMembership, InMemoryNonceStore, InvalidToken
from carbonledger.auth.client import sign_challenge
from carbonledger.auth.errors import ChallengeInvalid
from carbonledger.auth.tokens import decode_token

from .conftest import SECRET, START, FakeClock, Firm, Member, make_settings, sign_in

NEW_SECRET = "rotated-secret-" + "fedcba9876543210" * 3


def _rotated(membership: InMemoryMembership, clock: FakeClock, until: int) -> AuthService:
    settings = make_settings(secret=NEW_SECRET, previous_secret=SECRET, previous_secret_until=until)
    return AuthService(settings, membership, InMemoryNonceStore(), clock=clock)


def test_a_token_of_the_previous_secret_is_accepted_until_the_grace_period_ends(
    service: AuthService,
    membership: InMemoryMembership,
    clock: FakeClock,
    carrier: tuple[Firm, Member],
) -> None:
    old_token = sign_in(service, carrier[0]).token
    rotated = _rotated(membership, clock, until=START + 60)
    assert rotated.authenticate(old_token).account == carrier[1].account
    assert rotated.token_verifies(old_token)
    clock.advance(61)
    with pytest.raises(InvalidToken):
        rotated.authenticate(old_token)
    assert not rotated.token_verifies(old_token)


def test_new_tokens_are_signed_with_the_new_secret_only(
    membership: InMemoryMembership, clock: FakeClock, carrier: tuple[Firm, Member]
) -> None:
    rotated = _rotated(membership, clock, until=START + 3600)
    token = sign_in(rotated, carrier[0]).token
    assert decode_token(token, make_settings(secret=NEW_SECRET).token_key)
    with pytest.raises(InvalidToken):
        decode_token(token, make_settings().token_key)


def test_a_challenge_of_the_previous_secret_is_refused_after_the_grace_period(
    service: AuthService,
    membership: InMemoryMembership,
    clock: FakeClock,
    carrier: tuple[Firm, Member],
) -> None:
    who = carrier[0]
    challenge = service.issue_challenge(who.key_address)
    signature = sign_challenge(challenge, who.key.key)
    ended = _rotated(membership, clock, until=START)
    with pytest.raises(ChallengeInvalid):
        ended.login(who.key_address, challenge.nonce, challenge.expires_at, signature)
    within = _rotated(membership, clock, until=START + 60)
    issued = within.login(who.key_address, challenge.nonce, challenge.expires_at, signature)
    assert issued.principal.account == carrier[1].account
