"""Map the domain's errors to HTTP answers: a status and a message that says what and why."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from carbonledger.auth.errors import AuthError
from carbonledger.auth.fastapi import http_error
from carbonledger.chain.errors import ChainError
from carbonledger.services.errors import InvalidRequest, ServiceError
from carbonledger.vault.errors import (
    AlreadyGranted,
    CannotRevoke,
    DocumentAlreadyExists,
    DocumentNotFound,
    InvalidIdentifier,
    InvalidKey,
    InvalidWrappedKey,
    NotDocumentOwner,
    ReaderKeyMismatch,
    UnknownReader,
    VaultAccessDenied,
    VaultError,
)

_VAULT_STATUS: list[tuple[type[VaultError], int]] = [
    (VaultAccessDenied, 403),
    (NotDocumentOwner, 403),
    (CannotRevoke, 409),
    (DocumentNotFound, 404),
    (UnknownReader, 404),
    (DocumentAlreadyExists, 409),
    (AlreadyGranted, 409),
    (ReaderKeyMismatch, 409),
    (InvalidKey, 422),
    (InvalidWrappedKey, 422),
    (InvalidIdentifier, 422),
]

#: Documented in OpenAPI on every route that can give them.
ERROR_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {
        "description": "No, a bad or an expired bearer token, or a signature that does not match."
    },
    403: {"description": "The member may not do this (not active, wrong role, no grant)."},
    404: {"description": "No such claim, member or document."},
    409: {"description": "A conflict: duplicate claim, reused nonce, grant already there."},
    422: {"description": "Malformed input; `problems` names each field and why."},
    503: {"description": "The chain node does not answer."},
}


def install(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service(_: Request, exc: ServiceError) -> JSONResponse:
        body: dict[str, object] = {"detail": str(exc)}
        if isinstance(exc, InvalidRequest):
            body["problems"] = exc.problems
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(VaultError)
    async def _vault(_: Request, exc: VaultError) -> JSONResponse:
        status = next((code for kind, code in _VAULT_STATUS if isinstance(exc, kind)), 400)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(AuthError)
    async def _auth(_: Request, exc: AuthError) -> JSONResponse:
        error = http_error(exc)
        return JSONResponse(
            {"detail": error.detail}, status_code=error.status_code, headers=error.headers
        )

    @app.exception_handler(ChainError)
    async def _chain(_: Request, exc: ChainError) -> JSONResponse:
        return JSONResponse({"detail": f"chain error: {exc}"}, status_code=503)
