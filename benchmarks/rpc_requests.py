"""Counting the JSON-RPC HTTP requests the service's client posts, for the benchmarks that
print them beside their times (a batch of calls counts once)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from carbonledger.chain.jsonrpc import JsonRpc

_posted = [0]


def count_requests() -> None:
    """From now on, count every request :class:`JsonRpc` posts (idempotent)."""
    post: Callable[[JsonRpc, Any], Any] = JsonRpc._post
    if getattr(post, "counted", False):
        return

    def counted(self: JsonRpc, body: Any) -> Any:
        _posted[0] += 1
        return post(self, body)

    counted.counted = True  # type: ignore[attr-defined]
    JsonRpc._post = counted  # type: ignore[method-assign]


def requests_posted() -> int:
    """The requests posted since :func:`count_requests` (0 before it)."""
    return _posted[0]
