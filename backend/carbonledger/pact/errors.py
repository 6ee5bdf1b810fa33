"""Errors of the PACT host's access tokens.

The PACT host (:mod:`carbonledger.pact.host`) answers them with the spec's error bodies
(``TokenExpired``, ``BadRequest``), not through the member API's map in
:mod:`carbonledger.api.errors`.
"""

from __future__ import annotations

from carbonledger.services.errors import ServiceError


class PactTokenError(ServiceError):
    """A partner's access token does not authenticate it (the host answers 400 or 401)."""


class TokenInvalid(PactTokenError):
    """Malformed, forged, or issued to credentials that were revoked."""


class TokenExpired(PactTokenError):
    """The token's expiry has passed."""
