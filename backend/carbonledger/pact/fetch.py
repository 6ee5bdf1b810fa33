"""Fetching footprints from any PACT v3 host (OAuth2 client credentials), as a data recipient."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from carbonledger.errors import CarbonLedgerError


class PactFetchError(CarbonLedgerError):
    """A PACT host could not be reached or refused the request (the message says which)."""


def _client(ca: str | None = None, ca_pem: str | None = None) -> httpx.Client:
    verify: ssl.SSLContext | bool = True
    if ca or ca_pem:
        verify = ssl.create_default_context(cafile=ca, cadata=ca_pem)
    return httpx.Client(verify=verify, timeout=30)


def base_of(url: str) -> str:
    """The host's base URL: everything before ``/3/``."""
    if not url.startswith("https://"):
        raise PactFetchError(f"{url}: a PACT host is reached over HTTPS only")
    head, sep, _ = url.partition("/3/")
    if not sep:
        raise PactFetchError(f"{url}: not a PACT v3 URL (…/3/footprints/…)")
    return head


def access_token(http: httpx.Client, base: str, client_id: str, client_secret: str) -> str:
    endpoint = f"{base}/auth/token"
    try:
        found = http.get(f"{base}/.well-known/openid-configuration")
        if found.status_code == 200:
            endpoint = str(found.json().get("token_endpoint") or endpoint)
        r = http.post(
            endpoint, data={"grant_type": "client_credentials"}, auth=(client_id, client_secret)
        )
    except httpx.HTTPError as exc:
        raise PactFetchError(f"cannot reach the PACT host {base}: {exc}") from exc
    if r.status_code != 200:
        raise PactFetchError(f"{endpoint} refused the client credentials ({r.status_code})")
    return str(r.json()["access_token"])


@dataclass(frozen=True)
class ClientCredentials:
    """How this firm signs in to a partner's PACT host: the OAuth2 client credentials the host
    issued it and, for a host signed by a private CA, that CA's certificate (PEM), as a file
    (``ca``) or as text (``ca_pem``)."""

    client_id: str
    client_secret: str
    ca: str | None = None
    ca_pem: str | None = None

    @contextmanager
    def signed_in(self, base: str) -> Iterator[httpx.Client]:
        """A client of the host at ``base`` that sends a fresh access token with each request."""
        with _client(self.ca, self.ca_pem) as http:
            token = access_token(http, base, self.client_id, self.client_secret)
            http.headers["Authorization"] = f"Bearer {token}"
            yield http


def fetch_footprint(url: str, credentials: ClientCredentials) -> dict[str, Any]:
    """GET one footprint (``…/3/footprints/{id}``) from its host."""
    with credentials.signed_in(base_of(url)) as http:
        try:
            r = http.get(url)
        except httpx.HTTPError as exc:
            raise PactFetchError(f"cannot reach {url}: {exc}") from exc
    if r.status_code != 200:
        raise PactFetchError(f"{url} answered {r.status_code}: {r.text[:200]}")
    body = r.json()
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise PactFetchError(f"{url} did not answer a PACT footprint body")
    return dict(body["data"])


def post_event(callback: Mapping[str, Any], event: Mapping[str, Any]) -> None:
    """POST a CloudEvent to a partner's PACT host (``callback``: its base ``url``, the
    ``client_id``/``client_secret`` it issued us, optionally its CA as ``ca_pem``)."""
    base = str(callback["url"]).rstrip("/")
    if not base.startswith("https://"):
        raise PactFetchError(f"{base}: a PACT host is reached over HTTPS only")
    issued = ClientCredentials(
        callback["client_id"], callback["client_secret"], ca_pem=callback.get("ca_pem")
    )
    with issued.signed_in(base) as http:
        try:
            r = http.post(
                f"{base}/3/events",
                content=json.dumps(event).encode(),
                headers={"Content-Type": "application/cloudevents+json; charset=UTF-8"},
            )
        except httpx.HTTPError as exc:
            raise PactFetchError(f"cannot reach {base}/3/events: {exc}") from exc
    if r.status_code != 200:
        raise PactFetchError(f"{base}/3/events answered {r.status_code}: {r.text[:200]}")
