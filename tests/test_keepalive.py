"""KeptOpen: requests reuse an idle connection; one the endpoint closed is opened again; every
way an HTTP/1.1 answer may end is read whole, and a broken one is a transport error."""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from carbonledger.keepalive import KeptOpen, TransportError
from carbonledger.pact.tls import ensure_certificate


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless told otherwise
    connections: ClassVar[list[int]] = []
    drop_after_answer: ClassVar[bool] = False

    def setup(self) -> None:
        super().setup()
        type(self).connections.append(id(self.connection))

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        # the endpoint drops the connection without saying so (as a node does when idle)
        self.close_connection = type(self).drop_after_answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Echo.connections = []
    _Echo.drop_after_answer = False
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/rpc"
    httpd.shutdown()
    httpd.server_close()


def test_requests_reuse_one_idle_connection(server: str) -> None:
    kept = KeptOpen(server, timeout=5)
    assert kept.direct
    answers = [kept.post(f"[{i}]".encode()) for i in range(5)]
    assert answers == [(200, f"[{i}]".encode()) for i in range(5)]
    assert len(_Echo.connections) == 1
    kept.close()


def test_a_connection_the_endpoint_dropped_is_opened_again_and_the_request_sent_once_more(
    server: str,
) -> None:
    _Echo.drop_after_answer = True
    kept = KeptOpen(server, timeout=5)
    assert [kept.post(b"[1]"), kept.post(b"[2]"), kept.post(b"[3]")] == [
        (200, b"[1]"),
        (200, b"[2]"),
        (200, b"[3]"),
    ]
    assert len(_Echo.connections) == 3
    kept.close()


def test_an_endpoint_that_does_not_answer_raises_the_transport_error() -> None:
    kept = KeptOpen("http://127.0.0.1:1/", timeout=5)
    with pytest.raises(ConnectionRefusedError):
        kept.post(b"{}")


@pytest.mark.parametrize(
    "url", ["http://user:secret@127.0.0.1:8/", "ftp://127.0.0.1/", "http://127.0.0.1:x/", ""]
)
def test_what_http_client_cannot_reach_is_left_to_the_caller(url: str) -> None:
    assert not KeptOpen(url, timeout=5).direct


def test_a_url_left_to_the_caller_is_not_posted_to() -> None:
    with pytest.raises(ValueError, match="reached through httpx"):
        KeptOpen("http://user:secret@127.0.0.1:1/", timeout=5).post(b"{}")


def test_a_proxy_in_the_environment_is_left_to_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert not KeptOpen("http://node.example:8545/", timeout=5).direct


class _Scripted:
    """A raw TCP endpoint: each request (read up to its body) is answered with the bytes
    ``answer(body)`` gives (a list: each piece sent apart, 50 ms after the one before), and
    the connection closed after it when ``close`` is set."""

    def __init__(
        self, answer: Callable[[bytes], bytes | list[bytes]], *, close: bool = False
    ) -> None:
        self.answer, self.close = answer, close
        self.connections = 0
        self.heads: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/rpc"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        with conn:
            pending = b""
            while True:
                while b"\r\n\r\n" not in pending:
                    data = conn.recv(65536)
                    if not data:
                        return
                    pending += data
                head, _, pending = pending.partition(b"\r\n\r\n")
                self.heads.append(head)
                length = int(re.search(rb"(?i)content-length: *(\d+)", head)[1])  # type: ignore[index]
                while len(pending) < length:
                    pending += conn.recv(65536)
                body, pending = pending[:length], pending[length:]
                answer = self.answer(body)
                for i, piece in enumerate(answer if isinstance(answer, list) else [answer]):
                    time.sleep(0.05 if i else 0)
                    conn.sendall(piece)
                if self.close:
                    return

    def stop(self) -> None:
        self.listener.close()


@pytest.fixture
def scripted() -> Iterator[Callable[..., _Scripted]]:
    made: list[_Scripted] = []

    def make(answer: Callable[[bytes], bytes | list[bytes]], **options: bool) -> _Scripted:
        made.append(_Scripted(answer, **options))
        return made[-1]

    yield make
    for endpoint in made:
        endpoint.stop()


def _chunked(body: bytes) -> bytes:
    half = len(body) // 2
    parts = [body[:half], body[half:]]
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts if p)
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"


def test_a_chunked_answer_is_read_whole_and_the_connection_kept(scripted: Any) -> None:
    endpoint = scripted(_chunked)
    kept = KeptOpen(endpoint.url, timeout=5)
    assert [kept.post(b'{"a": 1}'), kept.post(b"[2, 3]")] == [(200, b'{"a": 1}'), (200, b"[2, 3]")]
    assert endpoint.connections == 1
    kept.close()


def test_an_answer_ended_by_the_close_is_read_whole_and_the_next_request_opens_anew(
    scripted: Any,
) -> None:
    endpoint = scripted(
        lambda body: b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body, close=True
    )
    kept = KeptOpen(endpoint.url, timeout=5)
    assert [kept.post(b"[1]"), kept.post(b"[2]")] == [(200, b"[1]"), (200, b"[2]")]
    assert endpoint.connections == 2
    kept.close()


def test_an_answer_that_says_connection_close_is_not_reused(scripted: Any) -> None:
    def answer(body: bytes) -> bytes:
        return b"HTTP/1.1 503 Busy\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (
            len(body),
            body,
        )

    endpoint = scripted(answer)
    kept = KeptOpen(endpoint.url, timeout=5)
    assert [kept.post(b"[1]"), kept.post(b"[2]")] == [(503, b"[1]"), (503, b"[2]")]
    assert endpoint.connections == 2
    kept.close()


@pytest.mark.parametrize("apart", [False, True], ids=["in one piece", "apart"])
def test_an_informational_answer_is_skipped_for_the_answer_behind_it(
    scripted: Any, apart: bool
) -> None:
    def answer(body: bytes) -> list[bytes]:
        pieces = [
            b"HTTP/1.1 100 Continue\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body),
        ]
        return pieces if apart else [b"".join(pieces)]

    kept = KeptOpen(scripted(answer).url, timeout=5)
    assert [kept.post(b"[7]"), kept.post(b"[8]")] == [(200, b"[7]"), (200, b"[8]")]
    kept.close()


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (b"SMTP ready\r\n\r\n", http.client.HTTPException),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n[1", http.client.IncompleteRead),
        (b"", http.client.RemoteDisconnected),
    ],
    ids=["not HTTP", "cut short", "closed without answering"],
)
def test_a_broken_answer_raises_a_transport_error(
    scripted: Any, answer: bytes, error: type[Exception]
) -> None:
    endpoint = scripted(lambda body: answer, close=True)
    kept = KeptOpen(endpoint.url, timeout=5)
    with pytest.raises(error) as caught:
        kept.post(b"[1]")
    assert isinstance(caught.value, TransportError)
    kept.close()


def test_https_checks_the_certificate_against_the_trusted_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = ensure_certificate(tmp_path / "tls", "127.0.0.1")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{httpd.server_address[1]}/rpc"
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            KeptOpen(url, timeout=5).post(b"[1]")  # not trusted here
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        kept = KeptOpen(url, timeout=5)
        assert [kept.post(b"[1]"), kept.post(b"[2]")] == [(200, b"[1]"), (200, b"[2]")]
        kept.close()
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_headers_given_go_with_every_request(scripted: Any) -> None:
    endpoint = scripted(_chunked)
    kept = KeptOpen(endpoint.url + "?q=1", timeout=5, headers={"Authorization": "Bearer t0k"})
    kept.post(b"[1]", "text/plain")
    kept.post(b"[2]")
    assert [head.split(b"\r\n") for head in endpoint.heads] == [
        [
            b"POST /rpc?q=1 HTTP/1.1",
            b"Host: " + endpoint.url.split("/")[2].encode(),
            b"Authorization: Bearer t0k",
            b"Content-Type: " + content_type,
            b"Content-Length: 3",
        ]
        for content_type in (b"text/plain", b"application/json")
    ]
    kept.close()


@pytest.mark.parametrize(
    "headers",
    [{"X-A": "1\r\nX-B: 2"}, {"X-A\n": "1"}, {"": "1"}, {"X:A": "1"}],
    ids=["line break in a value", "line break in a name", "no name", "colon in a name"],
)
def test_a_header_that_would_split_the_request_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="not a header that can be sent"):
        KeptOpen("http://127.0.0.1:1/", timeout=5, headers=headers)
