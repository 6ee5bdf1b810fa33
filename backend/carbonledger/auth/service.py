"""Member authentication: challenge, EIP-712 login, bearer tokens, role checks.

Flow::

    client                                   AuthService
    ------                                   -----------
    issue_challenge(key address)      ->     LoginChallenge (nothing stored)
    sign challenge.typed_data()
      with the member key (EIP-712)
    login(member, nonce, expiresAt, sig) ->  nonce authentic? not expired? signer == member?
                                             active member's current key? nonce unused?
                                             -> IssuedToken (HMAC bearer token)
    Authorization: Bearer <token>     ->     authenticate(token) -> Principal
                                             authorize(principal, role)

Failures before the member is identified (bad/expired/replayed challenge, bad signature, bad
or expired token) raise :class:`NotAuthenticated` (401); a proven key that is not an active
member's current key, or a missing role, raises :class:`Forbidden` (403).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from carbonledger.auth.challenge import (
    NONCE_SIZE,
    LoginChallenge,
    new_challenge,
    nonce_is_authentic,
    recover_signer,
)
from carbonledger.auth.errors import (
    ChallengeExpired,
    ChallengeInvalid,
    ChallengeReplayed,
    DownloadLinkExpired,
    DownloadLinkInvalid,
    InvalidSignature,
    InvalidToken,
    MalformedRequest,
    MissingRole,
    NotAMember,
    TokenExpired,
    TokenRevoked,
)
from carbonledger.auth.model import Member, Principal, Role, checksum_address
from carbonledger.auth.ports import MembershipPort, NonceStore
from carbonledger.auth.settings import AuthSettings
from carbonledger.auth.tokens import TokenClaims, encode_token, verified_token

Clock = Callable[[], int]

#: Used nonces are kept this long past their challenge's expiry, so API servers whose clocks
#: lag the purging one by less than this cannot accept a purged (replayed) challenge.
NONCE_RETENTION_GRACE = 300


def unix_now() -> int:
    return int(time.time())


@dataclass(frozen=True)
class IssuedToken:
    """A bearer token and what it stands for."""

    token: str
    principal: Principal

    @property
    def expires_at(self) -> int:
        return self.principal.expires_at


def _parse_bytes(value: bytes | str, size: int | None, what: str) -> bytes:
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    else:
        try:
            raw = bytes.fromhex(str(value).removeprefix("0x").removeprefix("0X"))
        except ValueError:
            raise MalformedRequest(f"{what} is not hex") from None
    if size is not None and len(raw) != size:
        raise MalformedRequest(f"{what} must be {size} bytes, got {len(raw)}")
    return raw


class AuthService:
    """Signs members in with their Ethereum key and checks their bearer tokens."""

    def __init__(
        self,
        settings: AuthSettings,
        membership: MembershipPort,
        nonces: NonceStore,
        clock: Clock = unix_now,
    ) -> None:
        self.settings = settings
        self._membership = membership
        self._nonces = nonces
        self._clock = clock
        self._verifying_contract = (
            checksum_address(settings.verifying_contract, "verifying contract")
            if settings.verifying_contract
            else None
        )

    def issue_challenge(self, member: str) -> LoginChallenge:
        """A fresh single-use challenge for the key ``member`` to sign (stores nothing)."""
        return new_challenge(
            self.settings.challenge_key,
            checksum_address(member, "member"),
            self._clock() + self.settings.challenge_ttl,
            self.settings.audience,
            self.settings.chain_id,
            self._verifying_contract,
        )

    def login(
        self, member: str, nonce: bytes | str, expires_at: int, signature: bytes | str
    ) -> IssuedToken:
        """Check a signed challenge and issue a bearer token.

        ``member``, ``nonce`` and ``expires_at`` are the challenge's fields as the client got
        them; ``signature`` is its 65-byte EIP-712 signature (bytes or hex).
        """
        key_address = checksum_address(member, "member")
        if not isinstance(expires_at, int) or isinstance(expires_at, bool):
            raise ChallengeInvalid(key_address)
        challenge = LoginChallenge(
            member=key_address,
            nonce=_parse_bytes(nonce, NONCE_SIZE, "nonce"),
            expires_at=expires_at,
            audience=self.settings.audience,
            chain_id=self.settings.chain_id,
            verifying_contract=self._verifying_contract,
        )
        now = self._clock()
        if not any(nonce_is_authentic(k, challenge) for k in self.settings.challenge_keys(now)):
            raise ChallengeInvalid(key_address)
        if now >= expires_at:
            raise ChallengeExpired(key_address, expires_at)
        try:
            signature_bytes = _parse_bytes(signature, None, "signature")
        except MalformedRequest as error:
            raise InvalidSignature(key_address, str(error)) from None
        signer = recover_signer(challenge, signature_bytes)
        if signer != key_address:
            raise InvalidSignature(key_address, f"it was made by {signer}")
        record = self._active_member(key_address)
        self._nonces.purge_expired(now - NONCE_RETENTION_GRACE)
        if not self._nonces.consume(challenge.nonce, expires_at):
            raise ChallengeReplayed(key_address)
        principal = Principal(
            account=record.account,
            key_address=key_address,
            roles=record.roles,
            expires_at=now + self.settings.token_ttl,
        )
        claims = TokenClaims(
            account=principal.account,
            key_address=key_address,
            roles=principal.roles,
            issued_at=now,
            expires_at=principal.expires_at,
            audience=self.settings.audience,
        )
        return IssuedToken(token=encode_token(claims, self.settings.token_key), principal=principal)

    def authenticate(self, token: str) -> Principal:
        """The member a bearer token stands for.

        Raises :class:`InvalidToken`, :class:`TokenExpired` or :class:`TokenRevoked` (401); with
        ``recheck_membership`` (the default) the member is looked up again, so a suspended or
        removed member gets :class:`MemberNotActive` (403) at once, and the roles are the
        member's current ones.
        """
        return self.principal_of(self.token_claims(token))

    def token_claims(self, token: str) -> TokenClaims:
        """The first half of :meth:`authenticate`, with no I/O: the token's claims, if it was
        signed here (current or previous secret), for this audience, and has not expired.
        Raises :class:`InvalidToken` or :class:`TokenExpired` (401)."""
        claims = self._decode(token)
        if claims.audience != self.settings.audience:
            raise InvalidToken(f"issued for audience {claims.audience!r}")
        if self._clock() >= claims.expires_at:
            raise TokenExpired(claims.expires_at)
        return claims

    def principal_of(self, claims: TokenClaims) -> Principal:
        """The second half of :meth:`authenticate`: the member that checked claims stand for,
        looked up again with ``recheck_membership`` (the chain, through the membership port).
        Raises :class:`TokenRevoked` (401: the key signs for no one, or for another account)
        or :class:`MemberNotActive` (403)."""
        roles = claims.roles
        if self.settings.recheck_membership:
            record = self._membership.member_of(claims.key_address)
            if record is None or record.account != claims.account:
                raise TokenRevoked(claims.key_address)
            roles = record.require_active().roles
        return Principal(
            account=claims.account,
            key_address=claims.key_address,
            roles=roles,
            expires_at=claims.expires_at,
        )

    def download_ticket(self, principal: Principal, target: str) -> IssuedToken:
        """A ticket that stands for ``principal`` for one download, ``target`` (the route and
        its query, as :func:`carbonledger.auth.fastapi.download_target` writes them), for
        ``download_link_ttl`` seconds (never past the principal's own token).

        A browser saves a file straight to disk only when it follows a link, and a link
        cannot carry an ``Authorization`` header; it can carry this. Its audience names the
        download, so it is no bearer token, and a bearer token is no ticket. It can be used
        again until it expires (as a presigned URL can); a URL also lands in access logs and
        the browser's history, which is why it lives a minute and opens one download only.
        """
        now = self._clock()
        expires_at = min(now + self.settings.download_link_ttl, principal.expires_at)
        claims = TokenClaims(
            account=principal.account,
            key_address=principal.key_address,
            roles=principal.roles,
            issued_at=now,
            expires_at=expires_at,
            audience=self._download_audience(target),
        )
        ticket = Principal(principal.account, principal.key_address, principal.roles, expires_at)
        return IssuedToken(token=encode_token(claims, self.settings.token_key), principal=ticket)

    def download_principal(self, ticket: str, target: str) -> Principal:
        """The member a download ticket stands for, if it was issued for ``target`` and has
        not expired (:class:`DownloadLinkInvalid` or :class:`DownloadLinkExpired`, 401);
        then as :meth:`principal_of` (the member looked up again)."""
        try:
            claims = self._decode(ticket)
        except InvalidToken as error:
            raise DownloadLinkInvalid(error.reason) from None
        if claims.audience != self._download_audience(target):
            raise DownloadLinkInvalid("it was issued for another download")
        if self._clock() >= claims.expires_at:
            raise DownloadLinkExpired(claims.expires_at)
        return self.principal_of(claims)

    def _download_audience(self, target: str) -> str:
        digest = hashlib.sha256(target.encode("utf-8")).hexdigest()
        return f"{self.settings.audience} download {digest}"

    def token_verifies(self, token: str) -> bool:
        """Whether ``token`` was signed here, for this audience, and has not expired (no
        membership lookup: cheap enough to run before a request body is read)."""
        try:
            self.token_claims(token)
        except (InvalidToken, TokenExpired):
            return False
        return True

    def _decode(self, token: str) -> TokenClaims:
        """The token's claims, checked against the current secret, then the previous one."""
        current, *previous = self.settings.token_keys(self._clock())
        try:
            return verified_token(token, current)
        except InvalidToken:
            if not previous:
                raise
            return verified_token(token, previous[0])

    @staticmethod
    def authorize(principal: Principal, role: Role | str) -> Principal:
        """``principal`` if it holds ``role``; :class:`MissingRole` (403) otherwise."""
        wanted = Role(role)
        if wanted not in principal.roles:
            raise MissingRole(principal.account, wanted.value)
        return principal

    def _active_member(self, key_address: str) -> Member:
        record = self._membership.member_of(key_address)
        if record is None:
            raise NotAMember(key_address)
        return record.require_active()
