"""Settings of member authentication (environment prefix ``CARBONLEDGER_AUTH_``).

The secret signs tokens and challenge nonces. Give it as ``CARBONLEDGER_AUTH_SECRET`` (at
least 32 bytes; ``python -c "import secrets; print(secrets.token_hex(32))"``) or let
:func:`load_or_create_secret` keep one in the data directory.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from carbonledger.errors import ConfigError
from carbonledger.privatefiles import read_or_create

MIN_SECRET_BYTES = 32
_TOKEN_LABEL = b"CarbonLedger auth v1 token key"
_CHALLENGE_LABEL = b"CarbonLedger auth v1 challenge key"


class AuthSettings(BaseSettings):
    """How members sign in and how long their tokens last."""

    model_config = SettingsConfigDict(
        env_prefix="CARBONLEDGER_AUTH_", env_file=".env", extra="ignore", validate_default=True
    )

    secret: SecretStr = Field(
        description="Key material for the token and challenge MACs (at least 32 bytes).",
    )
    audience: str = Field(
        "http://127.0.0.1:8000",
        min_length=1,
        description="The API's origin; bound into every challenge and token.",
    )
    chain_id: int = Field(31337, ge=1, description="Chain id bound into the EIP-712 domain.")
    verifying_contract: str | None = Field(
        None, description="MemberRegistry address bound into the EIP-712 domain, if set."
    )
    challenge_ttl: int = Field(300, ge=10, le=3600, description="Seconds a challenge lives.")
    token_ttl: int = Field(900, ge=30, le=86400, description="Seconds a bearer token lives.")
    download_link_ttl: int = Field(
        60,
        ge=5,
        le=3600,
        description=(
            "Seconds a download link lives (the browser downloads an export straight to disk "
            "from a link, which cannot carry the bearer token; the link can)."
        ),
    )
    recheck_membership: bool = Field(
        True,
        description=(
            "Look the member up again on every request, so a suspension or key rotation takes "
            "effect at once rather than when the token expires."
        ),
    )

    previous_secret: SecretStr | None = Field(
        None,
        description=(
            "The secret before a rotation: what it signed is still accepted (never used to "
            "sign) until previous_secret_until."
        ),
    )
    previous_secret_until: int | None = Field(
        None, description="Unix time after which the previous secret is no longer accepted."
    )

    @field_validator("secret", "previous_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode("utf-8")) < MIN_SECRET_BYTES:
            raise ValueError(f"must be at least {MIN_SECRET_BYTES} bytes")
        return value

    def _derive(self, label: bytes, secret_value: SecretStr | None = None) -> bytes:
        secret = (secret_value or self.secret).get_secret_value().encode("utf-8")
        return hmac.new(secret, label, hashlib.sha256).digest()

    def _accepted(self, label: bytes, now: int) -> list[bytes]:
        keys = [self._derive(label)]
        if self.previous_secret is not None and (
            self.previous_secret_until is None or now < self.previous_secret_until
        ):
            keys.append(self._derive(label, self.previous_secret))
        return keys

    def token_keys(self, now: int) -> list[bytes]:
        """Keys a token may be signed with at ``now``: the current one first, then the
        previous secret's during its grace period."""
        return self._accepted(_TOKEN_LABEL, now)

    def challenge_keys(self, now: int) -> list[bytes]:
        """Keys a challenge nonce may be authenticated with at ``now`` (as :meth:`token_keys`)."""
        return self._accepted(_CHALLENGE_LABEL, now)

    @property
    def token_key(self) -> bytes:
        """The token MAC key (derived from the secret, separate from the challenge key)."""
        return self._derive(_TOKEN_LABEL)

    @property
    def challenge_key(self) -> bytes:
        """The challenge-nonce MAC key (derived from the secret)."""
        return self._derive(_CHALLENGE_LABEL)


def load_or_create_secret(path: Path) -> SecretStr:
    """The secret kept in ``path``, created (64 hex digits, mode 0600) on first use."""
    try:
        value = read_or_create(path, lambda: secrets.token_hex(MIN_SECRET_BYTES) + "\n").strip()
    except OSError as error:
        raise ConfigError(f"auth secret file {path}: {error.strerror or error}") from None
    if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
        raise ConfigError(f"auth secret file {path} holds fewer than {MIN_SECRET_BYTES} bytes")
    return SecretStr(value)
