"""The chain-reading port of the verifier: a few JSON-RPC reads, in bulk.

:class:`ChainPort` is all the verifier asks of a node (logs, transactions, block timestamps,
``eth_call``, code); :class:`RpcChainPort` answers it over HTTP with JSON-RPC batches.
Tests substitute a fake port. Nothing here talks to the CarbonLedger service.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from msgspec.json import decode as _decode_json
from msgspec.json import encode as _encode_json

from carbonledger.errors import CarbonLedgerError
from carbonledger.keepalive import KeptOpen, TransportError


class VerifyInputError(CarbonLedgerError):
    """Bad input to the verifier: a missing file, not a claim document, an unreachable node."""


def read_json(path: Path, what: str) -> Any:
    """The JSON in ``path``; :class:`VerifyInputError` names ``what`` it is and why not."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VerifyInputError(f"{what} not found: {path}") from None
    except (OSError, ValueError) as exc:
        raise VerifyInputError(f"{what} {path} is not readable JSON: {exc}") from None


class RpcUnreachable(VerifyInputError):
    """The JSON-RPC endpoint did not answer."""


class RpcError(CarbonLedgerError):
    """The endpoint answered with a JSON-RPC error."""


@dataclass(frozen=True)
class Log:
    address: str  # lower-case 0x hex
    topics: tuple[bytes, ...]
    data: bytes
    block_number: int
    tx_hash: bytes
    tx_index: int
    log_index: int
    #: the block's timestamp, where the node gives it with the log (``blockTimestamp``, as
    #: anvil, reth and geth since 1.14 do); None: read it from the block
    block_timestamp: int | None = None

    @property
    def pos(self) -> tuple[int, int, int]:
        """Position in the chain: (block, transaction index, log index)."""
        return (self.block_number, self.tx_index, self.log_index)


@dataclass(frozen=True)
class Tx:
    hash: bytes
    sender: str
    to: str | None
    input: bytes
    block_number: int
    tx_index: int


class ChainPort(Protocol):
    """What the verifier reads from a node."""

    def chain_id(self) -> int: ...

    def latest_block(self) -> int: ...

    def get_logs(
        self, address: str | Sequence[str], topics: Sequence[Any], from_block: int, to_block: int
    ) -> list[Log]:
        """The logs of the contract(s) at ``address`` matching ``topics`` (position i: one
        topic, a list of alternatives, or None for any), in the block range."""
        ...

    def get_transactions(self, hashes: Sequence[bytes]) -> dict[bytes, Tx]: ...

    def block_timestamps(self, numbers: Sequence[int]) -> dict[int, int]: ...

    def eth_calls(
        self, calls: Sequence[tuple[str | None, bytes]], block: int | None = None
    ) -> list[bytes]:
        """``eth_call`` of each ``(to, data)``; ``to`` None: ``data`` is init code run as a
        contract creation, and the answer is what it returns."""
        ...

    def code(self, address: str) -> bytes: ...

    def codes(self, addresses: Sequence[str]) -> list[bytes]: ...


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def _unhex(value: str) -> bytes:
    return bytes.fromhex(value[2:])


def _topic_param(item: Any) -> Any:
    if item is None:
        return None
    if isinstance(item, bytes):
        return _hex(item)
    return [_hex(x) for x in item]


class RpcChainPort:
    """:class:`ChainPort` over HTTP JSON-RPC (keep-alive, batched requests).

    Requests go over connections kept open between them
    (:class:`~carbonledger.keepalive.KeptOpen`): a request costs a fraction of
    ``httpx.Client``'s CPU, and a firm's verification makes a dozen. A node behind an HTTP
    proxy (``HTTP_PROXY`` and the like) or with credentials in its URL is reached through
    httpx."""

    def __init__(
        self, url: str, *, timeout: float = 30.0, batch_size: int = 500, log_range: int = 50_000
    ) -> None:
        self.url = url
        self.batch_size = batch_size
        self.log_range = log_range
        self.timeout = timeout
        self._client: httpx.Client | None = None
        self._kept = KeptOpen(url, timeout)
        self._id = 0

    def close(self) -> None:
        self._kept.close()
        if self._client is not None:
            self._client.close()

    # --- transport ---------------------------------------------------------------------
    def _send(self, body: bytes) -> tuple[int, bytes]:
        """POST ``body`` (JSON) to the node: the HTTP status and the answer's bytes."""
        try:
            if self._kept.direct:
                return self._kept.post(body)
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout)
            proxied = self._client.post(
                self.url, content=body, headers={"Content-Type": "application/json"}
            )
            return proxied.status_code, proxied.content
        except (httpx.HTTPError, *TransportError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise RpcUnreachable(f"cannot reach a JSON-RPC node at {self.url}: {reason}") from exc

    def _post(self, payload: Any) -> Any:
        status, content = self._send(_encode_json(payload))
        if status != 200:
            raise RpcUnreachable(f"the endpoint at {self.url} answered HTTP {status}, not JSON-RPC")
        try:
            # msgspec's decoder: the same JSON values as ``json``, in C (the answers hold every
            # log, transaction and calldata the verifier reads)
            return _decode_json(content)
        except ValueError as exc:  # msgspec.DecodeError is a ValueError
            raise RpcUnreachable(f"the endpoint at {self.url} does not answer JSON-RPC") from exc

    @staticmethod
    def _result(answer: Any, method: str) -> Any:
        if not isinstance(answer, dict):
            raise RpcError(f"{method}: malformed JSON-RPC answer")
        if "error" in answer:
            error = answer["error"]
            message = error.get("message", error) if isinstance(error, dict) else error
            raise RpcError(f"{method}: {message}")
        return answer.get("result")

    def request(self, method: str, params: list[Any]) -> Any:
        self._id += 1
        answer = self._post({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        return self._result(answer, method)

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """Many requests, ``batch_size`` per HTTP request; results in order."""
        out: list[Any] = []
        for start in range(0, len(calls), self.batch_size):
            chunk = calls[start : start + self.batch_size]
            base = self._id + 1
            self._id += len(chunk)
            payload = [
                {"jsonrpc": "2.0", "id": base + i, "method": m, "params": p}
                for i, (m, p) in enumerate(chunk)
            ]
            answers = self._post(payload)
            if not isinstance(answers, list):
                # a node without batch support answers one error object
                out.extend(self.request(m, p) for m, p in chunk)
                continue
            by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
            for i, (method, _) in enumerate(chunk):
                out.append(self._result(by_id.get(base + i), method))
        return out

    # --- ChainPort ---------------------------------------------------------------------
    def chain_id(self) -> int:
        return int(self.request("eth_chainId", []), 16)

    def latest_block(self) -> int:
        return int(self.request("eth_blockNumber", []), 16)

    def get_logs(
        self, address: str | Sequence[str], topics: Sequence[Any], from_block: int, to_block: int
    ) -> list[Log]:
        out: list[Log] = []
        params_topics = [_topic_param(t) for t in topics]
        start = from_block
        step = self.log_range
        while start <= to_block:
            end = min(to_block, start + step - 1)
            flt = {
                "address": address if isinstance(address, str) else list(address),
                "topics": params_topics,
                "fromBlock": hex(start),
                "toBlock": hex(end),
            }
            try:
                raw = self.request("eth_getLogs", [flt])
            except RpcError:
                if end == start:
                    raise
                step = max(1, (end - start + 1) // 2)  # too many results: halve the range
                continue
            out.extend(self._log(item) for item in raw or [] if not item.get("removed"))
            start = end + 1
        return out

    @staticmethod
    def _log(item: dict[str, Any]) -> Log:
        timestamp = item.get("blockTimestamp")
        return Log(
            address=str(item["address"]).lower(),
            topics=tuple([bytes.fromhex(t[2:]) for t in item["topics"]]),
            data=bytes.fromhex(item["data"][2:]),
            block_number=int(item["blockNumber"], 16),
            tx_hash=_unhex(item["transactionHash"]),
            tx_index=int(item["transactionIndex"], 16),
            log_index=int(item["logIndex"], 16),
            block_timestamp=int(timestamp, 16) if timestamp else None,
        )

    def get_transactions(self, hashes: Sequence[bytes]) -> dict[bytes, Tx]:
        unique = list(dict.fromkeys(hashes))
        answers = self.batch([("eth_getTransactionByHash", [_hex(h)]) for h in unique])
        out: dict[bytes, Tx] = {}
        for tx_hash, item in zip(unique, answers, strict=True):
            if item is None:
                continue
            to = item.get("to")
            out[tx_hash] = Tx(
                hash=tx_hash,
                sender=str(item["from"]).lower(),
                to=str(to).lower() if to else None,
                input=_unhex(item.get("input") or item.get("data") or "0x"),
                block_number=int(item["blockNumber"], 16),
                tx_index=int(item["transactionIndex"], 16),
            )
        return out

    def block_timestamps(self, numbers: Sequence[int]) -> dict[int, int]:
        unique = sorted(set(numbers))
        answers = self.batch([("eth_getBlockByNumber", [hex(n), False]) for n in unique])
        return {
            n: int(block["timestamp"], 16)
            for n, block in zip(unique, answers, strict=True)
            if block is not None
        }

    def eth_calls(
        self, calls: Sequence[tuple[str | None, bytes]], block: int | None = None
    ) -> list[bytes]:
        tag = "latest" if block is None else hex(block)
        # ``to`` None: a contract creation, the answer what its init code returns
        params = [{"data": _hex(d)} | ({} if to is None else {"to": to}) for to, d in calls]
        answers = self.batch([("eth_call", [p, tag]) for p in params])
        return [_unhex(a) for a in answers]

    def code(self, address: str) -> bytes:
        return _unhex(self.request("eth_getCode", [address, "latest"]))

    def codes(self, addresses: Sequence[str]) -> list[bytes]:
        """The runtime code at each of ``addresses``, in one batch."""
        return [_unhex(a) for a in self.batch([("eth_getCode", [a, "latest"]) for a in addresses])]
