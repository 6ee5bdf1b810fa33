"""KeptOpen: requests reuse an idle connection; one the endpoint closed is opened again."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from carbonledger.keepalive import KeptOpen


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


def test_a_proxy_in_the_environment_is_left_to_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert not KeptOpen("http://node.example:8545/", timeout=5).direct
