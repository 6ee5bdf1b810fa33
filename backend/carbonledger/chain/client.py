"""Connecting to a chain over JSON-RPC, and the small read port the API uses."""

from __future__ import annotations

from typing import Protocol

import requests
from web3 import Web3

from carbonledger.chain.errors import RpcUnreachable


class ChainReader(Protocol):
    """What the API needs to know of the chain (a port; tests may fake it)."""

    rpc_url: str

    def chain_id(self) -> int: ...

    def block_number(self) -> int: ...


class Web3ChainReader:
    """:class:`ChainReader` over a web3 connection."""

    def __init__(self, w3: Web3, rpc_url: str) -> None:
        self.w3 = w3
        self.rpc_url = rpc_url

    def chain_id(self) -> int:
        return int(self.w3.eth.chain_id)

    def block_number(self) -> int:
        return int(self.w3.eth.block_number)


def connect(rpc_url: str, timeout: float = 10.0) -> Web3:
    """A web3 connection to ``rpc_url`` that has answered once; :class:`RpcUnreachable` if not."""
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
    try:
        w3.eth.chain_id  # noqa: B018 - one round trip proves the endpoint answers
    except (requests.RequestException, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RpcUnreachable(f"cannot reach a JSON-RPC node at {rpc_url}: {reason[:200]}") from exc
    except Exception as exc:  # web3 wraps transport failures in its own types
        raise RpcUnreachable(
            f"the endpoint at {rpc_url} does not answer JSON-RPC: {str(exc)[:200]}"
        ) from exc
    return w3
