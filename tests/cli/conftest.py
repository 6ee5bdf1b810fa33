"""Run the real ``carbonledger`` command as a person would: a child process on free ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from carbonledger.chain.node import free_port

CLI = str(Path(sys.executable).with_name("carbonledger"))
# The PACT host's default port (8443) may be taken on the machine running the tests: every
# ledger a CLI test starts serves PACT on one free port chosen for the session instead.
_PACT_PORT = str(free_port())


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARBONLEDGER_")}
    env["COLUMNS"] = "200"  # keep rich tables on one line each
    env["CARBONLEDGER_PACT_PORT"] = _PACT_PORT
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``carbonledger ARGS`` to completion, with ``env`` added to a clean environment."""
    return subprocess.run(
        [CLI, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**cli_env(), **(env or {})},
    )


@dataclass
class Ledger:
    """One ``carbonledger up`` process with its own data directory and ports."""

    data_dir: Path
    chain_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    process: subprocess.Popen[str] | None = None
    log: Path | None = None
    runs: int = 0
    env: dict[str, str] = field(default_factory=dict)

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.chain_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def args(self) -> list[str]:
        return [
            "--data-dir", str(self.data_dir),
            "--chain-port", str(self.chain_port),
            "--api-port", str(self.api_port),
        ]  # fmt: skip

    def up(self, timeout: float = 120) -> str:
        """Start ``carbonledger up``; return its output once the API answers."""
        self.runs += 1
        self.log = self.data_dir.parent / f"up-{self.data_dir.name}-{self.runs}.log"
        handle = self.log.open("w")
        self.process = subprocess.Popen(
            [CLI, "up", *self.args()],
            stdout=handle,
            stderr=subprocess.STDOUT,
            text=True,
            env={**cli_env(), **self.env},
        )
        handle.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"carbonledger up exited early:\n{self.output()}")
            try:
                if httpx.get(f"{self.api_url}/health", timeout=1).status_code == 200:
                    return self.output()
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"carbonledger up did not become healthy:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text() if self.log else ""

    def down(self) -> subprocess.CompletedProcess[str]:
        result = run_cli("down", "--data-dir", str(self.data_dir))
        if self.process is not None:
            self.process.wait(timeout=60)
        return result

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    instance = Ledger(data_dir=tmp_path / "data")
    yield instance
    if instance.process is not None and instance.process.poll() is None:
        instance.process.send_signal(signal.SIGTERM)
        try:
            instance.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            instance.kill()
