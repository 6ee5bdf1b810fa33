"""FastAPI dependencies for member authentication.

The application must hold an :class:`AuthService` in ``app.state.auth`` (or override
:func:`get_auth_service`). Then::

    @router.get("/me")
    def me(member: CurrentMember) -> dict[str, str]: ...

    @router.post("/standards", dependencies=[Depends(require_role(Role.ADMIN))])
    def publish(...): ...

    @router.post("/verdicts")
    def verdict(auditor: Annotated[Principal, Depends(require_role("auditor"))]): ...

A missing, malformed, forged, expired or revoked token gives **401** with
``WWW-Authenticate: Bearer``; a valid token of a suspended/removed member or one lacking the
role gives **403**. :func:`http_error` maps any :class:`AuthError` the same way, for the login
routes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from carbonledger.auth.errors import AuthError, Forbidden, MalformedRequest, NotAuthenticated
from carbonledger.auth.model import Principal, Role
from carbonledger.auth.service import AuthService

_bearer = HTTPBearer(
    auto_error=False,
    description="A CarbonLedger bearer token, obtained by signing a login challenge.",
)


def http_error(error: AuthError) -> HTTPException:
    """The HTTP error for an authentication error: 401, 403 or 422, with its message."""
    if isinstance(error, NotAuthenticated):
        return HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=str(error),
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    if isinstance(error, Forbidden):
        return HTTPException(status.HTTP_403_FORBIDDEN, detail=str(error))
    if isinstance(error, MalformedRequest):
        return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(error))
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=str(error))


def get_auth_service(request: Request) -> AuthService:
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
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=(
                "missing bearer token: send 'Authorization: Bearer <token>' "
                "(sign a login challenge to get one)"
            ),
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return service.authenticate(credentials.credentials)
    except AuthError as error:
        raise http_error(error) from None


CurrentMember = Annotated[Principal, Depends(current_member)]


def require_role(role: Role | str) -> Callable[[Principal], Principal]:
    """A dependency giving the current member if it holds ``role``, 403 otherwise."""
    wanted = Role(role)

    def dependency(member: CurrentMember) -> Principal:
        try:
            return AuthService.authorize(member, wanted)
        except AuthError as error:
            raise http_error(error) from None

    dependency.__name__ = f"require_{wanted.value}"
    return dependency
