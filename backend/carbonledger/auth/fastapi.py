"""FastAPI dependencies for member authentication.

The application must hold an :class:`AuthService` in ``app.state.auth`` (or override
:func:`get_auth_service`). Then::

    @router.get("/me")
    def me(member: CurrentMember) -> dict[str, str]: ...

    @router.post("/standards", dependencies=[Depends(require_role(Role.ADMIN))])
    def publish(...): ...

    @router.post("/verdicts")
    def verdict(auditor: Annotated[Principal, Depends(require_role("auditor"))]): ...

A sync endpoint on the hot path may take :data:`SignedIn` instead and call
:meth:`AuthService.principal_of` first thing in its own body: FastAPI then hands the request
to a worker thread once, not twice (once for the member's look at the chain, once for the
endpoint), about a tenth of a single claim's CPU in the service (docs/performance.md). The
price: a request whose body is malformed *and* whose member was suspended, or key rotated,
since it signed in is answered 422 for the body, not 403/401; a missing, forged or expired
token is still answered 401 before anything else.

The dependencies raise the domain's :class:`AuthError`; the application maps it to HTTP with
the one error table (:mod:`carbonledger.api.errors`): a missing, malformed, forged, expired or
revoked token gives **401** with ``WWW-Authenticate: Bearer``; a valid token of a
suspended/removed member or one lacking the role gives **403**.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from carbonledger.auth.errors import MissingToken
from carbonledger.auth.model import Principal, Role
from carbonledger.auth.service import AuthService
from carbonledger.auth.tokens import MAX_TOKEN_LENGTH, TokenClaims

_bearer = HTTPBearer(
    auto_error=False,
    description="A CarbonLedger bearer token, obtained by signing a login challenge.",
)


async def get_auth_service(request: Request) -> AuthService:
    """The application's :class:`AuthService` (``app.state.auth``)."""
    service = getattr(request.app.state, "auth", None)
    if not isinstance(service, AuthService):
        raise RuntimeError("app.state.auth is not set to an AuthService")
    return service


AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


async def signed_in(
    service: AuthServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TokenClaims:
    """The claims of ``Authorization: Bearer <token>``, checked with no I/O, on the event
    loop: present, signed here, for this audience, not expired (401 otherwise). Not yet the
    member: :func:`current_member` confirms it, or an endpoint does itself (below)."""
    return signed_in_now(service, credentials)


def signed_in_now(
    service: AuthService, credentials: HTTPAuthorizationCredentials | None
) -> TokenClaims:
    """:func:`signed_in`'s check, for a dependency that makes it itself."""
    if credentials is None:
        raise MissingToken()
    return service.token_claims(credentials.credentials)


SignedIn = Annotated[TokenClaims, Depends(signed_in)]


def current_member(service: AuthServiceDep, claims: SignedIn) -> Principal:
    """The member behind ``Authorization: Bearer <token>``; 401/403 otherwise (the member is
    looked up on chain, so FastAPI runs this in a worker thread)."""
    return service.principal_of(claims)


CurrentMember = Annotated[Principal, Depends(current_member)]

#: the query parameter that carries a download link's ticket
TICKET = "ticket"


def download_target(path: str, query: Iterable[tuple[str, str]]) -> str:
    """What a download ticket is issued for: ``path`` and its query, sorted, without the
    ticket itself (so the link's order of parameters does not matter, and nothing else
    can be added to it)."""
    kept = sorted((k, v) for k, v in query if k != TICKET)
    return f"{path}?{urlencode(kept)}"


def download_member(
    request: Request,
    service: AuthServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ticket: Annotated[
        str | None,
        Query(
            alias=TICKET,
            max_length=MAX_TOKEN_LENGTH,
            description="A download link's ticket, instead of the Authorization header.",
        ),
    ] = None,
) -> Principal:
    """The member behind a download: the bearer token, or else the ticket of a download link
    issued for this very route and query (:meth:`AuthService.download_ticket`); 401/403
    otherwise (a worker thread, as :func:`current_member`)."""
    if credentials is not None or ticket is None:
        return current_member(service, signed_in_now(service, credentials))
    target = download_target(request.url.path, request.query_params.multi_items())
    return service.download_principal(ticket, target)


DownloadMember = Annotated[Principal, Depends(download_member)]


def require_role(role: Role | str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency giving the current member if it holds ``role``, 403 otherwise."""
    wanted = Role(role)

    async def dependency(member: CurrentMember) -> Principal:  # no I/O: not in a thread
        return AuthService.authorize(member, wanted)

    dependency.__name__ = f"require_{wanted.value}"
    return dependency
