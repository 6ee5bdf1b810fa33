"""POST to one HTTP endpoint over a kept-open :mod:`http.client` connection per thread.

The service's JSON-RPC (:mod:`carbonledger.chain.jsonrpc`) and the independent verifier's
(:mod:`carbonledger.verify.rpc`) both send many small requests to one node: ``httpx.Client``
spends 0.3-1 ms of CPU a request here (its connection pool, header models and cookie jar),
a plain connection kept open about 80 us. No I/O policy beyond that: each caller maps the
transport's exceptions to its own errors, and reaches an endpoint this cannot (a proxy, or
credentials in the URL) through httpx itself.
"""

from __future__ import annotations

import http.client
import threading
import urllib.request
from urllib.parse import urlsplit

#: what a failed exchange raises (the caller names the node in its own error)
TransportError = (OSError, http.client.HTTPException)


class KeptOpen:
    """A kept-open connection per thread to ``url``; a connection the endpoint closed while
    idle is opened again and the request sent once more."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:  # not a number: the caller's httpx says what is wrong
            port, parts = None, parts._replace(scheme="")
        self.timeout = timeout
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname or "", port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        #: whether this can reach ``url``: http(s), no credentials in the URL (httpx sends
        #: them), no proxy in the environment for it (which :mod:`http.client` ignores)
        self.direct = (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and not parts.username
            and (not urllib.request.getproxies() or bool(urllib.request.proxy_bypass(parts.netloc)))
        )
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[http.client.HTTPConnection] = []

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            connection = kind(self._host, self._port, timeout=self.timeout)
            self._local.connection = connection
            with self._lock:
                self._open.append(connection)
        return connection

    def post(self, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
        """``body`` posted on this thread's connection: the HTTP status and the answer's
        bytes. Raises one of :data:`TransportError` when the exchange fails."""
        for attempt in (1, 2):
            reused = getattr(self._local, "connection", None) is not None
            connection = self._connection()
            try:
                connection.request(
                    "POST", self._path, body=body, headers={"Content-Type": content_type}
                )
                response = connection.getresponse()
                return response.status, response.read()
            except TransportError as exc:
                connection.close()
                self._local.connection = None
                stale = isinstance(
                    exc, http.client.RemoteDisconnected | BrokenPipeError | ConnectionResetError
                )
                if attempt == 1 and reused and stale:
                    continue  # the endpoint closed the idle connection: once more, on a new one
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close every thread's connection (a later request opens a new one)."""
        with self._lock:
            connections, self._open = self._open, []
        for connection in connections:
            connection.close()
        self._local = threading.local()
