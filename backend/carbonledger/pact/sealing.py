"""Partners' event credentials at rest: the client secret a partner issued to a firm (so the
firm can post events to the partner's ``/3/events``) must be sent again, so it cannot be
hashed like the secrets this host issues (those are kept as SHA-256 only); it is sealed with
AES-256-GCM under a key derived (HKDF-SHA256) from ``pact_secrets_key`` or, when the setting is
absent, a random secret kept in ``data_dir/pact-secrets.key`` (0600). The client id is the
associated data: a sealed secret copied to another client's row does not open.

A callback stored before sealing existed (``client_secret`` in clear) still opens, and is
sealed on its next write; :meth:`CallbackSealer.seal` refuses nothing."""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED: Final = "client_secret_sealed"
_INFO: Final = b"carbonledger:pact:callback-secret:v1"


class SealError(ValueError):
    """A sealed callback secret does not open (another key, or another client's)."""


class CallbackSealer:
    def __init__(self, secret: bytes) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)
        self._aead = AESGCM(key)

    def seal(self, callback: Mapping[str, Any], client_id: str) -> dict[str, Any]:
        """``callback`` with its ``client_secret`` replaced by the sealed form."""
        out = {k: v for k, v in callback.items() if k != "client_secret"}
        if "client_secret" in callback:
            nonce = os.urandom(12)
            sealed = self._aead.encrypt(
                nonce, str(callback["client_secret"]).encode(), client_id.encode()
            )
            out[SEALED] = base64.b64encode(nonce + sealed).decode()
        return out

    def open(self, callback: Mapping[str, Any], client_id: str) -> dict[str, Any]:
        """``callback`` with its ``client_secret`` in clear (for sending an event)."""
        out = {k: v for k, v in callback.items() if k != SEALED}
        if SEALED in callback:
            raw = base64.b64decode(str(callback[SEALED]))
            try:
                out["client_secret"] = self._aead.decrypt(
                    raw[:12], raw[12:], client_id.encode()
                ).decode()
            except InvalidTag:
                raise SealError(
                    f"the events secret of client {client_id} does not open with this key "
                    "(pact_secrets_key changed?)"
                ) from None
        return out
