"""FastAPI dependencies for member authentication.

The application must hold an :class:`AuthService` in ``app.state.auth`` (or override
:func:`get_auth_service`). Then::

    @router.get("/me")
    def me(member: CurrentMember) -> dict[str, str]: ...

    @router.post("/standards", dependencies=[Depends(require_role(Role.ADMIN))])
    def publish(...): ...

    @router.post("/verdicts")
    def verdict(auditor: Annotated[Principal, Depends(require_role("auditor"))]): ...

The dependencies raise the domain's :class:`AuthError`; the application maps it to HTTP with
the one error table (:mod:`carbonledger.api.errors`): a missing, malformed, forged, expired or
revoked token gives **401** with ``WWW-Authenticate: Bearer``; a valid token of a
suspended/removed member or one lacking the role gives **403**.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from carbonledger.auth.errors import MissingToken
from carbonledger.auth.model import Principal, Role
from carbonledger.auth.service import AuthService

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


def current_member(
    service: AuthServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The member behind ``Authorization: Bearer <token>``; 401/403 otherwise."""
    if credentials is None:
        raise MissingToken()
    return service.authenticate(credentials.credentials)


CurrentMember = Annotated[Principal, Depends(current_member)]


def require_role(role: Role | str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency giving the current member if it holds ``role``, 403 otherwise."""
    wanted = Role(role)

    async def dependency(member: CurrentMember) -> Principal:  # no I/O: not in a thread
        return AuthService.authorize(member, wanted)

    dependency.__name__ = f"require_{wanted.value}"
    return dependency
