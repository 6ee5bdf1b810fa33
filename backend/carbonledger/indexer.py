"""Index the contracts' events into the database.

The indexer reads logs block range by block range from the deployment block on, decodes them
with the contracts' ABIs and inserts one row per log, ignoring rows it already has (unique
``(chain_id, tx_hash, log_index)``), so a retry or a restart never duplicates a row. Its
cursor (next block, and the hash of the block before it) is written in the same database
transaction as the rows, so after a restart it resumes exactly where it stopped.

If the chain no longer has the block the cursor points after (anvil restarted from an older
snapshot, or a reorganisation), it rewinds to the newest indexed block whose hash still
matches, deletes the rows above it and indexes again from there.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import Engine, delete, func, select
from web3 import Web3
from web3._utils.events import get_event_data
from web3.exceptions import BlockNotFound
from web3.types import LogReceipt

from carbonledger.chain.artifacts import ContractArtifact, event_topic
from carbonledger.chain.errors import ChainError
from carbonledger.chain.jsonrpc import JsonRpc
from carbonledger.chain.manifest import Deployment
from carbonledger.store.db import chain_events, indexer_cursor, insert_ignoring_duplicates
from carbonledger.store.instances import Heartbeat
from carbonledger.store.leader import LeaderLock
from carbonledger.store.listen import MINED, OutboxListener
from carbonledger.vocab import WORD
from carbonledger.vocab.calldata import decode_static, is_static

log = logging.getLogger("carbonledger.indexer")


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | HexBytes):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@functools.lru_cache(maxsize=4096)
def _checksum(address: str) -> str:
    return to_checksum_address(address)


@dataclass(frozen=True)
class RawLog:
    """One log as the node returns it, with its numbers parsed (no web3 formatting)."""

    address: str  # checksummed
    topics: tuple[bytes, ...]
    data: bytes
    block_number: int
    block_hash: str  # 0x-hex
    tx_hash: str  # 0x-hex
    tx_index: int
    log_index: int

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> RawLog:
        """From ``eth_getLogs``'s JSON (hex strings)."""
        return cls(
            address=_checksum(str(item["address"])),
            topics=tuple(bytes.fromhex(str(t)[2:]) for t in item["topics"]),
            data=bytes.fromhex(str(item["data"])[2:]),
            block_number=int(str(item["blockNumber"]), 16),
            block_hash=str(item["blockHash"]).lower(),
            tx_hash=str(item["transactionHash"]).lower(),
            tx_index=int(str(item["transactionIndex"]), 16),
            log_index=int(str(item["logIndex"]), 16),
        )

    @classmethod
    def from_web3(cls, log: LogReceipt) -> RawLog:
        """From web3's formatted log (a provider without an HTTP endpoint)."""
        return cls(
            address=_checksum(str(log["address"])),
            topics=tuple(bytes(t) for t in log["topics"]),
            data=bytes(log["data"]),
            block_number=int(log["blockNumber"]),
            block_hash="0x" + bytes(log["blockHash"]).hex(),
            tx_hash="0x" + bytes(log["transactionHash"]).hex(),
            tx_index=int(log["transactionIndex"]),
            log_index=int(log["logIndex"]),
        )

    def as_web3(self) -> dict[str, Any]:
        """The shape web3's ``get_event_data`` reads."""
        return {
            "address": self.address,
            "topics": [HexBytes(t) for t in self.topics],
            "data": HexBytes(self.data),
            "blockNumber": self.block_number,
            "blockHash": HexBytes(self.block_hash),
            "transactionHash": HexBytes(self.tx_hash),
            "transactionIndex": self.tx_index,
            "logIndex": self.log_index,
        }


@dataclass(frozen=True)
class _EventAbi:
    """An event's ABI with its decoding worked out once: the indexed inputs (one topic each)
    and the types of the data. An event with a struct input goes through web3 instead."""

    contract: str
    name: str
    abi: dict[str, Any]
    indexed: tuple[tuple[str, str], ...]  # (name, type)
    data_names: tuple[str, ...]
    data_types: tuple[str, ...]
    through_web3: bool
    #: every input is one word (:func:`~carbonledger.vocab.calldata.is_static`): decoded by
    #: slicing the topics and the data, not through eth-abi's decoder objects
    by_words: bool

    @classmethod
    def of(cls, contract: str, item: Mapping[str, Any]) -> _EventAbi:
        inputs = list(item.get("inputs", []))
        return cls(
            contract=contract,
            name=str(item["name"]),
            abi=dict(item),
            indexed=tuple((str(i["name"]), str(i["type"])) for i in inputs if i.get("indexed")),
            data_names=tuple(str(i["name"]) for i in inputs if not i.get("indexed")),
            data_types=tuple(str(i["type"]) for i in inputs if not i.get("indexed")),
            through_web3=any(str(i["type"]).startswith("tuple") for i in inputs),
            by_words=all(is_static(str(i["type"])) for i in inputs),
        )


def _value(abi_type: str, value: Any) -> Any:
    """A decoded value as web3 returns it (addresses checksummed), then in JSON form."""
    if abi_type == "address":
        return _checksum(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, int):  # (and bool)
        return value
    if abi_type.startswith("address["):
        return [_checksum(v) for v in value]
    return _jsonable(value)


class EventDecoder:
    """Decode logs of the deployed contracts into ``(contract, event, args)``.

    Same result as web3's ``get_event_data`` (a test compares the two on every log of a full
    settlement flow), without its per-value formatters: decoding with eth-abi directly is
    what the indexer's throughput rests on."""

    def __init__(
        self, w3: Web3, deployment: Deployment, artifacts: Mapping[str, ContractArtifact]
    ) -> None:
        self.codec = w3.codec
        self.addresses = {
            to_checksum_address(c.address): name for name, c in deployment.contracts.items()
        }
        self.events: dict[tuple[str, bytes], _EventAbi] = {}
        for address, name in self.addresses.items():
            for item in artifacts[name].abi:
                if item.get("type") != "event" or item.get("anonymous"):
                    continue
                self.events[(address, event_topic(item))] = _EventAbi.of(name, item)

    def decode(self, log: RawLog) -> tuple[str, str, dict[str, Any]] | None:
        if not log.topics:
            return None
        found = self.events.get((log.address, log.topics[0]))
        if found is None:
            return None
        if found.through_web3 or len(log.topics) != len(found.indexed) + 1:
            data = get_event_data(self.codec, found.abi, log.as_web3())
            return found.contract, found.name, _jsonable(dict(data["args"]))
        args: dict[str, Any] = {}
        if found.by_words and len(log.data) == WORD * len(found.data_types):
            for (name, abi_type), topic in zip(found.indexed, log.topics[1:], strict=True):
                args[name] = _value(abi_type, decode_static(abi_type, topic))
            for i, (name, abi_type) in enumerate(
                zip(found.data_names, found.data_types, strict=True)
            ):
                word = log.data[WORD * i : WORD * (i + 1)]
                args[name] = _value(abi_type, decode_static(abi_type, word))
            return found.contract, found.name, args
        for (name, abi_type), topic in zip(found.indexed, log.topics[1:], strict=True):
            args[name] = _value(abi_type, abi_decode([abi_type], topic)[0])
        values = abi_decode(list(found.data_types), log.data) if found.data_types else ()
        for name, abi_type, value in zip(found.data_names, found.data_types, values, strict=True):
            args[name] = _value(abi_type, value)
        return found.contract, found.name, args


def _hash_of(block: Any) -> str | None:
    """The hash of an ``eth_getBlockByNumber`` answer; None for a block the chain lacks."""
    return str(block["hash"]).lower() if block else None


def _subject(args: Mapping[str, Any]) -> str | None:
    """The member an event is about (firm, account, auditor, ...), if it names one."""
    for key in ("firm", "account", "auditor", "party", "payer"):
        value = args.get(key)
        if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
            return _checksum(value)
    return None


class Indexer:
    """Copies contract events into ``chain_events``; see the module docstring."""

    def __init__(
        self,
        engine: Engine,
        w3: Web3,
        deployment: Deployment,
        artifacts: Mapping[str, ContractArtifact],
        batch_blocks: int = 2_000,
    ) -> None:
        self.engine = engine
        self.w3 = w3
        self.deployment = deployment
        self.decoder = EventDecoder(w3, deployment, artifacts)
        self.batch_blocks = batch_blocks
        self.chain_id = deployment.chain_id
        self._insert = insert_ignoring_duplicates(engine, chain_events)
        self._rpc = JsonRpc(w3)
        self._lock = threading.RLock()
        #: set by :meth:`kick`: the background loop indexes now instead of at its next poll
        self._wake = threading.Event()

    def kick(self) -> None:
        """New blocks are there to index (this process's anchoring worker read the receipts
        of its transactions), or the loop is to stop: :meth:`run_forever` stops waiting."""
        self._wake.set()

    def cursor(self) -> tuple[int, str | None]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(indexer_cursor.c.next_block, indexer_cursor.c.last_block_hash).where(
                    indexer_cursor.c.chain_id == self.chain_id
                )
            ).first()
        if row is None:
            return self.deployment.deploy_block, None
        return int(row[0]), row[1]

    def _head(self) -> int:
        if self._rpc.url:  # plain JSON-RPC: web3's middleware costs a few ms per call
            return int(str(self._rpc.request("eth_blockNumber", [])), 16)
        return int(self.w3.eth.block_number)

    def _block_hash(self, number: int) -> str | None:
        """The hash of block ``number``; None when the chain has no such block."""
        if number < 0:
            return None
        if self._rpc.url:
            return _hash_of(self._rpc.request("eth_getBlockByNumber", [hex(number), False]))
        try:
            block = self.w3.eth.get_block(number)
        except BlockNotFound:
            return None
        return "0x" + bytes(block["hash"]).hex()

    def _head_and_hash(self, number: int) -> tuple[int, str | None]:
        """The chain's head and the hash of block ``number``, in one request."""
        if not self._rpc.url:
            return self._head(), self._block_hash(number)
        head, block = self._rpc.calls(
            [("eth_blockNumber", []), ("eth_getBlockByNumber", [hex(number), False])]
        )
        return int(str(head), 16), _hash_of(block)

    def _rewind_if_needed(self, next_block: int, last_hash: str | None) -> tuple[int, int]:
        """Where to index from, and the chain's head."""
        if last_hash is None or next_block == 0:
            return next_block, self._head()
        head, found = self._head_and_hash(next_block - 1)
        if next_block - 1 <= head and found == last_hash:
            return next_block, head
        # The chain lost or replaced blocks: keep what still matches, index the rest again.
        with self.engine.begin() as conn:
            indexed = conn.execute(
                select(chain_events.c.block_number, chain_events.c.block_hash)
                .where(chain_events.c.chain_id == self.chain_id)
                .distinct()
                .order_by(chain_events.c.block_number.desc())
            ).all()
            keep_from = self.deployment.deploy_block
            for number, block_hash in indexed:
                if number <= head and self._block_hash(int(number)) == block_hash:
                    keep_from = int(number) + 1
                    break
            conn.execute(
                delete(chain_events).where(
                    chain_events.c.chain_id == self.chain_id,
                    chain_events.c.block_number >= keep_from,
                )
            )
            self._save_cursor(conn, keep_from, self._block_hash(keep_from - 1))
        return keep_from, head

    def _save_cursor(self, conn: Any, next_block: int, last_hash: str | None) -> None:
        updated = conn.execute(
            indexer_cursor.update()
            .where(indexer_cursor.c.chain_id == self.chain_id)
            .values(next_block=next_block, last_block_hash=last_hash)
        )
        if updated.rowcount == 0:
            conn.execute(
                indexer_cursor.insert().values(
                    chain_id=self.chain_id, next_block=next_block, last_block_hash=last_hash
                )
            )

    def run_once(self) -> int:
        """Index up to ``batch_blocks`` new blocks; return how many rows were inserted."""
        return self._round()[0]

    def _round(self, count: bool = True) -> tuple[int, int, int, int]:
        """One round: (rows inserted, the cursor's block before it, the next block to index
        after it, the chain's head). Without ``count`` the rows inserted are not counted (0:
        the background loop does not use the figure, and counting costs two statements)."""
        with self._lock:  # the background thread and on-demand catch-ups take turns
            return self._run_once(count)

    def _run_once(self, count: bool) -> tuple[int, int, int, int]:
        start, last_hash = self.cursor()
        next_block, head = self._rewind_if_needed(start, last_hash)
        if next_block > head:
            return 0, start, next_block, head
        to_block = min(head, next_block + self.batch_blocks - 1)
        logs, to_hash = self._logs(next_block, to_block)
        rows = self._rows(logs)
        in_range = (
            select(func.count())
            .select_from(chain_events)
            .where(
                chain_events.c.chain_id == self.chain_id,
                chain_events.c.block_number.between(next_block, to_block),
            )
        )
        with self.engine.begin() as conn:
            inserted = 0
            if rows and not count:
                conn.execute(self._insert, rows)
            elif rows:  # rowcount is not reliable for executemany: count what is new
                before = int(conn.execute(in_range).scalar_one())
                conn.execute(self._insert, rows)
                inserted = int(conn.execute(in_range).scalar_one()) - before
            self._save_cursor(conn, to_block + 1, to_hash)
        return inserted, start, to_block + 1, head

    def _logs(self, from_block: int, to_block: int) -> tuple[list[RawLog], str]:
        """The deployment's logs of the range, and the hash of its last block (one request)."""
        addresses = list(self.decoder.addresses)
        if self._rpc.url:
            where = {"fromBlock": hex(from_block), "toBlock": hex(to_block), "address": addresses}
            items, block = self._rpc.calls(
                [("eth_getLogs", [where]), ("eth_getBlockByNumber", [hex(to_block), False])]
            )
            to_hash = _hash_of(block)
            logs = [RawLog.from_json(item) for item in items]
        else:
            found = self.w3.eth.get_logs(
                {"fromBlock": from_block, "toBlock": to_block, "address": addresses}
            )
            logs = [RawLog.from_web3(log) for log in found]
            to_hash = self._block_hash(to_block)
        if to_hash is None:  # the chain lost the block meanwhile: rewind next round
            raise ChainError(f"block {to_block} is gone from the chain while indexing")
        return logs, to_hash

    def _rows(self, logs: Sequence[RawLog]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for log in logs:
            decoded = self.decoder.decode(log)
            if decoded is None:
                continue
            contract, name, args = decoded
            rows.append(
                {
                    "chain_id": self.chain_id,
                    "block_number": log.block_number,
                    "block_hash": log.block_hash,
                    "tx_hash": log.tx_hash,
                    "log_index": log.log_index,
                    "contract": contract,
                    "address": log.address,
                    "event": name,
                    "args": args,
                    "claim_id": args.get("claimId"),
                    "account": _subject(args),
                }
            )
        return rows

    def catch_up(self) -> int:
        """Index until the head of the chain; return the rows inserted."""
        return self._catch_up(count=True)[0]

    def _catch_up(self, count: bool) -> tuple[int, bool]:
        """:meth:`catch_up`: the rows inserted (0 without ``count``), and whether the cursor
        moved (rows indexed, blocks without events passed, or a rewind), from the cursor each
        round read anyway rather than two more reads of it around the catch-up."""
        total, first = 0, None
        while True:
            inserted, start, next_block, head = self._round(count)
            first = start if first is None else first
            total += inserted
            if next_block > head:
                return total, next_block != first

    def run_forever(
        self,
        stop: threading.Event,
        interval: float = 0.5,
        idle_interval: float | None = None,
        leader: LeaderLock | None = None,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        """Index until ``stop``: every ``interval`` while the chain moves, every
        ``idle_interval`` (default: the same) after a round that found no new block, and at
        once after :meth:`kick` (set ``stop``, then kick, to end the loop without waiting) or,
        on PostgreSQL, when an anchoring worker's write of mined claims commits.
        With ``leader``, only while holding it (a standby otherwise: one indexer per database
        writes, the API processes' on-demand catch-ups aside). With ``heartbeat``, each round
        says whether this process is the active indexer or a standby (``GET /status``)."""
        # on PostgreSQL the anchoring worker of another process wakes it too (store/listen.py)
        postgres = self.engine.dialect.name == "postgresql"
        listener = OutboxListener(self.engine, MINED) if postgres else None
        failed: str | None = None  # the last round's error, until a round succeeds
        try:
            while not stop.is_set():
                if leader is not None and not leader.try_acquire():
                    if listener is not None:
                        listener.close()  # a standby does not listen
                    if heartbeat is not None:
                        heartbeat.beat(False)
                    stop.wait(max(interval, 1.0))
                    continue
                moved = True
                if heartbeat is not None:  # before the round too: a long one is not silence
                    heartbeat.beat(True, failed)
                try:
                    moved = self._catch_up(count=False)[1]
                    failed = None
                except Exception as exc:  # a node that lost blocks mid-round: rewind next round
                    failed = f"indexing round failed: {str(exc)[:300]}"
                    log.warning("%s", failed)
                if heartbeat is not None:
                    heartbeat.beat(True, failed)
                if not stop.is_set():
                    wait = interval if moved or idle_interval is None else idle_interval
                    if listener is not None:
                        listener.wait(wait, self._wake)
                    else:
                        self._wake.wait(wait)
                    self._wake.clear()
        finally:
            if listener is not None:
                listener.close()
            if leader is not None:
                leader.release()
            if heartbeat is not None:
                heartbeat.stop()
