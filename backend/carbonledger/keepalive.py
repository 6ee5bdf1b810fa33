"""POST to one HTTP endpoint over :mod:`http.client` connections kept open between requests.

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
    """Connections to ``url`` kept open between requests: a request takes an idle one (or
    opens one) and gives it back, so threads never share one mid-request and a thread that
    ends leaves its connection to the next. A connection the endpoint closed while idle is
    opened again and the request sent once more."""

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
        self._lock = threading.Lock()
        self._idle: list[http.client.HTTPConnection] = []
        self._closed = False

    def _take(self) -> tuple[http.client.HTTPConnection, bool]:
        """An idle connection (True: it served before) or a new one (False)."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return kind(self._host, self._port, timeout=self.timeout), False

    def _give_back(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(connection)
                return
        connection.close()

    def post(self, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
        """``body`` posted on a kept-open connection: the HTTP status and the answer's
        bytes. Raises one of :data:`TransportError` when the exchange fails."""
        for attempt in (1, 2):
            connection, reused = self._take()
            try:
                connection.request(
                    "POST", self._path, body=body, headers={"Content-Type": content_type}
                )
                response = connection.getresponse()
                answer = response.status, response.read()
            except TransportError as exc:
                connection.close()
                stale = isinstance(
                    exc, http.client.RemoteDisconnected | BrokenPipeError | ConnectionResetError
                )
                if attempt == 1 and reused and stale:
                    continue  # the endpoint closed the idle connection: once more, on a new one
                raise
            self._give_back(connection)
            return answer
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the idle connections, and each busy one when its request is done."""
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for connection in idle:
            connection.close()
