"""The API served over real HTTP (uvicorn on a free port) against a real anvil."""

from __future__ import annotations

import contextlib
import copy
import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from carbonledger.api.app import create_app
from carbonledger.api.server import server_config
from carbonledger.chain.admin import propose_about, propose_admission
from carbonledger.chain.client import Web3ChainReader
from carbonledger.chain.node import free_port
from carbonledger.chain.sender import TxSender
from carbonledger.client import LedgerClient
from carbonledger.config import ANVIL_DEV_KEY_0, Settings
from carbonledger.services.container import Services, bootstrap_chain, build_services
from tests.conftest import PROJECT_ROOT, DeployedChain
from tests.postgres import fresh_database

EXAMPLES = PROJECT_ROOT / "backend/carbonledger/standard/examples"


@dataclass
class Api:
    url: str
    services: Services
    chain: DeployedChain
    admin: TxSender

    def admit(
        self, name: str, roles: tuple[str, ...] = ("firm",), account: LocalAccount | None = None
    ) -> LocalAccount:
        """A member (by default with a fresh key), admitted by the deployer (the only admin)."""
        account = account or Account.create()
        propose_admission(
            self.admin,
            self.chain.contract("MemberRegistry"),
            account=account.address,
            name=name,
            identifier_hash=keccak(text=f"registration:{name}:{account.address}"),
            roles=roles,
        )
        return account

    def suspend(self, account: str) -> None:
        propose_about(self.admin, self.chain.contract("MemberRegistry"), "Suspension", account)

    def client(self, account: LocalAccount, login: bool = True) -> LedgerClient:
        client = LedgerClient(self.url, account, standard=self.services.standard)
        if login:
            client.login()
            client.register_vault_key()
        return client

    def http(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def example(name: str, firm: str, **changes: Any) -> dict[str, Any]:
    """A shipped example claim document, made this firm's and unique (its claim_id)."""
    doc = copy.deepcopy(json.loads((EXAMPLES / name).read_text(encoding="utf-8")))
    doc["firm"]["address"] = firm
    doc["claim_id"] = f"test-{uuid.uuid4()}"
    doc.update(changes)
    return doc


#: how long a test's signed claims stay valid
DEADLINE = 7 * 24 * 3600


def signed_item(
    client: LedgerClient, raw: bytes, nonce: int, chain: dict[str, Any]
) -> dict[str, Any]:
    """``raw`` signed by the firm of ``client`` with ``nonce``: an item of POST /claims/batch."""
    deadline = int(time.time()) + DEADLINE
    signature = client.sign_claim(raw, nonce=nonce, deadline=deadline, chain=chain)
    return {
        "document": raw.decode("utf-8"),
        "signature": "0x" + signature.hex(),
        "nonce": nonce,
        "deadline": deadline,
    }


def wait_checked(client: LedgerClient, claim_ids: list[str], timeout: float = 60) -> None:
    """Wait until each of ``claim_ids`` is checked on chain (fails after ``timeout``)."""
    deadline = time.monotonic() + timeout
    for claim_id in claim_ids:
        while client.claim(claim_id)["state"] != "checked":
            assert time.monotonic() < deadline, f"{claim_id} not checked in time"
            time.sleep(0.1)


def in_2023(doc: dict[str, Any]) -> dict[str, Any]:
    """An example of 2024 moved a year back: its period and every line's date in 2023."""
    doc["period"] = {"start": "2023-01-01", "end": "2023-12-31"}
    for line in doc["lines"]:
        if "date" in line:
            line["date"] = "2023" + line["date"][4:]
    return doc


def as_bytes(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def shipment_files(folder: Path, firm: str, numbers: Iterable[int]) -> list[Path]:
    """One footprint of ``firm`` per shipment number, as ``shipment-NNNN.json`` in ``folder``
    (made if missing), each document its own (its ``claim_id`` field)."""
    folder.mkdir(exist_ok=True)
    paths = []
    for n in numbers:
        doc = example("carrier_footprint.json", firm)
        doc["claim_id"] = f"shipment-{n:04d}"
        path = folder / f"shipment-{n:04d}.json"
        path.write_bytes(as_bytes(doc))
        paths.append(path)
    return paths


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh database for a module's service: SQLite (the default), then PostgreSQL
    (production)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'api.db'}"
    server: str = request.getfixturevalue("postgres_url")
    return fresh_database(server, f"api_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="module")
def api(
    deployed_chain: DeployedChain, api_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """The service on SQLite (the default) and on PostgreSQL (production), in turn."""
    data_dir = tmp_path_factory.mktemp("api")
    with serving(deployed_chain, data_dir, database_url=api_database) as served:
        yield served


@contextlib.contextmanager
def serving(deployed_chain: DeployedChain, data_dir: Path, **settings: Any) -> Iterator[Api]:
    """The service with ``settings`` over real HTTP on a free port, until the block ends."""
    port = free_port()
    config = Settings(
        **{"submit_wait": 30, **settings},
        data_dir=data_dir,
        project_root=PROJECT_ROOT,
        api_port=port,
    )
    services = build_services(
        config, deployed_chain.w3, deployed_chain.deployment, deployed_chain.artifacts
    )
    bootstrap_chain(services)
    services.start()
    app = create_app(
        config,
        Web3ChainReader(deployed_chain.w3, deployed_chain.node.url),
        deployed_chain.deployment,
        services,
    )
    server = uvicorn.Server(server_config(app, "127.0.0.1", port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.05)
    try:
        yield Api(url, services, deployed_chain, TxSender(deployed_chain.w3, ANVIL_DEV_KEY_0))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.stop()


def serving_roots(
    deployed_chain: DeployedChain, data_dir: Path, database_url: str | None = None
) -> contextlib.AbstractContextManager[Api]:
    """The service in root mode (on SQLite unless ``database_url`` says otherwise), answering
    a submission once its root is recorded."""
    return serving(
        deployed_chain,
        data_dir,
        database_url=database_url or f"sqlite:///{data_dir / 'api.db'}",
        anchor_mode="root",
        submit_wait=10,
    )
