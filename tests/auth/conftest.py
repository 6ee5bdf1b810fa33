"""Fixtures of the authentication tests: members with keys, a settable clock, the service."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from carbonledger.auth import (
    AuthService,
    AuthSettings,
    InMemoryMembership,
    InMemoryNonceStore,
    IssuedToken,
    Member,
    MemberStatus,
    NonceStore,
    Role,
    sign_challenge,
)
from carbonledger.auth.sql import SqlNonceStore

SECRET = "test-secret-" + "0123456789abcdef" * 3
START = 1_750_000_000


class FakeClock:
    """Unix seconds that a test moves by hand."""

    def __init__(self, now: int = START) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += seconds


@dataclass
class Firm:
    """A member with its registry account and its current signing key."""

    account: str
    key: LocalAccount

    @property
    def key_address(self) -> str:
        return str(self.key.address)


def firm(roles: set[Role], status: MemberStatus = MemberStatus.ACTIVE) -> tuple[Firm, Member]:
    identity, key = Account.create(), Account.create()
    member = Member(
        account=identity.address,
        signing_key=key.address,
        status=status,
        roles=frozenset(roles),
        name="中远海运物流",
    )
    return Firm(identity.address, key), member


def make_settings(**overrides: object) -> AuthSettings:
    values: dict[str, object] = {"secret": SECRET, "audience": "https://ledger.example"}
    values.update(overrides)
    return AuthSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings() -> AuthSettings:
    return make_settings()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def carrier() -> tuple[Firm, Member]:
    return firm({Role.FIRM})


@pytest.fixture
def auditor() -> tuple[Firm, Member]:
    return firm({Role.AUDITOR})


@pytest.fixture
def membership(carrier: tuple[Firm, Member], auditor: tuple[Firm, Member]) -> InMemoryMembership:
    return InMemoryMembership([carrier[1], auditor[1]])


@pytest.fixture(params=["memory", "sqlite"])
def nonces(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NonceStore]:
    if request.param == "memory":
        yield InMemoryNonceStore()
    else:
        store = SqlNonceStore.from_url(f"sqlite:///{tmp_path / 'auth.db'}")
        yield store
        store.engine.dispose()


@pytest.fixture
def service(
    settings: AuthSettings, membership: InMemoryMembership, nonces: NonceStore, clock: FakeClock
) -> AuthService:
    return AuthService(settings, membership, nonces, clock=clock)


def sign_in(service: AuthService, who: Firm) -> IssuedToken:
    challenge = service.issue_challenge(who.key_address)
    signature = sign_challenge(challenge, who.key.key)
    return service.login(who.key_address, challenge.nonce, challenge.expires_at, signature)
