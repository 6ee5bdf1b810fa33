#!/usr/bin/env python3
"""CPU per JSON-RPC request to the node: the service's transport against the standard library's.

Starts the embedded node (``benchmarks.e2e.embedded_chain``, as the benchmark does), then,
alternating the transports ``--rounds`` times, posts ``--requests`` times one JSON-RPC request
(``eth_getBlockByNumber("latest", false)``, an answer of ~1.7 kB, or a batch of
``--batch`` of them) on one connection kept open, and prints this process's CPU time and the
wall time per request:

* ``keepalive``: :class:`carbonledger.keepalive.KeptOpen`, what the service's JSON-RPC and the
  independent verifier use (a socket, the answer read by httptools);
* ``http.client``: an :class:`http.client.HTTPConnection` kept open, what they used before.

Usage:  .venv/bin/python scripts/bench_transport.py [--requests 3000] [--rounds 3] [--batch 1]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from carbonledger.keepalive import KeptOpen

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/
from benchmarks.e2e import embedded_chain

Post = Callable[[bytes], tuple[int, bytes]]


def standard_library(host: str, port: int) -> Post:
    connection = http.client.HTTPConnection(host, port, timeout=60)

    def post(body: bytes) -> tuple[int, bytes]:
        connection.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()

    return post


def timed(post: Post, body: bytes, requests: int) -> tuple[float, float]:
    """CPU and wall seconds per request, after one untimed request."""
    status, _ = post(body)
    if status != 200:
        raise RuntimeError(f"the node answered HTTP {status}")
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(requests):
        post(body)
    return (time.process_time() - cpu) / requests, (time.perf_counter() - wall) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=1, help="calls per JSON-RPC request")
    args = parser.parse_args()
    call = {"jsonrpc": "2.0", "method": "eth_getBlockByNumber", "params": ["latest", False]}
    calls = [{**call, "id": i} for i in range(args.batch)]
    body = json.dumps(calls if args.batch > 1 else {**call, "id": 1}).encode()
    with (
        tempfile.TemporaryDirectory(prefix="carbonledger-transport-") as tmp,
        embedded_chain(Path(tmp)) as node,
    ):
        kept = KeptOpen(node.url, timeout=60)
        answer = kept.post(body)[1]
        print(
            f"{args.requests} requests of {args.batch} call(s), {len(body)} bytes each, "
            f"answers of {len(answer):,} bytes, one connection kept open:"
        )
        for round_ in range(1, args.rounds + 1):
            for name, post in (
                ("keepalive", kept.post),
                ("http.client", standard_library(node.host, node.port)),
            ):
                cpu, wall = timed(post, body, args.requests)
                print(
                    f"  round {round_}  {name:<12} CPU {cpu * 1e6:6.1f} us per request, "
                    f"wall {wall * 1e6:6.1f} us"
                )
        kept.close()


if __name__ == "__main__":
    main()
