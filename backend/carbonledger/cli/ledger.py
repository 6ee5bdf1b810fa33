"""``carbonledger up | chain | status | down``: run the ledger and look at it."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx
import typer
from rich.table import Table

from carbonledger.chain.errors import ChainError
from carbonledger.chain.node import ensure_port_free
from carbonledger.cli import service
from carbonledger.cli.common import (
    ApiPortOpt,
    BlockTimeOpt,
    ChainPortOpt,
    Node,
    clear_errors,
    console,
    err_console,
    fail,
    settings_from,
    step,
)
from carbonledger.cli.options import App
from carbonledger.cli.session import ApiOpt
from carbonledger.cli.watch import add_status_rows, read_status
from carbonledger.config import Settings
from carbonledger.gcpolicy import settle_heap

if TYPE_CHECKING:  # web3 and the runtime are imported by the commands that run the ledger:
    # every other command of the CLI starts without them (a second or so)
    from carbonledger.runtime import LedgerRuntime, StartReport


def _print_started(report: StartReport, settings: Settings, api_url: str | None) -> None:
    if report.recovered_block is not None:
        lost = (
            f"; {report.lost_blocks} block(s) mined after the last snapshot were lost"
            if report.lost_blocks
            else "; no block lost"
            if report.lost_blocks == 0
            else ""
        )
        console.print(
            f"recovered {report.recovered_block + 1} blocks (up to block "
            f"{report.recovered_block}) from the persisted state{lost}"
        )
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}")
    table = Table(title="CarbonLedger is up", show_header=False, title_justify="left")
    table.add_row("data directory", str(settings.data_dir))
    kind = "embedded anvil" if report.embedded else "external node"
    table.add_row("chain", f"{report.rpc_url} ({kind}, chain id {report.chain_id})")
    table.add_row("block", str(report.block_number))
    table.add_row(
        "contracts", "deployed now" if report.deployed_now else "reused from the manifest"
    )
    for name, contract in report.deployment.contracts.items():
        table.add_row(f"  {name}", contract.address)
    if api_url:
        table.add_row("API", f"{api_url}  (health: {api_url}/health, docs: {api_url}/docs)")
    console.print(table)


def _start(settings: Settings, api_url: str | None) -> tuple[LedgerRuntime, StartReport]:
    from carbonledger.runtime import LedgerRuntime

    runtime = LedgerRuntime(settings, say=step)
    report = runtime.start(api_url=api_url)
    return runtime, report


@contextmanager
def _stopped_after(runtime: LedgerRuntime, message: str) -> Iterator[None]:
    """Stop ``runtime`` when the block ends; then the fatal error it met (exit 1), else
    ``message`` (an error the block raises passes through, after the stop)."""
    try:
        yield
    finally:
        runtime.stop()
    if runtime.fatal:
        raise fail(runtime.fatal)
    console.print(message)


def _watched(
    runtime: LedgerRuntime,
    report: StartReport,
    settings: Settings,
    api_url: str | None,
    on_fatal: Callable[[str], None],
) -> None:
    """Say what is up and how to stop it, and watch the runtime (``on_fatal`` when it dies)."""
    _print_started(report, settings, api_url)
    console.print("Press Ctrl-C (or run `carbonledger down`) to stop.")
    runtime.start_monitor(on_fatal=on_fatal)


def _sigterm_self(message: str) -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def register(app: App) -> None:
    """Add the ledger commands to ``app``."""

    @app.command()
    def up(
        node: Node,
        chain_port: ChainPortOpt = None,
        api_port: ApiPortOpt = None,
        block_time: BlockTimeOpt = None,
        workers: int = service.WorkersOpt,
    ) -> None:
        """Start the chain (deploying on first start) and the API server; Ctrl-C stops both.

        With ``--workers N`` (PostgreSQL only) the API runs in N processes on one port; the
        anchoring worker and the indexer run once, in this process."""
        import uvicorn

        from carbonledger.api.app import create_app
        from carbonledger.api.server import server_config
        from carbonledger.chain.client import Web3ChainReader
        from carbonledger.pact.wiring import PactServer, build_pact_service
        from carbonledger.services.container import bootstrap_chain, build_services

        with clear_errors():
            settings = node.settings(
                chain_port=chain_port, api_port=api_port, block_time=block_time
            )
            service.check_workers(settings, workers)
            # the API processes and this one (the worker and the indexer beside the chain)
            service.warn_of_connections(settings, workers + 1 if workers > 1 else 1)
            settings.check_ports(pact_host=True)
            ensure_port_free(settings.api_host, settings.api_port, "api_port")
            ensure_port_free(settings.api_host, settings.pact_port, "pact_port")
            runtime, report = _start(settings, settings.api_url)
        services = None
        pact_server: PactServer | None = None
        with _stopped_after(runtime, "CarbonLedger stopped; chain state saved."):
            try:
                assert runtime.w3 is not None
                with clear_errors():
                    services = build_services(settings, runtime.w3, report.deployment)
                    for line in bootstrap_chain(services):
                        step(line)
                    services.start()
                reader = Web3ChainReader(runtime.w3, report.rpc_url)
                app_ = create_app(settings, reader, report.deployment, services)
                with clear_errors():
                    app_.state.pact = build_pact_service(services)
                    pact_server = PactServer(settings, app_.state.pact)
                    pact_server.start()
                console.print(f"PACT host: {settings.pact_url} (certificate {pact_server.cert})")
                _watched(runtime, report, settings, settings.api_url, on_fatal=_sigterm_self)
                settle_heap()  # start-up done: the app, the services and the runtime are built
                if workers > 1:
                    # the supervisor handles SIGINT/SIGTERM itself and returns once its API
                    # processes have stopped; the worker and the indexer stop below
                    service.run_api_workers(settings, workers, report.rpc_url)
                else:
                    server = uvicorn.Server(
                        server_config(app_, settings.api_host, settings.api_port)
                    )
                    # uvicorn re-raises the signal that stopped it once it has shut down; with the
                    # default SIGTERM disposition that would kill this process before anvil stops.
                    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
                    server.run()
            except KeyboardInterrupt:
                pass
            finally:
                if pact_server is not None:
                    pact_server.stop()
                if services is not None:
                    services.stop()

    @app.command()
    def chain(node: Node, chain_port: ChainPortOpt = None, block_time: BlockTimeOpt = None) -> None:
        """Start only the chain (deploying the contracts on first start); Ctrl-C stops it."""
        with clear_errors():
            settings = node.settings(chain_port=chain_port, block_time=block_time)
            runtime, report = _start(settings, None)
        stop = service.stop_on_signal()
        with _stopped_after(runtime, "chain stopped; state saved."):
            _watched(runtime, report, settings, None, on_fatal=lambda _msg: stop.set())
            service.until_set(stop)

    @app.command()
    def status(
        node: Node, chain_port: ChainPortOpt = None, api_port: ApiPortOpt = None, api: ApiOpt = None
    ) -> None:
        """Show the chain, the contracts, the API server and the service's own reading (its
        claims' flow, which processes run the anchoring worker and the indexer, its alerts);
        exit 1 unless all are up and no critical alert fires.

        The reading needs CARBONLEDGER_STATUS_TOKEN where the service sets a status_token.
        A deployment elsewhere: --rpc-url its node, --api its API, --data-dir a directory
        holding its deployment.json."""
        from carbonledger.chain.client import connect
        from carbonledger.chain.manifest import code_hash, read_manifest
        from carbonledger.runtime import RunInfo, where_it_runs

        with clear_errors():
            settings = node.settings(chain_port=chain_port, api_port=api_port)
            run = RunInfo.read(settings.pid_path)
            running = run is not None and run.alive()
            # not running: check where it ran last, unless told where to look
            told = node.rpc_url or chain_port or api_port or api
            last = where_it_runs(settings) if not told else None
            where = run if running and run else last
            rpc = where.rpc_url if where else settings.effective_rpc_url
            api = (api or (where.api_url if where else None) or settings.api_url).rstrip("/")
            manifest = read_manifest(settings.manifest_path)
        healthy = True
        table = Table(title="CarbonLedger status", show_header=False, title_justify="left")
        table.add_row("data directory", str(settings.data_dir))
        table.add_row("process", f"running (pid {run.pid})" if running and run else "not running")
        try:
            w3 = connect(rpc, timeout=3)
            table.add_row(
                "chain",
                f"[green]up[/] {rpc} chain id {w3.eth.chain_id} block {w3.eth.block_number}",
            )
        except ChainError as exc:
            w3 = None
            healthy = False
            table.add_row("chain", f"[red]down[/] {exc}")
        if manifest is None:
            healthy = False
            table.add_row("contracts", "[red]not deployed[/] (no manifest yet)")
        else:
            for name, contract in manifest.contracts.items():
                if w3 is None:
                    state = "[yellow]unknown[/]"
                elif code_hash(w3, contract.address) == contract.code_hash:
                    state = "[green]code present[/]"
                else:
                    healthy = False
                    state = "[red]code missing[/]"
                table.add_row(name, f"{contract.address} {state}")
        try:
            response = httpx.get(f"{api}/health", timeout=3)
            response.raise_for_status()
            table.add_row("API", f"[green]up[/] {api}")
            body, why = read_status(api, settings)
            if body is None:
                table.add_row("service", f"[yellow]not read[/]: GET /status: {why}")
            else:
                add_status_rows(table, body)
                healthy = healthy and bool(body["healthy"])
        except httpx.HTTPError as exc:
            healthy = False
            table.add_row("API", f"[red]down[/] {api} ({type(exc).__name__})")
        console.print(table)
        if not healthy:
            raise typer.Exit(1)

    @app.command()
    def down(node: Node, chain_port: ChainPortOpt = None, api_port: ApiPortOpt = None) -> None:
        """Stop the ledger running on this data directory (its chain state is saved).

        The ledger is found by its data directory; the common options are accepted (so a
        command line that started it stops it) and not needed."""
        from carbonledger.runtime import stop_running

        del chain_port, api_port
        with clear_errors():
            settings = settings_from(data_dir=node.data_dir)
            stopped = stop_running(settings)
        if stopped is None:
            err_console.print(f"nothing is running on data directory {settings.data_dir}")
            return
        console.print(f"stopped CarbonLedger (pid {stopped.pid}); chain state saved")
