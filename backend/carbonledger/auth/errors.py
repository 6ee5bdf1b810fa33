"""Errors of member authentication.

Every error raised on purpose derives from :class:`AuthError`. Two families carry the HTTP
semantics the API maps them to:

* :class:`NotAuthenticated` (401): the caller has not proven who it is -- a bad, expired or
  replayed challenge or signature, a bad or expired token.
* :class:`Forbidden` (403): the caller proved control of a key, but that key is not an active
  member's current key, or the member lacks the role.

:class:`MalformedRequest` (422) is input that is not even well-formed (an address that is
not one).
"""

from __future__ import annotations

from carbonledger.errors import CarbonLedgerError


class AuthError(CarbonLedgerError):
    """Root of the authentication package's errors."""


class MalformedRequest(AuthError):
    """A login request field is not well-formed (address, nonce)."""


# --- 401: unauthenticated ---


class NotAuthenticated(AuthError):
    """The caller's identity is not established (HTTP 401)."""


class MissingToken(NotAuthenticated):
    """No bearer token was sent."""

    def __init__(self) -> None:
        super().__init__(
            "missing bearer token: send 'Authorization: Bearer <token>' "
            "(sign a login challenge to get one)"
        )


class ChallengeInvalid(NotAuthenticated):
    """The challenge was not issued by this server for this key, audience and chain."""

    def __init__(self, member: str) -> None:
        self.member = member
        super().__init__(
            f"the login challenge for {member} was not issued by this server "
            "(or one of its fields was changed); request a new challenge"
        )


class ChallengeExpired(NotAuthenticated):
    """The challenge's expiry has passed."""

    def __init__(self, member: str, expired_at: int) -> None:
        self.member = member
        self.expired_at = expired_at
        super().__init__(
            f"the login challenge for {member} expired at {expired_at} (unix time); "
            "request a new challenge"
        )


class ChallengeReplayed(NotAuthenticated):
    """The challenge was already used to sign in: each challenge is single-use."""

    def __init__(self, member: str) -> None:
        self.member = member
        super().__init__(
            f"the login challenge for {member} was already used; request a new challenge"
        )


class InvalidSignature(NotAuthenticated):
    """The signature is malformed or was not made by the key the challenge names."""

    def __init__(self, member: str, reason: str) -> None:
        self.member = member
        self.reason = reason
        super().__init__(f"the login signature for {member} is invalid: {reason}")


class InvalidToken(NotAuthenticated):
    """The bearer token is malformed, forged, or for another audience."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"invalid bearer token: {reason}")


class TokenExpired(NotAuthenticated):
    """The bearer token's expiry has passed."""

    def __init__(self, expired_at: int) -> None:
        self.expired_at = expired_at
        super().__init__(f"the bearer token expired at {expired_at} (unix time); sign in again")


class TokenRevoked(NotAuthenticated):
    """The key the token was issued to is no longer its member's current signing key."""

    def __init__(self, key_address: str) -> None:
        self.key_address = key_address
        super().__init__(
            f"the bearer token was issued to key {key_address}, which is no longer the "
            "member's current signing key; sign in again with the current key"
        )


# --- 403: authenticated but not allowed ---


class Forbidden(AuthError):
    """The caller is identified but not allowed (HTTP 403)."""


class NotAMember(Forbidden):
    """A valid signature, but the key is not any member's current signing key."""

    def __init__(self, key_address: str) -> None:
        self.key_address = key_address
        super().__init__(f"{key_address} is not the current signing key of any member")


class MemberNotActive(Forbidden):
    """The member exists but is not active."""

    def __init__(self, account: str, status: str) -> None:
        self.account = account
        self.status = status
        super().__init__(f"member {account} is {status}, not active")


class MemberSuspended(MemberNotActive):
    """The member is suspended: its roles do not count until it is reinstated."""

    def __init__(self, account: str) -> None:
        super().__init__(account, "suspended")


class MemberRemoved(MemberNotActive):
    """The member was removed from the consortium (final)."""

    def __init__(self, account: str) -> None:
        super().__init__(account, "removed")


class MissingRole(Forbidden):
    """The member does not hold the role the operation needs."""

    def __init__(self, account: str, role: str) -> None:
        self.account = account
        self.role = role
        super().__init__(f"member {account} does not hold the {role!r} role")
