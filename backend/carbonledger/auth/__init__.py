"""Member authentication: EIP-712 challenge login with the member key, HMAC bearer tokens.

:class:`AuthService` does the work over two ports, :class:`MembershipPort` (the
MemberRegistry) and :class:`NonceStore` (``carbonledger.auth.sql.SqlNonceStore``, imported
from there so that the package needs no database library, or the in-memory fake).
FastAPI dependencies are in :mod:`carbonledger.auth.fastapi` (imported separately so the
library does not need FastAPI). The constructions are documented in
:mod:`carbonledger.auth.challenge` and :mod:`carbonledger.auth.tokens`.
"""

from carbonledger.auth.challenge import LoginChallenge
from carbonledger.auth.client import sign_challenge
from carbonledger.auth.errors import (
    AuthError,
    ChallengeExpired,
    ChallengeInvalid,
    ChallengeReplayed,
    Forbidden,
    InvalidSignature,
    InvalidToken,
    MalformedRequest,
    MemberNotActive,
    MemberRemoved,
    MemberSuspended,
    MissingRole,
    NotAMember,
    NotAuthenticated,
    TokenExpired,
    TokenRevoked,
)
from carbonledger.auth.model import (
    Member,
    MemberStatus,
    Principal,
    Role,
    roles_from_bits,
    roles_to_bits,
)
from carbonledger.auth.ports import (
    InMemoryMembership,
    InMemoryNonceStore,
    MembershipPort,
    NonceStore,
)
from carbonledger.auth.service import AuthService, IssuedToken
from carbonledger.auth.settings import AuthSettings, load_or_create_secret
from carbonledger.auth.tokens import TokenClaims

__all__ = [
    "AuthError",
    "AuthService",
    "AuthSettings",
    "ChallengeExpired",
    "ChallengeInvalid",
    "ChallengeReplayed",
    "Forbidden",
    "InMemoryMembership",
    "InMemoryNonceStore",
    "InvalidSignature",
    "InvalidToken",
    "IssuedToken",
    "LoginChallenge",
    "MalformedRequest",
    "Member",
    "MemberNotActive",
    "MemberRemoved",
    "MemberStatus",
    "MemberSuspended",
    "MembershipPort",
    "MissingRole",
    "NonceStore",
    "NotAMember",
    "NotAuthenticated",
    "Principal",
    "Role",
    "TokenClaims",
    "TokenExpired",
    "TokenRevoked",
    "load_or_create_secret",
    "roles_from_bits",
    "roles_to_bits",
    "sign_challenge",
]
