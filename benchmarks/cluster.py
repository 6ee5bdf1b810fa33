"""The service as separate processes, for the benchmark: ``carbonledger chain`` (the embedded
anvil and the deployment), and per run ``anchor``, ``index`` and ``serve --workers N`` on one
PostgreSQL database, each with its own log; and peak memory per process from ``/proc``.

PostgreSQL is the throw-away server of ``tests/postgres.py`` (Debian's binaries in a
temporary directory, a free port, loopback only): the benchmark needs the same server the
tests use, nothing more.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from benchmarks.memory import status_mb

CLI = str(Path(sys.executable).with_name("carbonledger"))


def peak_rss_mb(pid: int) -> float | None:
    """The peak resident set (``VmHWM``) of a live process, in MB; None once it is gone."""
    return status_mb("VmHWM", pid)


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (Linux ``/proc``)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of ``pid``, of the children it has reaped and of its live
    descendants, in seconds; 0 once it is gone (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK") + sum(cpu_seconds(c) for c in children(pid))


def command_of(pid: int) -> str:
    """The command line of ``pid``, its arguments joined by spaces."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace")


class Cluster:
    """Processes of the ``carbonledger`` CLI on one data directory; stopped together."""

    def __init__(self, data_dir: Path, logs: Path, env: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.logs = logs
        self.env = env
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def spawn(self, name: str, *args: str, env: dict[str, str] | None = None) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / f"{name}.log").open("w") as handle:
            self.processes[name] = subprocess.Popen(
                [CLI, *args, "--data-dir", str(self.data_dir)],
                stdout=handle,
                stderr=subprocess.STDOUT,
                env={**self.env, **(env or {})},
            )

    def _alive(self, name: str) -> None:
        if self.processes[name].poll() is not None:
            raise RuntimeError(f"`carbonledger {name}` exited:\n{self.log(name)[-3000:]}")

    def wait_log(self, name: str, text: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log(name):
            self._alive(name)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} never said {text!r}:\n{self.log(name)[-3000:]}")
            time.sleep(0.2)

    def wait_api(self, name: str, url: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self._alive(name)
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} did not answer at {url}:\n{self.log(name)[-3000:]}")
            time.sleep(0.2)

    def memory(self) -> dict[str, float]:
        """Peak resident memory (MB) of each process and its children, by role."""
        out: dict[str, float] = {}
        for name, process in self.processes.items():
            own = peak_rss_mb(process.pid)
            if own is not None:
                out[name] = own
            workers = 0
            for child in children(process.pid):
                peak = peak_rss_mb(child)
                command = command_of(child)
                if peak is None or "resource_tracker" in command:
                    continue  # multiprocessing's helper, not a role
                if "anvil" not in command:
                    workers += 1
                label = "anvil" if "anvil" in command else f"API process {workers}"
                out[f"{name}: {label}"] = peak
        return out

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far of each process with its descendants (the API processes of
        ``serve``, anvil of ``chain``), by role."""
        return {name: cpu_seconds(process.pid) for name, process in self.processes.items()}

    def stop(self, *names: str) -> None:
        chosen = [n for n in (names or tuple(self.processes)) if n in self.processes]
        for name in reversed(chosen):
            if self.processes[name].poll() is None:
                self.processes[name].send_signal(signal.SIGTERM)
        for name in chosen:
            process = self.processes.pop(name)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def cli_env(**extra: str) -> dict[str, str]:
    """The benchmark's environment for the CLI: no inherited ``CARBONLEDGER_*`` setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARBONLEDGER_")}
    return {**env, **extra}
