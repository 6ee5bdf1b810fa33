"""Errors of the services (the API maps each to HTTP in :mod:`carbonledger.api.errors`)."""

from __future__ import annotations

from typing import Any

from carbonledger.errors import CarbonLedgerError


class ServiceError(CarbonLedgerError):
    """Root of the services' errors."""


class InvalidRequest(ServiceError):
    """The request is malformed; ``problems`` name the fields (HTTP 422)."""

    def __init__(self, message: str, problems: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class SignatureMismatch(ServiceError):
    """The signature is not the firm's current key over this exact claim (HTTP 401)."""


class NotPermitted(ServiceError):
    """A proven signer who may not do this: not an active member, or lacks the role (403)."""


class NotFound(ServiceError):
    """No such claim, settlement, overlap or document (HTTP 404)."""


class Conflict(ServiceError):
    """Duplicate claim, reused or out-of-order nonce, unpublished standard (HTTP 409)."""


class NonceOutOfOrder(Conflict):
    """A signed message's nonce is not its signer's next one (HTTP 409). ``problems`` name
    the field, so that a client filing in bulk tells a claim refused only because one before
    it was (its nonce left unused: sign it again with the next) from one refused for itself."""

    def __init__(self, message: str, field: str = "nonce") -> None:
        super().__init__(message)
        self.problems: list[dict[str, Any]] = [
            {"field": field, "message": "not the signer's next nonce"}
        ]


class Busy(ServiceError):
    """The service holds as many of the firm's claims waiting for the chain as it takes
    (HTTP 429, ``Retry-After``): nothing of this one was stored, send it again later."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(ServiceError):
    """The chain does not answer (HTTP 503)."""
