"""The ledger the demo runs on, started in this process the way ``carbonledger up`` does it:
:class:`~carbonledger.runtime.LedgerRuntime` (embedded anvil, deployment), the services
(``build_services`` + ``bootstrap_chain``, which admits the service account and publishes the
standard), and the API served by uvicorn in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

import uvicorn
from web3 import Web3

from carbonledger.api.app import create_app
from carbonledger.api.server import server_config
from carbonledger.chain.client import Web3ChainReader
from carbonledger.chain.manifest import Deployment
from carbonledger.chain.node import ensure_port_free
from carbonledger.config import Settings
from carbonledger.errors import CarbonLedgerError
from carbonledger.runtime import LedgerRuntime, StartReport
from carbonledger.services.container import Services, bootstrap_chain, build_services


class DemoLedgerError(CarbonLedgerError):
    """The demo's ledger did not come up."""


@dataclass
class DemoLedger:
    """Start with :meth:`start` (or ``with``), stop with :meth:`stop`."""

    settings: Settings
    say: Callable[[str], None]
    runtime: LedgerRuntime | None = None
    report: StartReport | None = None
    services: Services | None = None
    bootstrap: list[str] = field(default_factory=list)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def api_url(self) -> str:
        return self.settings.api_url

    @property
    def rpc_url(self) -> str:
        assert self.report is not None
        return self.report.rpc_url

    @property
    def w3(self) -> Web3:
        assert self.runtime is not None and self.runtime.w3 is not None
        return self.runtime.w3

    @property
    def deployment(self) -> Deployment:
        assert self.report is not None
        return self.report.deployment

    def start(self, on_fatal: Callable[[str], None] | None = None) -> None:
        s = self.settings
        ensure_port_free(s.api_host, s.api_port, "api_port")
        self.runtime = LedgerRuntime(s, say=self.say)
        self.report = self.runtime.start(api_url=s.api_url)
        self.services = build_services(s, self.w3, self.report.deployment)
        self.bootstrap = bootstrap_chain(self.services)
        for line in self.bootstrap:
            self.say(line)
        self.services.start()
        reader = Web3ChainReader(self.w3, self.report.rpc_url)
        app = create_app(s, reader, self.report.deployment, self.services)
        self._server = uvicorn.Server(server_config(app, s.api_host, s.api_port))
        self._thread = threading.Thread(target=self._server.run, name="demo-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise DemoLedgerError(f"the API server did not start on {s.api_url}")
            time.sleep(0.05)
        self.runtime.start_monitor(on_fatal=on_fatal)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        if self.services is not None:
            self.services.stop()
        if self.runtime is not None:
            self.runtime.stop()

    def __enter__(self) -> DemoLedger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
