"""Building the PACT service from a running ledger's services, and serving it over TLS."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import uvicorn

from carbonledger.api.server import server_config
from carbonledger.config import Settings
from carbonledger.pact.host import create_pact_app
from carbonledger.pact.relay import EventRelay
from carbonledger.pact.sealing import CallbackSealer
from carbonledger.pact.service import PactService
from carbonledger.pact.store import PactStore
from carbonledger.pact.tls import ensure_certificate
from carbonledger.privatefiles import read_or_create
from carbonledger.services.container import Services, load_service_vault_key


def _secret(path: Path) -> bytes:
    return bytes.fromhex(read_or_create(path, lambda: os.urandom(32).hex() + "\n").strip())


def build_pact_service(services: Services) -> PactService:
    settings = services.settings
    pair = load_service_vault_key(settings.data_dir / "service-vault.key")
    return PactService(
        services.ledger,
        PactStore(services.engine),
        services.vault,
        service_reader=services.ledger.service_address,
        service_vault_key=pair.private_key,
        standard_hash=services.standard.content_hash,
        token_secret=_secret(settings.data_dir / "pact-token.secret"),
        nonces=services.claims,
        public_url=settings.pact_url,
        sealer=CallbackSealer(_sealing_secret(settings)),
    )


def _sealing_secret(settings: Settings) -> bytes:
    if settings.pact_secrets_key is not None:
        return settings.pact_secrets_key.get_secret_value().encode("utf-8")
    return _secret(settings.data_dir / "pact-secrets.key")


def tls_files(settings: Settings) -> tuple[Path, Path]:
    if settings.pact_cert is not None and settings.pact_key is not None:
        return settings.pact_cert, settings.pact_key
    return ensure_certificate(settings.data_dir / "pact-tls", settings.api_host)


class PactServer:
    """The PACT host app on ``settings.pact_port``, HTTPS only, in a background thread, with
    the relay that sends (and retries) events to partners."""

    def __init__(self, settings: Settings, service: PactService) -> None:
        cert, key = tls_files(settings)
        self.cert = cert
        config = server_config(
            create_pact_app(service, settings.pact_url),
            settings.api_host,
            settings.pact_port,
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="pact-host", daemon=True)
        self.relay = EventRelay(service)

    def start(self, timeout: float = 30) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the PACT host did not start")
            time.sleep(0.05)
        self.relay.start()

    def stop(self) -> None:
        self.relay.stop()
        self.server.should_exit = True
        self.thread.join(timeout=10)
