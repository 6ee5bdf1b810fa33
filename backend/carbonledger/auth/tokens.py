"""Bearer tokens: compact, HMAC-SHA256-signed, verified in constant time.

Wire form::

    signed  = "cl1." || B64URL(payload)
    token   = signed || "." || B64URL(HMAC-SHA256(token_key, signed))
    payload = compact JSON, sorted keys:
              {"aud": audience, "exp": expiry, "iat": issued-at, "key": signing-key address,
               "roles": [sorted role names], "sub": member account}

``B64URL`` is unpadded base64url; times are unix seconds. The MAC covers the payload exactly
as sent, and is checked (``hmac.compare_digest``) before the payload is parsed. Tokens cannot
be revoked individually: keep them short-lived (the default is 15 minutes) and, by default,
the service re-checks the member's status on each request.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from carbonledger.auth.errors import InvalidToken
from carbonledger.auth.model import Role

PREFIX = "cl1."
MAX_TOKEN_LENGTH = 4096
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class TokenClaims:
    """What a token asserts."""

    account: str
    key_address: str
    roles: frozenset[Role]
    issued_at: int
    expires_at: int
    audience: str


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not _B64URL.match(text):
        raise InvalidToken("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("not base64url") from None


def _mac(key: bytes, signed_part: str) -> bytes:
    return hmac.new(key, signed_part.encode("ascii"), hashlib.sha256).digest()


def encode_token(claims: TokenClaims, key: bytes) -> str:
    """Sign ``claims`` with ``key`` into a compact token."""
    payload = json.dumps(
        {
            "aud": claims.audience,
            "exp": claims.expires_at,
            "iat": claims.issued_at,
            "key": claims.key_address,
            "roles": sorted(role.value for role in claims.roles),
            "sub": claims.account,
        },
        separators=(",", ":"),
        sort_keys=True,
    )
    signed_part = PREFIX + _b64encode(payload.encode("utf-8"))
    return signed_part + "." + _b64encode(_mac(key, signed_part))


def decode_token(token: str, key: bytes) -> TokenClaims:
    """Verify a token's MAC and parse its claims (expiry and audience are the caller's checks).

    Raises :class:`InvalidToken` for anything malformed or not signed with ``key``.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("too long")
    if not token.startswith(PREFIX):
        raise InvalidToken("unknown format (expected a 'cl1.' token)")
    signed_part, dot, mac_text = token.rpartition(".")
    if not dot or signed_part == PREFIX[:-1]:
        raise InvalidToken("malformed")
    mac = _b64decode(mac_text)
    if not hmac.compare_digest(mac, _mac(key, signed_part)):
        raise InvalidToken("signature does not verify")
    try:
        data = json.loads(_b64decode(signed_part[len(PREFIX) :]))
        return TokenClaims(
            account=_str(data["sub"]),
            key_address=_str(data["key"]),
            roles=frozenset(Role(_str(r)) for r in data["roles"]),
            issued_at=_int(data["iat"]),
            expires_at=_int(data["exp"]),
            audience=_str(data["aud"]),
        )
    except (ValueError, KeyError, TypeError):
        # Only reachable with a valid MAC, i.e. a token this server signed in another format.
        raise InvalidToken("unreadable claims") from None


def verified_token(token: str, key: bytes) -> TokenClaims:
    """:func:`decode_token`, remembered for a token that verified: whether a token's MAC
    verifies under ``key`` and what its payload says never change, so a process verifies a
    token once rather than twice per request (the API's limits check it before a body is
    read, authentication again) on every request. A token that does not verify is not kept
    (it raises each time), and expiry, audience and membership stay the caller's checks, made
    on every request; a rotated-out secret is no longer tried by the caller, so the tokens
    kept for it no longer count. At most :data:`KEPT_TOKENS` are kept (about a megabyte: the
    service signs tokens of ~300 characters)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return decode_token(token, key)  # raises, as it would for any such token
    return _verified(token, key)


#: tokens :func:`verified_token` keeps (the least recently used goes first)
KEPT_TOKENS = 4096


@functools.lru_cache(maxsize=KEPT_TOKENS)
def _verified(token: str, key: bytes) -> TokenClaims:
    return decode_token(token, key)


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value
