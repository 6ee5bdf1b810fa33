"""The one map from the domain's errors to HTTP answers: a status and a message that says
what and why (``problems`` naming each field for a 422 of the services).

Every error the services, the vault, authentication, the chain and the standard raise on
purpose derives from :class:`carbonledger.errors.CarbonLedgerError`; :data:`ERROR_STATUS`
gives each its status, most specific first. Nothing else in the code knows HTTP codes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from carbonledger.auth import errors as auth
from carbonledger.chain.errors import ChainError
from carbonledger.errors import CarbonLedgerError
from carbonledger.services import errors as service
from carbonledger.standard.errors import StandardError
from carbonledger.vault import errors as vault

#: (error, HTTP status), the first that the error is an instance of wins
ERROR_STATUS: tuple[tuple[type[CarbonLedgerError], int], ...] = (
    # services
    (service.InvalidRequest, 422),
    (service.SignatureMismatch, 401),
    (service.NotPermitted, 403),
    (service.NotFound, 404),
    (service.Conflict, 409),
    (service.Busy, 429),
    (service.Unavailable, 503),
    (service.ServiceError, 400),
    # the evidence vault
    (vault.VaultAccessDenied, 403),
    (vault.NotDocumentOwner, 403),
    (vault.CannotRevoke, 409),
    (vault.DocumentNotFound, 404),
    (vault.UnknownReader, 404),
    (vault.DocumentAlreadyExists, 409),
    (vault.AlreadyGranted, 409),
    (vault.ReaderKeyMismatch, 409),
    (vault.InvalidKey, 422),
    (vault.InvalidWrappedKey, 422),
    (vault.InvalidIdentifier, 422),
    (vault.VaultError, 400),
    # authentication
    (auth.NotAuthenticated, 401),
    (auth.Forbidden, 403),
    (auth.MalformedRequest, 422),
    (auth.AuthError, 401),
    # the chain node, the standard
    (ChainError, 503),
    (StandardError, 422),
)
_ROOTS = (service.ServiceError, vault.VaultError, auth.AuthError, ChainError, StandardError)


def status_of(error: CarbonLedgerError) -> int:
    """The HTTP status of a domain error (400 for one the table does not name)."""
    return next((code for kind, code in ERROR_STATUS if isinstance(error, kind)), 400)


def _headers(error: CarbonLedgerError) -> dict[str, str] | None:
    if isinstance(error, auth.MissingToken):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(error, auth.NotAuthenticated):
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    if isinstance(error, service.Busy):
        return {"Retry-After": str(error.retry_after)}
    return None


def error_body(error: CarbonLedgerError) -> dict[str, object]:
    """The JSON body of a domain error."""
    detail = f"chain error: {error}" if isinstance(error, ChainError) else str(error)
    body: dict[str, object] = {"detail": detail}
    if (problems := problems_of(error)) is not None:
        body["problems"] = problems
    return body


def problems_of(error: CarbonLedgerError) -> list[dict[str, Any]] | None:
    """The fields an error names (a 422 of the services, a nonce out of order), or None."""
    if isinstance(error, service.InvalidRequest | service.NonceOutOfOrder):
        return error.problems
    return None


#: Documented in OpenAPI on every route that can give them.
ERROR_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {
        "description": "No, a bad or an expired bearer token, or a signature that does not match."
    },
    403: {"description": "The member may not do this (not active, wrong role, no grant)."},
    404: {"description": "No such claim, member or document."},
    409: {
        "description": (
            "A conflict: duplicate claim, grant already there, or a nonce out of order "
            "(`problems` then names the nonce field)."
        )
    },
    422: {"description": "Malformed input; `problems` names each field and why."},
    429: {
        "description": (
            "The firm has as many claims waiting for the chain as the service holds for one "
            "firm; nothing was stored: send it again after `Retry-After` seconds."
        )
    },
    503: {"description": "The chain node does not answer."},
}


async def _answer(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CarbonLedgerError)
    return JSONResponse(error_body(exc), status_code=status_of(exc), headers=_headers(exc))


def install(app: FastAPI) -> None:
    """Answer every domain error through :data:`ERROR_STATUS`."""
    for root in _ROOTS:
        app.add_exception_handler(root, _answer)
