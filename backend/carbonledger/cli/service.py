"""``carbonledger serve | anchor | index``: the service's roles as separate processes.

A deployment that outgrows one process runs, against one PostgreSQL database and one chain:
any number of ``serve`` processes (the API; ``--workers N`` forks N of them on one port), one
active ``anchor`` (the relayer and checker; more are hot standbys) and one active ``index``
(more are standbys). ``carbonledger up --workers N`` runs them all on one machine beside its
embedded chain. Every process reads the deployment manifest of ``--data-dir`` and the chain at
``--rpc-url`` (by default the chain ``carbonledger chain`` runs on that data directory), and
shares the data directory's ``auth.secret`` and ``service-vault.key`` (copy them to each host).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

import typer

from carbonledger.cli.common import (
    ApiPortOpt,
    Node,
    clear_errors,
    console,
    fail,
    step,
)
from carbonledger.cli.options import App
from carbonledger.config import Settings
from carbonledger.gcpolicy import settle_heap

WorkersOpt = typer.Option(
    1, "--workers", min=1, max=64, help="API processes (more than one needs PostgreSQL)."
)


def chain_url(settings: Settings) -> str:
    """The chain of ``settings``: ``--rpc-url``, else the one running on the data directory."""
    from carbonledger.runtime import RunInfo  # web3 with it: imported by the commands only

    if settings.rpc_url is None:
        run = RunInfo.read(settings.pid_path)
        if run is not None and run.alive():
            return run.rpc_url
    return settings.effective_rpc_url


def check_workers(settings: Settings, workers: int) -> None:
    """Several processes share one database only on PostgreSQL."""
    if workers > 1 and not settings.effective_database_url.startswith("postgresql"):
        raise fail(
            f"--workers {workers}: several API processes need a PostgreSQL database "
            "(set CARBONLEDGER_DATABASE_URL=postgresql+psycopg://...); SQLite serves one"
        )


def warn_of_connections(settings: Settings, processes: int) -> None:
    """Say so when ``processes`` processes of this start, each at its pool's peak, would need
    more PostgreSQL connections than the server has left: past them it refuses new ones and
    the requests that need one are answered 503. A warning, not a refusal: a peak may never
    come, and the server's figures change as other clients come and go."""
    if not settings.effective_database_url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from carbonledger.store.db import connections

    engine = create_engine(settings.effective_database_url, poolclass=NullPool)
    try:
        use = connections(engine)
    except Exception:  # the start itself says why the database cannot be reached
        return
    finally:
        engine.dispose()
    most = processes * settings.database_connections_per_process
    if use is None or most <= (spare := use.limit - use.in_use):
        return
    console.print(
        f"[yellow]warning:[/] {processes} processes may open {most} database connections "
        f"at a peak ({settings.database_pool_size} database_pool_size + "
        f"{settings.database_max_overflow} database_max_overflow each); the server takes "
        f"{spare} more ({use.in_use} of {use.limit} in use): lower those settings or raise "
        "its max_connections (docs/deploy.md, 'Database connections')"
    )


def connected_services(settings: Settings) -> Any:
    """The services of the deployment on ``settings.data_dir``, on its running chain."""
    from carbonledger.chain.client import connect
    from carbonledger.chain.manifest import read_manifest
    from carbonledger.services.container import build_services

    deployment = read_manifest(settings.manifest_path)
    if deployment is None:
        raise fail(f"no deployment in {settings.data_dir} (run `carbonledger chain` or `up` first)")
    w3 = connect(chain_url(settings))
    return build_services(settings, w3, deployment)


def api_from_environment() -> Any:
    """The API app of one worker process (uvicorn's factory for ``--workers N``): settings
    from the ``CARBONLEDGER_*`` environment the parent set; no background role here. The
    worker's start-up ends here, so its heap is settled (:func:`.settle_heap`)."""
    app_ = api_from_environment_of(Settings())
    settle_heap()
    return app_


def run_api_workers(settings: Settings, workers: int, rpc_url: str) -> None:
    """Serve the API from ``workers`` processes on one socket until SIGINT/SIGTERM."""
    import os

    from uvicorn.supervisors import Multiprocess

    from carbonledger.api.server import server_config

    # an embedded chain stays "embedded" for the workers (development keys allowed): they
    # find it from the data directory's pid file, as `serve` does
    chain = (
        {"CARBONLEDGER_RPC_URL": rpc_url}
        if settings.rpc_url is not None
        else {"CARBONLEDGER_CHAIN_HOST": settings.chain_host,
              "CARBONLEDGER_CHAIN_PORT": str(settings.chain_port)}
    )  # fmt: skip
    os.environ.update(
        {
            **chain,
            "CARBONLEDGER_DATA_DIR": str(settings.data_dir),
            "CARBONLEDGER_API_HOST": settings.api_host,
            "CARBONLEDGER_API_PORT": str(settings.api_port),
            "CARBONLEDGER_DATABASE_URL": settings.effective_database_url,
        }
    )
    config = server_config(
        "carbonledger.cli.service:api_from_environment",
        settings.api_host,
        settings.api_port,
        factory=True,
        workers=workers,
        # a worker builds its services (contract artifacts, database, chain) before it
        # answers the supervisor's pings: on a busy 2-core host that takes more than 5 s
        timeout_worker_healthcheck=60,
    )
    sock = config.bind_socket()
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()


def stop_on_signal() -> threading.Event:
    """An event that SIGINT and SIGTERM set (in place of stopping the process)."""
    stop = threading.Event()

    def _handle(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _handle)
    signal.signal(signal.SIGTERM, _handle)
    return stop


def until_set(stop: threading.Event) -> None:
    """Wait for ``stop`` (polled, so that signal handlers run)."""
    while not stop.wait(0.5):
        pass


def _run_role(services: Any, role: str, *, anchor: bool = False, index: bool = False) -> None:
    """Run the services' background ``role`` until SIGINT/SIGTERM."""
    settle_heap()
    services.start(anchor=anchor, index=index)
    try:
        until_set(stop_on_signal())
    finally:
        services.stop()
    console.print(f"{role} stopped")


def register(app: App) -> None:
    """Add ``serve``, ``anchor`` and ``index`` to ``app``."""

    @app.command()
    def serve(node: Node, api_port: ApiPortOpt = None, workers: int = WorkersOpt) -> None:
        """Serve the API only (no anchoring, no indexing) on a running chain."""
        import uvicorn

        from carbonledger.api.server import server_config

        with clear_errors():
            settings = node.settings(api_port=api_port)
            settings.check_ports(pact_host=False)
            check_workers(settings, workers)
            warn_of_connections(settings, workers)
            url = chain_url(settings)
            if workers > 1:
                console.print(f"API on {settings.api_url}: {workers} processes")
                run_api_workers(settings, workers, url)
                return
            app_ = api_from_environment_of(settings)
        settle_heap()
        console.print(f"API on {settings.api_url} (chain {url})")
        uvicorn.Server(server_config(app_, settings.api_host, settings.api_port)).run()

    @app.command()
    def anchor(node: Node) -> None:
        """Run the anchoring worker (the relayer and checker); a second one is a standby."""
        from carbonledger.services.container import bootstrap_chain

        with clear_errors():
            services = connected_services(node.settings())
        lock, beat = services.worker.leader, services.worker.heartbeat
        if lock is not None and not lock.try_acquire():
            step("standby: another anchoring worker holds the lock; waiting to take over")
            while not lock.try_acquire():
                if beat is not None:
                    beat.beat(False)  # GET /status lists it as a standby
                threading.Event().wait(1.0)
        if beat is not None:  # GET /status names it (and no more a dead holder) from now on
            beat.beat(True)
        step("active anchoring worker")
        with clear_errors():
            for line in bootstrap_chain(services):
                step(line)
        _run_role(services, "anchoring worker", anchor=True)

    @app.command()
    def index(node: Node) -> None:
        """Run the indexer (chain events into the database); a second one is a standby."""
        with clear_errors():
            services = connected_services(node.settings())
        _run_role(services, "indexer", index=True)


def api_from_environment_of(settings: Settings) -> Any:
    """The API app over services built for ``settings`` (one process, no background role)."""
    from carbonledger.api.app import create_app
    from carbonledger.chain.client import Web3ChainReader

    services = connected_services(settings)
    reader = Web3ChainReader(services.w3, chain_url(settings))
    return create_app(settings, reader, services.deployment, services)
