"""Plain JSON-RPC to the node, beside web3 (see :class:`JsonRpc`)."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

import httpx
from web3 import Web3
from web3.types import BlockIdentifier

from carbonledger.chain.errors import ChainError
from carbonledger.keepalive import KeptOpen, TransportError

#: Most calls in one batch request: a node caps a batch (Besu at 1,024 calls by default), so
#: a longer one goes as several requests, in order.
BATCH_CALLS = 500


def hex_of(value: bytes) -> str:
    return "0x" + bytes(value).hex()


class JsonRpc:
    """Plain JSON-RPC (``eth_call`` and others), one call or a batch in one HTTP request.

    web3's ``eth.call`` costs about 11 ms here: its validation middleware asks the node for
    the chain id twice per call, and ``requests`` re-reads the proxy environment each time.
    Not web3's ``batch_requests`` either: it switches the shared provider into batching mode,
    which the worker's and the indexer's threads would fall into. Without an HTTP endpoint
    (another provider) the calls go through web3.

    Requests go over keep-alive connections (one per request in flight,
    :class:`~carbonledger.keepalive.KeptOpen`: a socket, and httptools to read the answer): a
    request costs ~40 us of CPU here, where :mod:`http.client` cost ~110-160 us and
    ``httpx.Client`` ~360 us (its connection pool, header models and cookie jar), and the
    service's request threads, anchoring worker and indexer make several per claim on one GIL.
    A connection the node closed while idle is opened again and the request sent once more; a
    node behind an HTTP proxy (``HTTP_PROXY`` and the like, which the socket ignores) is
    reached through httpx as before."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self.url = getattr(w3.provider, "endpoint_uri", None)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._kept = KeptOpen(str(self.url or ""), timeout=60)
        self._direct = self._kept.direct

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(timeout=60)
            return self._client

    def _post(self, body: Any) -> Any:
        """``body`` posted as JSON; the node's JSON answer. Transport failures are
        :class:`ChainError` (the API answers 503)."""
        if not self._direct:
            try:
                return self._http().post(str(self.url), json=body).json()
            except (httpx.HTTPError, ValueError) as exc:
                raise ChainError(f"the node at {self.url} did not answer: {exc}") from exc
        data = json.dumps(body, separators=(",", ":")).encode()
        try:
            status, raw = self._kept.post(data)
        except TransportError as exc:
            raise ChainError(f"the node at {self.url} did not answer: {exc!r}") from exc
        if status != 200:
            raise ChainError(f"the node at {self.url} answered HTTP {status}")
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ChainError(f"the node at {self.url} does not answer JSON-RPC") from exc

    def request(self, method: str, params: Sequence[Any]) -> Any:
        """One JSON-RPC call's ``result`` (the node's JSON, unformatted); needs an HTTP
        endpoint (:attr:`url`)."""
        return self.batch(method, [params])[0]

    def eth_calls(
        self, calls: Sequence[dict[str, Any]], block: BlockIdentifier = "latest"
    ) -> list[bytes]:
        if not self.url:
            return [bytes(self.w3.eth.call(c, block)) for c in calls]  # type: ignore[arg-type]
        tag = hex(block) if isinstance(block, int) else str(block)
        params = [[{"to": c["to"], "data": hex_of(c["data"])}, tag] for c in calls]
        return [bytes.fromhex(str(r)[2:]) for r in self.batch("eth_call", params)]

    def batch(self, method: str, params: Sequence[Sequence[Any]]) -> list[Any]:
        """``method`` once per item of ``params``, in one HTTP request (one per
        :data:`BATCH_CALLS`); the results in order (``None`` where the node answered null)."""
        return self.calls([(method, p) for p in params])

    def answers(self, method: str, params: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """Like :meth:`batch`, but the node's answer objects in order (``result`` or
        ``error``; an empty one where the node left an item unanswered), none raised."""
        return self.answers_of([(method, p) for p in params])

    def calls(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Several methods, each with its params, in one HTTP request (one per
        :data:`BATCH_CALLS`); their results in order. :class:`ChainError` if any failed."""
        out = []
        for (method, _), answer in zip(calls, self.answers_of(calls), strict=True):
            if "error" in answer or "result" not in answer:
                raise ChainError(f"{method} failed: {answer.get('error')}")
            out.append(answer["result"])
        return out

    def answers_of(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[dict[str, Any]]:
        """The answer objects of several (method, params) calls, sent in one HTTP request per
        :data:`BATCH_CALLS` calls."""
        return [
            answer
            for start in range(0, len(calls), BATCH_CALLS)
            for answer in self._answers_of(calls[start : start + BATCH_CALLS])
        ]

    def _answers_of(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[dict[str, Any]]:
        body = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": list(p)}
            for i, (method, p) in enumerate(calls)
        ]
        answers = self._post(body[0] if len(body) == 1 else body)
        if isinstance(answers, dict):  # one call is sent bare, not as a batch of one
            answers = [answers]
        by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
        whole = by_id.get(None) or {}  # an error about the request as a whole
        return [by_id.get(i) or whole for i in range(len(calls))]
