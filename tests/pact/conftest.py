"""A ledger with its PACT host over HTTPS (a real anvil, the real service, uvicorn + TLS), a
supplier firm that published footprints, and a partner's client credentials."""

from __future__ import annotations

import copy
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from jsonschema import Draft202012Validator, FormatChecker

from carbonledger.api.app import create_app
from carbonledger.api.server import server_config
from carbonledger.chain.client import Web3ChainReader
from carbonledger.chain.node import free_port
from carbonledger.chain.sender import TxSender
from carbonledger.client import LedgerClient
from carbonledger.config import ANVIL_DEV_KEY_0, Settings
from carbonledger.errors import CarbonLedgerError
from carbonledger.pact import schema
from carbonledger.pact.client import publish_footprint
from carbonledger.pact.service import PactService
from carbonledger.pact.wiring import PactServer, build_pact_service
from carbonledger.services.container import bootstrap_chain, build_services
from carbonledger.standard import load_version
from tests.api.conftest import Api
from tests.conftest import PROJECT_ROOT, DeployedChain
from tests.store.conftest import engine  # noqa: F401 - the stores' SQLite/PostgreSQL engines

BASE_PF: dict[str, Any] = {
    "specVersion": "3.0.0",
    "created": "2025-01-15T10:15:30Z",
    "status": "Active",
    "companyName": "Acme Steel",
    "companyIds": ["urn:uuid:51131fb5-42b2-4fd5-a8a2-7d7b2ef3c2b1"],
    "productDescription": "Hot-rolled coil",
    "productIds": ["urn:gtin:4712345060507"],
    "productClassifications": ["urn:pact:productclassification:un-cpc:4125"],
    "productNameCompany": "HRC S235",
    "pcf": {
        "declaredUnitOfMeasurement": "kilogram",
        "declaredUnitAmount": "1",
        "productMassPerDeclaredUnit": "1",
        "referencePeriodStart": "2024-01-01T00:00:00Z",
        "referencePeriodEnd": "2025-01-01T00:00:00Z",
        "geographyCountry": "DE",
        "pcfExcludingBiogenicUptake": "1.85",
        "pcfIncludingBiogenicUptake": "1.80",
        "biogenicCO2Uptake": "-0.05",
        "fossilGhgEmissions": "1.70",
        "fossilCarbonContent": "0.01",
        "ipccCharacterizationFactors": ["AR6"],
        "crossSectoralStandards": ["ISO14067"],
        "exemptedEmissionsPercent": "0.5",
    },
}


def footprint(**changes: Any) -> dict[str, Any]:
    pf = copy.deepcopy(BASE_PF)
    pf["id"] = str(uuid.uuid4())
    pcf_changes = changes.pop("pcf", {})
    pf.update(changes)
    pf["pcf"].update(pcf_changes)
    return pf


VALIDATORS = {
    name: Draft202012Validator(s, format_checker=FormatChecker())
    for name, s in {
        "list": schema.LIST_RESPONSE,
        "single": schema.SINGLE_RESPONSE,
        "error": schema.ERROR,
        "token": schema.TOKEN_RESPONSE,
    }.items()
}


def valid(kind: str, body: Any) -> Any:
    """``body`` validated against the PACT schema of ``kind`` (raises with the first error)."""
    errors = list(VALIDATORS[kind].iter_errors(body))
    assert not errors, f"{kind} response fails the PACT schema: {errors[0].message}"
    return body


V3 = load_version("1.2.0")
T = TypeVar("T")


@dataclass
class PactHost:
    api: Api
    pact: PactService
    url: str  # https base URL
    cert: Path
    supplier: LedgerClient
    customer: LedgerClient
    published: list[dict[str, Any]]
    client_id: str
    client_secret: str

    def https(self, **kwargs: Any) -> httpx.Client:
        context = ssl.create_default_context(cafile=str(self.cert))
        return httpx.Client(base_url=self.url, verify=context, timeout=60, **kwargs)

    def token(self) -> str:
        with self.https() as http:
            r = http.post(
                "/auth/token",
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self.client_secret),
            )
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    def authed(self) -> httpx.Client:
        return self.https(headers={"Authorization": f"Bearer {self.token()}"})


@pytest.fixture(scope="module")
def pact_host(
    deployed_chain: DeployedChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PactHost]:
    data_dir = tmp_path_factory.mktemp("pact")
    port, pact_port = free_port(), free_port()
    settings = Settings(
        data_dir=data_dir,
        project_root=PROJECT_ROOT,
        api_port=port,
        pact_port=pact_port,
        submit_wait=30,
        database_url=f"sqlite:///{Path(data_dir) / 'api.db'}",
    )
    services = build_services(
        settings, deployed_chain.w3, deployed_chain.deployment, deployed_chain.artifacts
    )
    bootstrap_chain(services)
    services.start()
    app = create_app(
        settings,
        Web3ChainReader(deployed_chain.w3, deployed_chain.node.url),
        deployed_chain.deployment,
        services,
    )
    pact = build_pact_service(services)
    app.state.pact = pact
    server = uvicorn.Server(server_config(app, "127.0.0.1", port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    pact_server = PactServer(settings, pact)
    pact_server.start()
    api = Api(
        f"http://127.0.0.1:{port}",
        services,
        deployed_chain,
        TxSender(deployed_chain.w3, ANVIL_DEV_KEY_0),
    )
    try:
        account = api.admit("Acme Steel")
        supplier = api.client(account)
        published = [
            publish_footprint(supplier, footprint()),
            publish_footprint(
                supplier,
                footprint(
                    productIds=["urn:gtin:4712345060514"],
                    productClassifications=["urn:eclass:0173-1#01-AAA123#005"],
                    pcf={"geographyCountry": "FR"},
                ),
            ),
            publish_footprint(
                supplier,
                footprint(
                    productIds=["urn:gtin:4712345060521"],
                    validityPeriodStart="2025-01-01T00:00:00Z",
                    validityPeriodEnd="2026-01-01T00:00:00Z",
                ),
            ),
        ]
        customer = api.client(api.admit("Customer GmbH"))
        # the customer's credentials for the supplier, so the supplier can send it events
        back = customer.request("POST", "/pact/clients", json={"partner": "Acme Steel"})
        callback = {
            "url": settings.pact_url,
            "client_id": back["client_id"],
            "client_secret": back["client_secret"],
            "ca_pem": pact_server.cert.read_text(),
        }
        issued = supplier.request(
            "POST",
            "/pact/clients",
            json={"partner": "Customer GmbH", "all_footprints": True, "callback": callback},
        )
        yield PactHost(
            api,
            pact,
            settings.pact_url,
            pact_server.cert,
            supplier,
            customer,
            published,
            issued["client_id"],
            issued["client_secret"],
        )
    finally:
        pact_server.stop()
        server.should_exit = True
        thread.join(timeout=10)
        services.stop()


def ensure_standard_v3(host: PactHost) -> None:
    """Standard 1.2.0 published on the test chain (the consortium's admins would do this)."""
    services = host.api.services
    ledger = services.ledger
    if ledger.standard_version_of(V3.content_hash) == 0:
        ledger.as_admin(services.settings.keys().deployer).publish(V3.content_hash)
    deadline = time.monotonic() + 60
    while True:  # the API lists it once its indexer has read the publication
        try:
            host.supplier.standard_onchain_version(V3.content_hash)
            return
        except CarbonLedgerError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def eventually(check: Callable[[], T], timeout: float = 30.0) -> T:
    """``check()``'s first truthy result (the event relay works in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, "not within the time"
            return result
        time.sleep(0.1)
