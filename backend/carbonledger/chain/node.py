"""The embedded chain: anvil as a managed child process with persisted state.

What anvil's persistence guarantees (anvil 1.7.1, measured; see docs/chain.md):

* ``--state PATH`` loads the chain (accounts, storage, blocks, receipts) from ``PATH`` at
  start and writes it back on a clean exit (SIGTERM or SIGINT).
* ``--state-interval N`` also writes it every ``N`` seconds while running. After a SIGKILL
  the chain restarts from the last snapshot: every block mined in the last ``N`` seconds
  (at most) is lost, with its transactions.
* anvil rewrites the file in place (``O_TRUNC``, no rename), so a SIGKILL in the middle of a
  write can leave a truncated file. :class:`StateFile` therefore keeps ``state.json.bak``,
  a copy that parsed, and falls back to it when ``state.json`` does not parse.
* anvil writes its state without stopping the miner: a write during a block can hold the
  block's effects but not the block (:func:`state_defect`). :class:`StateFile` judges the
  file before a start and falls back to a whole copy.
* Past its in-memory history anvil pages old blocks' states out to a temporary directory,
  by default under ``~/.foundry/anvil/tmp``, and leaves it there when it exits on SIGTERM or
  SIGINT as well as on SIGKILL (tens of GB over a day of tests and benchmarks). It is only a
  cache of this run (the chain restarts from ``--state``): :class:`AnvilNode` puts it in
  ``anvil-cache`` beside the state file (``--cache-path``) and removes it once anvil has
  exited, and before it starts (what a killed run left).
"""

from __future__ import annotations

import contextlib
import ctypes
import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from carbonledger.chain.errors import NodeBinaryNotFound, NodeStartFailed, PortInUse

ANVIL_NPM_BIN = Path("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
_PR_SET_PDEATHSIG = 1


def find_anvil(explicit: Path | None, project_root: Path) -> Path:
    """Locate the anvil executable: the setting, then PATH, then the npm package."""
    if explicit is not None:
        if explicit.is_file() and os.access(explicit, os.X_OK):
            return explicit
        raise NodeBinaryNotFound(f"anvil not found: {explicit} is not an executable file")
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path)
    bundled = project_root / ANVIL_NPM_BIN
    if bundled.is_file() and os.access(bundled, os.X_OK):
        return bundled
    raise NodeBinaryNotFound(
        f"anvil not found: not on PATH and not at {bundled} (run `./run setup` to install it)"
    )


def ensure_port_free(host: str, port: int, what: str) -> None:
    """Raise :class:`PortInUse` when ``host:port`` cannot be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise PortInUse(
                f"port {port} on {host} is already in use ({what}): {exc.strerror}"
            ) from exc


#: the ports :func:`free_port` handed out last, so that it does not hand one out twice
_GIVEN: deque[int] = deque(maxlen=256)
_GIVING = threading.Lock()


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free right now (for tests and ``--port 0``), and not one of the last
    256 this process handed out: the kernel can give the same port to two binds in a row,
    and a caller taking two (an API's and a PACT host's) then got one port for both (a CI run
    whose PACT host could not bind)."""
    with _GIVING:
        while True:
            port = _bound_port(host)
            if port not in _GIVEN:
                _GIVEN.append(port)
                return port


def _bound_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def rpc_call(url: str, method: str, params: Sequence[object] = (), timeout: float = 5.0) -> object:
    """One JSON-RPC call; raises ``httpx.HTTPError`` or ``RuntimeError`` on failure."""
    response = httpx.post(
        url,
        json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},
        timeout=timeout,
    )
    response.raise_for_status()
    body = response.json()
    if "error" in body:
        raise RuntimeError(f"{method}: {body['error']}")
    return body["result"]


def state_defect(state: object) -> str | None:
    """Why a parsed anvil state must not be loaded, or None when nothing says so.

    anvil 1.7.1 writes its state (on SIGTERM, and every ``state_interval`` seconds) without
    stopping the miner: a write that falls while a block is being mined can hold that block's
    accounts and receipts but not the block (``scripts/anvil_state_race.py`` measures how
    often). Loaded, such a chain has the block's effects (a claim recorded, a firm's nonce
    used) and none of its history: no block, no event, so nobody can find or verify them,
    and the next block is mined at the same height. A write can also hold a transaction's
    effects with neither its block nor its receipt. Checked here: every receipt's block is in
    the file and holds exactly the receipts' transactions, and each account's nonce is one
    past the highest nonce it sent a transaction with (an account without code and without
    transactions: 0), as on a chain whose accounts only transactions change (the embedded
    chain: no ``anvil_setNonce``, no EIP-7702 authorisation). Only what the file shows for
    certain is a defect; a structure this does not know (another anvil version) is left to
    anvil to judge.
    """
    try:
        return _defect(state)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def _defect(state: Any) -> str | None:
    blocks: dict[int, set[str]] = {}
    for block in state["blocks"]:
        hashes = {str(tx["transaction"]["hash"]).lower() for tx in block["transactions"]}
        blocks[_int(block["header"]["number"])] = hashes
    receipts: dict[int, set[str]] = {}
    sent: dict[str, int] = {}  # each sender's highest nonce among the receipts
    for tx in state["transactions"]:
        info = tx["info"]
        receipts.setdefault(_int(tx["block_number"]), set()).add(
            str(info["transaction_hash"]).lower()
        )
        sender = str(info["from"]).lower()
        sent[sender] = max(sent.get(sender, -1), _int(info["nonce"]))
    missing = sorted(set(receipts) - set(blocks))
    if missing:
        count = sum(len(receipts[n]) for n in missing)
        return (
            f"it holds {count} transaction(s) of block(s) {_numbers(missing)} but not the "
            "block(s) (written while they were being mined)"
        )
    differ = sorted(n for n, hashes in receipts.items() if hashes != blocks[n])
    differ += sorted(n for n, hashes in blocks.items() if hashes and n not in receipts)
    if differ:
        return f"the transactions of block(s) {_numbers(differ)} differ from their receipts"
    for address, account in state["accounts"].items():
        nonce, highest = _int(account["nonce"]), sent.get(str(address).lower(), -1)
        if highest >= 0 and nonce <= highest:
            return (
                f"the nonce of account {address} is behind a transaction it sent (its "
                "accounts were written before its last block)"
            )
        if nonce > highest + 1 and (highest >= 0 or account.get("code") in (None, "", "0x")):
            return (
                f"the nonce of account {address} is ahead of the transactions it sent (a "
                "transaction's effects were written without the transaction)"
            )
    return None


def _int(value: object) -> int:
    """A number as anvil writes one: an integer, or a ``0x`` hex string (a decimal one too)."""
    if isinstance(value, bool):
        raise TypeError("not a number")
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text, 16) if text.lower().startswith("0x") else int(text)


def _numbers(numbers: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:5])
    return shown + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")


@dataclass(frozen=True)
class StateFile:
    """anvil's state file and copies of it: the newest two (``recent`` and ``previous``,
    taken each second that anvil wrote a new one, not judged) and the last known to be whole
    (``backup``)."""

    path: Path

    @property
    def backup(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    @property
    def recent(self) -> Path:
        return self.path.with_name(self.path.name + ".recent")

    @property
    def previous(self) -> Path:
        """The copy ``recent`` was before the last one (after a SIGKILL of anvil, ``recent``
        is often the very file anvil left; if that one is faulty, this one is older)."""
        return self.path.with_name(self.path.name + ".previous")

    def exists(self) -> bool:
        return self.path.exists()

    @staticmethod
    def _judge(path: Path) -> tuple[bool, str | None, int]:
        """Whether ``path`` parses, why it must not be loaded (None: it may be), and its
        newest block (-1 when unknown)."""
        try:
            with path.open("rb") as handle:
                state = json.load(handle)
        except (OSError, ValueError):
            return False, "it does not parse (a write was cut short)", -1
        top = state.get("best_block_number") if isinstance(state, dict) else None
        return True, state_defect(state), top if isinstance(top, int) else -1

    def prepare(self) -> str | None:
        """Make sure anvil will load a state that parses and is whole: the state file, or
        else the copy (``recent``, ``previous`` or ``backup``) that is whole and holds the
        most blocks.

        Returns a note for the user when it had to fall back to a copy, start over, or
        load a state it knows to be faulty (when no copy is whole: a chain with a faulty
        last block is worth more than none).
        """
        if not self.path.exists():
            return None
        parses, defect, _ = self._judge(self.path)
        if defect is None:
            return None
        whole = []
        for copy in (self.recent, self.previous, self.backup):
            if copy.exists():
                copy_parses, copy_defect, top = self._judge(copy)
                if copy_parses and copy_defect is None:
                    whole.append((top, copy))
        if whole:
            _, copy = max(whole, key=lambda item: item[0])
            shutil.copyfile(copy, self.path)
            return f"{self.path} was not loaded: {defect}; restored the whole copy {copy}"
        if parses:
            return f"{self.path} is faulty: {defect}; no copy is whole, so it is loaded as it is"
        damaged = self.path.with_name(self.path.name + ".damaged")
        os.replace(self.path, damaged)
        return f"{self.path} was damaged and no good copy exists; moved it to {damaged}"

    def keep_recent(self, seen: tuple[int, int] | None) -> tuple[int, int] | None:
        """Copy the state file to ``recent`` when it changed since ``seen`` (its mtime and
        size when last copied); returns what to pass next time. A copy during which anvil
        wrote the file again is dropped (the previous ``recent`` stays) and taken next time.
        Not judged here (that would parse the whole chain every second): :meth:`prepare`
        judges it when it is needed."""
        before = self._stamp()
        if before is None or before == seen:
            return seen
        tmp = self.recent.with_name(self.recent.name + ".tmp")
        shutil.copyfile(self.path, tmp)
        if self._stamp() != before:
            tmp.unlink(missing_ok=True)
            return seen
        if self.recent.exists():
            os.replace(self.recent, self.previous)
        os.replace(tmp, self.recent)
        return before

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def back_up(self) -> bool:
        """Copy the state file to the backup when it is whole; True when it did."""
        if not self.path.exists():
            return False
        parses, defect, _ = self._judge(self.path)
        if not parses or defect is not None:
            return False
        tmp = self.backup.with_name(self.backup.name + ".tmp")
        shutil.copyfile(self.path, tmp)
        os.replace(tmp, self.backup)
        return True


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to send SIGTERM to the child when its parent dies (state is then saved)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class AnvilNode:
    """One anvil process with its state persisted in ``state_path``."""

    binary: Path
    host: str
    port: int
    chain_id: int
    state_path: Path
    state_interval: int
    block_time: float | None
    mnemonic: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def cache_path(self) -> Path:
        """Where anvil pages out old states during a run (removed when it stops)."""
        return self.state_path.parent / "anvil-cache"

    def command(self) -> list[str]:
        cmd = [
            str(self.binary),
            "--host", self.host,
            "--port", str(self.port),
            "--chain-id", str(self.chain_id),
            "--mnemonic", self.mnemonic,
            "--state", str(self.state_path),
            "--state-interval", str(self.state_interval),
            "--cache-path", str(self.cache_path),
            "--gas-price", "0",
            "--base-fee", "0",
        ]  # fmt: skip
        if self.block_time is not None:
            cmd += ["--block-time", f"{self.block_time:g}"]
        return cmd

    def start(self, timeout: float = 20.0) -> int:
        """Start anvil, wait until it answers, and return its block number."""
        ensure_port_free(self.host, self.port, "chain_port")
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.cache_path, ignore_errors=True)  # left by a run that was killed
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches the supervisor, which stops anvil
                preexec_fn=_die_with_parent,
            )
        except OSError as exc:
            raise NodeStartFailed(f"could not start {self.binary}: {exc.strerror}") from exc
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NodeStartFailed(
                    f"anvil exited with code {self.process.returncode} while starting on "
                    f"{self.url}; see {self.log_path}: {self._log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError, RuntimeError, ValueError):
                return int(str(rpc_call(self.url, "eth_blockNumber", timeout=1.0)), 16)
            time.sleep(0.05)
        self.stop()
        raise NodeStartFailed(f"anvil did not answer on {self.url} within {timeout:g} s")

    def _log_tail(self, lines: int = 3) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(text[-lines:])

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def snapshot(self, timeout: float = 60.0) -> None:
        """Write the chain's state to ``state_path`` now, whatever ``state_interval`` is.

        ``anvil_dumpState`` returns, gzipped, the same JSON anvil writes every
        ``state_interval`` seconds; it goes to a temporary file renamed over the state file, so
        a kill during the write leaves the previous file whole (anvil's own writes truncate
        the file in place). Raises ``NodeStartFailed`` when anvil does not give its state.
        """
        try:
            dumped = str(rpc_call(self.url, "anvil_dumpState", timeout=timeout))
            state = gzip.decompress(bytes.fromhex(dumped.removeprefix("0x")))
        except (httpx.HTTPError, RuntimeError, ValueError, OSError) as exc:
            raise NodeStartFailed(f"anvil on {self.url} did not give its state: {exc}") from exc
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        with tmp.open("wb") as handle:
            handle.write(state)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.state_path)

    def stop(self, timeout: float = 30.0) -> int | None:
        """Stop anvil with SIGTERM (it writes its state first); SIGKILL after ``timeout``."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.cache_path, ignore_errors=True)  # anvil leaves it on any exit
        return self.process.returncode
