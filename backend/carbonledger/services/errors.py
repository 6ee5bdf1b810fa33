"""Errors of the services, each mapped to one HTTP status by the API."""

from __future__ import annotations

from typing import Any

from carbonledger.errors import CarbonLedgerError


class ServiceError(CarbonLedgerError):
    """Root of the services' errors."""

    status_code = 400


class InvalidRequest(ServiceError):
    """The request is malformed; ``problems`` name the fields (HTTP 422)."""

    status_code = 422

    def __init__(self, message: str, problems: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class SignatureMismatch(ServiceError):
    """The signature is not the firm's current key over this exact claim (HTTP 401)."""

    status_code = 401


class NotPermitted(ServiceError):
    """A proven signer who may not do this: not an active member, or lacks the role (403)."""

    status_code = 403


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    """Duplicate claim, reused or out-of-order nonce, unpublished standard (HTTP 409)."""

    status_code = 409


class Unavailable(ServiceError):
    """The chain does not answer (HTTP 503)."""

    status_code = 503
