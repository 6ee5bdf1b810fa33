"""POST to one HTTP endpoint over connections kept open between requests.

The service's JSON-RPC (:mod:`carbonledger.chain.jsonrpc`) and the independent verifier's
(:mod:`carbonledger.verify.rpc`) both send many small requests to one node, from threads that
share one interpreter lock with the request path. So a request here is a plain socket: the
request's bytes written at once, and the answer parsed by httptools (llhttp, in C, which
uvicorn already uses to read the API's requests). That costs ~36 us of CPU a JSON-RPC call to
anvil here, against ~110-160 us with :mod:`http.client` (whose headers go through the
``email`` package's parser) and 0.3-1 ms with ``httpx.Client`` (docs/performance.md,
session 9). No I/O policy beyond that: each caller maps the transport's exceptions to its own
errors, and reaches an endpoint this cannot (a proxy, or credentials in the URL) through
httpx itself.

What it speaks, and what it does not: HTTP/1.1 ``POST`` with a ``Content-Length``; answers
with a length, chunked, or ending at the connection's close; informational (1xx) answers are
skipped. No redirects, no compression asked for, no ``Expect: 100-continue``. ``https`` uses
the default TLS context, with certificate and host name checks, as :mod:`http.client` did.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlsplit

import httptools

#: what a failed exchange raises (the caller names the node in its own error)
TransportError = (OSError, http.client.HTTPException)

#: bytes asked of the socket per read
_READ = 256 * 1024


class _Answer:
    """httptools' callbacks for one answer: its body's pieces, whether it is complete,
    whether it declared how its body ends (a length or chunks; else the close ends it), and
    whether the connection stays open after it (read when its headers end, as llhttp says)."""

    __slots__ = ("body", "complete", "delimited", "keep_alive", "parser", "started")

    def __init__(self) -> None:
        self.body: list[bytes] = []
        self.complete = False
        self.delimited = False
        self.keep_alive = False
        self.started = False
        self.parser = httptools.HttpResponseParser(self)

    def on_message_begin(self) -> None:
        self.body.clear()
        self.complete = False
        self.delimited = False
        self.started = True

    def on_header(self, name: bytes, value: bytes) -> None:
        lowered = name.lower()
        if lowered == b"content-length" or (
            lowered == b"transfer-encoding" and b"chunked" in value.lower()
        ):
            self.delimited = True

    def on_headers_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, piece: bytes) -> None:
        self.body.append(piece)

    def on_message_complete(self) -> None:
        self.complete = True


class _Connection:
    """One connection to the endpoint, used by one thread at a time."""

    def __init__(
        self, host: str, port: int, head: bytes, timeout: float, tls: ssl.SSLContext | None
    ) -> None:
        self._address = (host, port)
        self._timeout = timeout
        self._tls = tls
        self._socket: socket.socket | None = None
        self._head = head

    def _open(self) -> socket.socket:
        sock = socket.create_connection(self._address, self._timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                sock = self._tls.wrap_socket(sock, server_hostname=self._address[0])
        except BaseException:
            sock.close()
            raise
        self._socket = sock
        return sock

    def post(self, body: bytes, content_type: str) -> tuple[int, bytes, bool]:
        """The status and body of the answer to ``body``, and whether the connection stays
        open for another request."""
        sock = self._socket or self._open()
        sock.sendall(
            b"%sContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s"
            % (self._head, content_type.encode("latin-1"), len(body), body)
        )
        answer = _Answer()
        while True:
            data = sock.recv(_READ)
            if not data:
                if answer.started and not answer.complete and not answer.delimited:
                    return answer.parser.get_status_code(), b"".join(answer.body), False
                if not answer.started:
                    raise http.client.RemoteDisconnected("the endpoint closed without answering")
                raise http.client.IncompleteRead(b"".join(answer.body))
            try:
                answer.parser.feed_data(data)
            except httptools.HttpParserError as exc:
                raise http.client.HTTPException(
                    f"the endpoint's answer is not HTTP: {exc}"
                ) from exc
            if answer.complete:
                status = answer.parser.get_status_code()
                if 100 <= status < 200:  # informational: the answer follows, in this parser
                    answer.complete = answer.started = False
                    continue
                return status, b"".join(answer.body), answer.keep_alive

    def close(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()


class KeptOpen:
    """Connections to ``url`` kept open between requests: a request takes an idle one (or
    opens one) and gives it back, so threads never share one mid-request and a thread that
    ends leaves its connection to the next. A connection the endpoint closed while idle is
    opened again and the request sent once more. ``headers`` go with every request."""

    def __init__(self, url: str, timeout: float, headers: Mapping[str, str] | None = None) -> None:
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:  # not a number: the caller's httpx says what is wrong
            port, parts = None, parts._replace(scheme="")
        self.timeout = timeout
        https = parts.scheme == "https"
        self._https = https
        self._tls: ssl.SSLContext | None = None  # built with the first connection (~15 ms)
        self._host = parts.hostname or ""
        self._port = port or (443 if https else 80)
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        #: whether this can reach ``url``: http(s), no credentials in the URL (httpx sends
        #: them), no proxy in the environment for it (which this ignores)
        self.direct = (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and not parts.username
            and self._host.isascii()  # else IDNA, which httpx does
            and self._path.isascii()
            and (not urllib.request.getproxies() or bool(urllib.request.proxy_bypass(parts.netloc)))
        )
        self._head = self._request_head(headers or {}) if self.direct else b""
        self._lock = threading.Lock()
        self._idle: list[_Connection] = []
        self._closed = False

    def _request_head(self, headers: Mapping[str, str]) -> bytes:
        """A request's first lines, up to its content headers."""
        authority = f"[{self._host}]" if ":" in self._host else self._host
        lines = [f"POST {self._path} HTTP/1.1", f"Host: {authority}:{self._port}"]
        for name, value in headers.items():
            if any(c in name + value for c in "\r\n\0") or not name or ":" in name:
                raise ValueError(f"not a header that can be sent: {name!r}")
            lines.append(f"{name}: {value}")
        return "".join(line + "\r\n" for line in lines).encode("latin-1")

    def _take(self) -> tuple[_Connection, bool]:
        """An idle connection (True: it served before) or a new one (False)."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
            if self._https and self._tls is None:
                self._tls = ssl.create_default_context()
            tls = self._tls
        return _Connection(self._host, self._port, self._head, self.timeout, tls), False

    def _give_back(self, connection: _Connection) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(connection)
                return
        connection.close()

    def post(self, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
        """``body`` posted on a kept-open connection: the HTTP status and the answer's
        bytes. Raises one of :data:`TransportError` when the exchange fails, and
        ``ValueError`` for a URL this does not reach (:attr:`direct` is false)."""
        if not self.direct:
            raise ValueError("this URL is reached through httpx, not kept-open connections")
        for attempt in (1, 2):
            connection, reused = self._take()
            try:
                status, answer, keep = connection.post(body, content_type)
            except TransportError as exc:
                connection.close()
                stale = isinstance(
                    exc, http.client.RemoteDisconnected | BrokenPipeError | ConnectionResetError
                )
                if attempt == 1 and reused and stale:
                    continue  # the endpoint closed the idle connection: once more, on a new one
                raise
            except BaseException:
                connection.close()  # interrupted mid-exchange: the socket's state is unknown
                raise
            if keep:
                self._give_back(connection)
            else:
                connection.close()
            return status, answer
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the idle connections, and each busy one when its request is done."""
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for connection in idle:
            connection.close()
