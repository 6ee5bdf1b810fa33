"""Bring the ledger up and down: data directory, chain node, deployment, supervision.

:class:`LedgerRuntime` is what ``carbonledger up`` and ``carbonledger chain`` run:

1. check the data directory (created and writable) and take its run lock (a pid file);
2. start the embedded anvil node from its persisted state, or connect to ``rpc_url``;
3. on first start, deploy the contracts and write the deployment manifest; on later starts,
   check that the chain still holds the code the manifest records, and refuse otherwise;
4. while running, watch the node: record the newest block seen (so a restart can say how
   many blocks were lost), keep a good copy of the state file, and restart the node from
   its persisted state if it dies.

Nothing half-written is left behind: a first start that fails removes what it created.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from web3 import Web3

from carbonledger.chain.artifacts import load_artifacts, sources_hash
from carbonledger.chain.client import connect
from carbonledger.chain.deploy import DEPLOY_ORDER, deploy_contracts
from carbonledger.chain.errors import ChainError, NodeStartFailed
from carbonledger.chain.manifest import Deployment, read_manifest, verify_deployment, write_manifest
from carbonledger.chain.node import AnvilNode, StateFile, find_anvil
from carbonledger.config import ANVIL_DEV_MNEMONIC, Settings
from carbonledger.errors import CarbonLedgerError, ConfigError, DataDirError

Say = Callable[[str], None]


class AlreadyRunning(CarbonLedgerError):
    """Another CarbonLedger process holds the data directory."""


def _quiet(_: str) -> None:
    return None


@dataclass
class StartReport:
    """What :meth:`LedgerRuntime.start` found and did."""

    rpc_url: str
    chain_id: int
    block_number: int
    embedded: bool
    deployed_now: bool
    deployment: Deployment
    recovered_block: int | None = None
    lost_blocks: int | None = None
    notes: list[str] = field(default_factory=list)


def check_production_settings(settings: Settings, first_start: bool) -> None:
    """Refuse to start in production mode with a missing or well-known development key, no
    token secret, or (for a first deployment) no named admins; the message names the setting.
    """
    settings.keys()
    if not settings.production:
        return
    if settings.auth_secret is None:
        raise ConfigError(
            "production mode (rpc_url is set) needs the token secret shared by every "
            "instance: give CARBONLEDGER_AUTH_SECRET (at least 32 bytes, e.g. "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    if first_start and not settings.admins:
        raise ConfigError(
            "production mode deploys with the consortium's first admins named: give "
            'CARBONLEDGER_ADMINS (a JSON list, e.g. ["0xAdmin1", "0xAdmin2"]) and '
            "CARBONLEDGER_ADMIN_QUORUM"
        )
    if first_start and settings.admin_quorum > len(settings.admins):
        raise ConfigError(
            f"admin_quorum {settings.admin_quorum} exceeds the {len(settings.admins)} admin(s) "
            "named in CARBONLEDGER_ADMINS"
        )


def ensure_data_dir(path: Path) -> bool:
    """Create ``path`` (mode 0700) if needed and prove it writable; True when created now.

    An existing directory readable by others is narrowed to 0700: it holds the database,
    keys and the token secret.
    """
    created = not path.exists()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DataDirError(f"data directory {path} is not writable: {reason}") from exc
    return created


@dataclass(frozen=True)
class RunInfo:
    """The content of the pid file of a running ledger."""

    pid: int
    rpc_url: str
    api_url: str | None
    started_at: str
    chain_pid: int | None = None

    @classmethod
    def read(cls, path: Path) -> RunInfo | None:
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def alive(self) -> bool:
        """True while the process runs (a zombie, exited but not yet reaped, is not)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return True
        return stat.rsplit(")", 1)[-1].split()[0] != "Z"


class LedgerRuntime:
    """The chain half of a running ledger (the API server runs beside it)."""

    def __init__(self, settings: Settings, say: Say = _quiet) -> None:
        self.settings = settings
        self.say = say
        self.node: AnvilNode | None = None
        self.w3: Web3 | None = None
        self.deployment: Deployment | None = None
        self._stopping = threading.Event()
        self._monitor: threading.Thread | None = None
        self._created: list[Path] = []
        self._fatal: str | None = None

    # --- paths ---
    @property
    def last_block_path(self) -> Path:
        return self.settings.chain_dir / "last_block"

    # --- start ---
    def start(self, api_url: str | None = None) -> StartReport:
        s = self.settings
        check_production_settings(s, first_start=not s.manifest_path.exists())
        data_dir_created = ensure_data_dir(s.data_dir)
        if data_dir_created:
            self._created.append(s.data_dir)
        previous = RunInfo.read(s.pid_path)
        if previous is not None and previous.alive() and previous.pid != os.getpid():
            raise AlreadyRunning(
                f"CarbonLedger is already running with data directory {s.data_dir} "
                f"(pid {previous.pid}, chain {previous.rpc_url}); stop it with `carbonledger down`"
            )
        first_start = not s.manifest_path.exists()
        try:
            report = self._start_chain(first_start, unclean=previous is not None)
        except BaseException:
            self.stop()
            if first_start:
                self._remove_created()
            raise
        self._write_pid(api_url)
        return report

    def _start_chain(self, first_start: bool, unclean: bool) -> StartReport:
        s = self.settings
        notes: list[str] = []
        if unclean:
            notes.append("the previous run did not stop cleanly")
        recovered: int | None = None
        lost: int | None = None
        if s.embedded_chain:
            if first_start and not s.chain_dir.exists():
                self._created.append(s.chain_dir)
            s.chain_dir.mkdir(parents=True, exist_ok=True)
            state = StateFile(s.state_path)
            had_state = state.exists()
            note = state.prepare()
            if note:
                notes.append(note)
            self.node = AnvilNode(
                binary=find_anvil(s.anvil_bin, s.project_root),
                host=s.chain_host,
                port=s.chain_port,
                chain_id=s.chain_id,
                state_path=s.state_path,
                state_interval=s.state_interval,
                block_time=s.block_time,
                mnemonic=ANVIL_DEV_MNEMONIC,
                log_path=s.chain_dir / "anvil.log",
            )
            self.say(f"starting anvil on {self.node.url}")
            block = self.node.start(timeout=s.node_start_timeout)
            if had_state:
                recovered = block
                last_seen = self._read_last_block()
                lost = max(0, last_seen - block) if last_seen is not None else None
                state.back_up()
            rpc_url = self.node.url
        else:
            rpc_url = s.effective_rpc_url
        self.say(f"connecting to {rpc_url}")
        self.w3 = connect(rpc_url)
        chain_id = int(self.w3.eth.chain_id)
        deployed_now = False
        if first_start:
            self.deployment = self._deploy()
            deployed_now = True
        else:
            deployment = read_manifest(s.manifest_path)
            assert deployment is not None
            verify_deployment(self.w3, deployment, rpc_url)
            self.deployment = deployment
            current = sources_hash(s.project_root)
            if current != deployment.sources_hash:
                notes.append(
                    "the contract sources changed since this deployment; the deployed code is "
                    "kept (remove the data directory to deploy the new code on a new chain)"
                )
        block_number = int(self.w3.eth.block_number)
        self._write_last_block(block_number)
        return StartReport(
            rpc_url=rpc_url,
            chain_id=chain_id,
            block_number=block_number,
            embedded=s.embedded_chain,
            deployed_now=deployed_now,
            deployment=self.deployment,
            recovered_block=recovered,
            lost_blocks=lost,
            notes=notes,
        )

    def _deploy(self) -> Deployment:
        s = self.settings
        assert self.w3 is not None
        self.say("compiling contracts")
        artifacts = load_artifacts(s.project_root)
        deployment = deploy_contracts(
            self.w3,
            s.keys().deployer,
            artifacts,
            sources_hash=sources_hash(s.project_root),
            admins=s.admins or None,
            admin_quorum=s.admin_quorum,
            progress=self.say,
        )
        if self.node is not None:
            self._snapshot_deployment()
        write_manifest(s.manifest_path, deployment)
        self.say(f"deployed {len(DEPLOY_ORDER)} contracts; manifest {s.manifest_path}")
        return deployment

    def _snapshot_deployment(self) -> None:
        """Write anvil's state now, holding the deployment, and back it up.

        The manifest is written only after this, so a crash right after the first start never
        leaves a manifest that names contracts the persisted chain does not have; and the
        start does not wait for anvil's next periodic snapshot (``state_interval``).
        """
        assert self.node is not None
        self.node.snapshot()
        path = self.settings.state_path
        if not StateFile(path).back_up():
            raise NodeStartFailed(f"anvil's state written to {path} does not parse")

    # --- supervision ---
    def start_monitor(self, on_fatal: Callable[[str], None] | None = None) -> None:
        """Watch the node in a background thread (see the module docstring)."""
        self._monitor = threading.Thread(
            target=self._watch, args=(on_fatal,), name="chain-monitor", daemon=True
        )
        self._monitor.start()

    def _watch(self, on_fatal: Callable[[str], None] | None) -> None:
        last_backup = time.monotonic()
        state = StateFile(self.settings.state_path)
        seen: tuple[int, int] | None = None
        while not self._stopping.wait(1.0):
            try:
                if self.node is not None and not self.node.alive():
                    self._restart_node()
                if self.w3 is not None:
                    self._write_last_block(int(self.w3.eth.block_number))
                if self.node is not None:  # the snapshot before anvil's next write
                    seen = state.keep_recent(seen)
                if self.node is not None and time.monotonic() - last_backup > 30:
                    state.back_up()
                    last_backup = time.monotonic()
            except CarbonLedgerError as exc:
                self._fatal = str(exc)
                self.say(f"error: {exc}")
                if on_fatal:
                    on_fatal(str(exc))
                return
            except Exception as exc:  # keep watching through passing RPC hiccups
                self.say(f"warning: chain monitor: {str(exc)[:200]}")

    def _restart_node(self) -> None:
        assert self.node is not None and self.deployment is not None
        code = self.node.process.returncode if self.node.process else None
        self.say(f"anvil exited unexpectedly (code {code}); restarting from its persisted state")
        last_seen = self._read_last_block()
        state = StateFile(self.settings.state_path)
        note = state.prepare()
        if note:
            self.say(note)
        block = self.node.start(timeout=self.settings.node_start_timeout)
        lost = max(0, last_seen - block) if last_seen is not None else 0
        self.say(f"recovered the chain up to block {block}; {lost} block(s) lost")
        assert self.w3 is not None
        verify_deployment(self.w3, self.deployment, self.node.url)
        self._write_last_block(block)
        info = RunInfo.read(self.settings.pid_path)
        self._write_pid(info.api_url if info else None)

    @property
    def fatal(self) -> str | None:
        return self._fatal

    # --- stop ---
    def stop(self) -> None:
        self._stopping.set()
        if self._monitor is not None and self._monitor is not threading.current_thread():
            self._monitor.join(timeout=5)
        if self.node is not None and self.node.alive():
            self.say("stopping anvil (saving its state)")
            self.node.stop()
            with contextlib.suppress(OSError):
                StateFile(self.settings.state_path).back_up()
        info = RunInfo.read(self.settings.pid_path)
        if info is not None and info.pid == os.getpid():
            with contextlib.suppress(OSError):
                self.settings.pid_path.unlink()

    # --- small files ---
    def _write_pid(self, api_url: str | None) -> None:
        info = {
            "pid": os.getpid(),
            "rpc_url": self.node.url if self.node else self.settings.effective_rpc_url,
            "api_url": api_url,
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "chain_pid": self.node.process.pid if self.node and self.node.process else None,
        }
        tmp = self.settings.pid_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(info))
        os.replace(tmp, self.settings.pid_path)
        # kept after the ledger stops: where it ran last (``status`` after ``down``, clients)
        last = last_run_path(self.settings)
        tmp = last.with_suffix(".tmp")
        tmp.write_text(json.dumps(info))
        os.replace(tmp, last)

    def _read_last_block(self) -> int | None:
        try:
            return int(self.last_block_path.read_text().strip())
        except (OSError, ValueError):
            return None

    def _write_last_block(self, block: int) -> None:
        if not self.settings.embedded_chain:
            return
        tmp = self.last_block_path.with_suffix(".tmp")
        tmp.write_text(str(block))
        os.replace(tmp, self.last_block_path)

    def _remove_created(self) -> None:
        for path in reversed(self._created):
            if path == self.settings.data_dir:
                with contextlib.suppress(OSError):
                    shutil.rmtree(path)
            elif path.exists():
                shutil.rmtree(path, ignore_errors=True)


def last_run_path(settings: Settings) -> Path:
    """Where the last run on ``settings.data_dir`` recorded its URLs (kept after it stops)."""
    return settings.data_dir / "last_run.json"


def where_it_runs(settings: Settings) -> RunInfo | None:
    """The running ledger on the data directory, or the last one that ran there."""
    run = RunInfo.read(settings.pid_path)
    if run is not None and run.alive():
        return run
    return RunInfo.read(last_run_path(settings))


def stop_running(settings: Settings, timeout: float = 60.0) -> RunInfo | None:
    """Ask the ledger running on ``settings.data_dir`` to stop; wait until it has.

    Returns the run that was stopped, or None when nothing was running.
    """
    info = RunInfo.read(settings.pid_path)
    if info is None or not info.alive():
        return None
    os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not info.alive():
            return info
        time.sleep(0.1)
    raise ChainError(f"CarbonLedger (pid {info.pid}) did not stop within {timeout:g} s")
