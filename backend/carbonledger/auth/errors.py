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

from carbonledger.errors import CarbonLedgerError, error_fields


class AuthError(CarbonLedgerError):
    """Root of the authentication package's errors."""


class MalformedRequest(AuthError):
    """A login request field is not well-formed (address, nonce)."""


# --- 401: unauthenticated ---


class NotAuthenticated(AuthError):
    """The caller's identity is not established (HTTP 401)."""


@error_fields
class MissingToken(NotAuthenticated):
    """No bearer token was sent."""

    template = (
        "missing bearer token: send 'Authorization: Bearer <token>' "
        "(sign a login challenge to get one)"
    )


@error_fields
class ChallengeInvalid(NotAuthenticated):
    """The challenge was not issued by this server for this key, audience and chain."""

    template = (
        "the login challenge for {member} was not issued by this server "
        "(or one of its fields was changed); request a new challenge"
    )
    member: str


@error_fields
class ChallengeExpired(NotAuthenticated):
    """The challenge's expiry has passed."""

    template = (
        "the login challenge for {member} expired at {expired_at} (unix time); "
        "request a new challenge"
    )
    member: str
    expired_at: int


@error_fields
class ChallengeReplayed(NotAuthenticated):
    """The challenge was already used to sign in: each challenge is single-use."""

    template = "the login challenge for {member} was already used; request a new challenge"
    member: str


@error_fields
class InvalidSignature(NotAuthenticated):
    """The signature is malformed or was not made by the key the challenge names."""

    template = "the login signature for {member} is invalid: {reason}"
    member: str
    reason: str


@error_fields
class InvalidToken(NotAuthenticated):
    """The bearer token is malformed, forged, or for another audience."""

    template = "invalid bearer token: {reason}"
    reason: str


@error_fields
class TokenExpired(NotAuthenticated):
    """The bearer token's expiry has passed."""

    template = "the bearer token expired at {expired_at} (unix time); sign in again"
    expired_at: int


@error_fields
class DownloadLinkInvalid(NotAuthenticated):
    """A download link's ticket is malformed, forged, or for another download."""

    template = "invalid download link: {reason}; ask for a new link"
    reason: str


@error_fields
class DownloadLinkExpired(NotAuthenticated):
    """A download link's ticket has expired."""

    template = "the download link expired at {expired_at} (unix time); ask for a new link"
    expired_at: int


@error_fields
class TokenRevoked(NotAuthenticated):
    """The key the token was issued to is no longer its member's current signing key."""

    template = (
        "the bearer token was issued to key {key_address}, which is no longer the "
        "member's current signing key; sign in again with the current key"
    )
    key_address: str


# --- 403: authenticated but not allowed ---


class Forbidden(AuthError):
    """The caller is identified but not allowed (HTTP 403)."""


@error_fields
class NotAMember(Forbidden):
    """A valid signature, but the key is not any member's current signing key."""

    template = "{key_address} is not the current signing key of any member"
    key_address: str


@error_fields
class MemberNotActive(Forbidden):
    """The member exists but is not active."""

    template = "member {account} is {status}, not active"
    account: str
    status: str


class MemberSuspended(MemberNotActive):
    """The member is suspended: its roles do not count until it is reinstated."""

    def __init__(self, account: str) -> None:
        super().__init__(account, "suspended")


class MemberRemoved(MemberNotActive):
    """The member was removed from the consortium (final)."""

    def __init__(self, account: str) -> None:
        super().__init__(account, "removed")


@error_fields
class MissingRole(Forbidden):
    """The member does not hold the role the operation needs."""

    template = "member {account} does not hold the {role!r} role"
    account: str
    role: str
