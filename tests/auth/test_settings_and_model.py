"""Auth settings, the shared secret, used-nonce storage and the role bits."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from carbonledger.auth import (
    AuthSettings,
    InMemoryNonceStore,
    NonceStore,
    Role,
    load_or_create_secret,
    roles_from_bits,
    roles_to_bits,
)
from carbonledger.auth.sql import SqlNonceStore
from carbonledger.errors import ConfigError

from .conftest import SECRET, make_settings


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        make_settings(secret="too short")


@pytest.mark.usefixtures("clean_env")
def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBONLEDGER_AUTH_SECRET", SECRET)
    monkeypatch.setenv("CARBONLEDGER_AUTH_TOKEN_TTL", "600")
    settings = AuthSettings()  # type: ignore[call-arg]
    assert settings.token_ttl == 600
    assert SECRET not in repr(settings)


def test_token_and_challenge_keys_are_separate_derivations_of_the_secret() -> None:
    settings = make_settings()
    assert settings.token_key != settings.challenge_key
    assert SECRET.encode() not in (settings.token_key, settings.challenge_key)


def test_a_secret_file_is_created_private_once_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "auth.secret"
    first = load_or_create_secret(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.get_secret_value()) == 64
    assert load_or_create_secret(path) == first
    make_settings(secret=first.get_secret_value())


def test_a_secret_file_that_is_too_short_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "auth.secret"
    path.write_text("short\n")
    with pytest.raises(ConfigError, match="fewer than 32 bytes"):
        load_or_create_secret(path)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_a_nonce_is_consumed_once_and_forgotten_after_it_expires(kind: str, tmp_path: Path) -> None:
    store: NonceStore = (
        InMemoryNonceStore()
        if kind == "memory"
        else SqlNonceStore.from_url(f"sqlite:///{tmp_path / 'n.db'}")
    )
    assert store.consume(b"\x01" * 32, 100) is True
    assert store.consume(b"\x01" * 32, 100) is False
    assert store.consume(b"\x02" * 32, 200) is True
    assert store.purge_expired(150) == 1
    assert store.consume(b"\x02" * 32, 200) is False


def test_single_use_holds_across_processes_sharing_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    one, two = SqlNonceStore.from_url(url), SqlNonceStore.from_url(url)
    assert one.consume(b"\x07" * 32, 100) is True
    assert two.consume(b"\x07" * 32, 100) is False


def test_role_bits_match_the_member_registry() -> None:
    assert [role.bit for role in Role] == [1, 2, 4, 8, 16]
    assert roles_from_bits(0b10110) == {Role.FIRM, Role.AUDITOR, Role.RELAYER}
    assert roles_to_bits({Role.ADMIN, Role.CHECKER}) == 0b1001
    assert roles_from_bits(roles_to_bits(set(Role))) == set(Role)
