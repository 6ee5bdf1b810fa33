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
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free right now (for tests and ``--port 0``)."""
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


@dataclass(frozen=True)
class StateFile:
    """anvil's state file and the last copy of it known to parse."""

    path: Path

    @property
    def backup(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    def exists(self) -> bool:
        return self.path.exists()

    @staticmethod
    def _parses(path: Path) -> bool:
        try:
            with path.open("rb") as handle:
                json.load(handle)
        except (OSError, ValueError):
            return False
        return True

    def prepare(self) -> str | None:
        """Make sure anvil will load a state that parses.

        Returns a note for the user when it had to fall back to the backup or start over.
        """
        if not self.path.exists():
            return None
        if self._parses(self.path):
            return None
        if self.backup.exists() and self._parses(self.backup):
            shutil.copyfile(self.backup, self.path)
            return (
                f"{self.path} was damaged (a write was cut short); restored the last good "
                f"copy {self.backup}"
            )
        damaged = self.path.with_name(self.path.name + ".damaged")
        os.replace(self.path, damaged)
        return f"{self.path} was damaged and no good copy exists; moved it to {damaged}"

    def back_up(self) -> bool:
        """Copy the state file to the backup when it parses; True when it did."""
        if not self.path.exists() or not self._parses(self.path):
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
