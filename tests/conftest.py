"""Fixtures shared by the whole suite."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from web3 import Web3
from web3.contract import Contract

from carbonledger.chain.artifacts import ContractArtifact, load_artifacts, sources_hash
from carbonledger.chain.deploy import deploy_contracts
from carbonledger.chain.manifest import Deployment
from carbonledger.chain.node import AnvilNode, find_anvil, free_port
from carbonledger.config import ANVIL_DEV_KEY_0, ANVIL_DEV_MNEMONIC, DEFAULT_PROJECT_ROOT
from tests.postgres import postgres_bin, postgres_server

PROJECT_ROOT = DEFAULT_PROJECT_ROOT
ANVIL_BIN = PROJECT_ROOT / "node_modules/@foundry-rs/anvil-linux-amd64/bin"

# The suite runs through `./run test`, which installs everything and puts anvil on PATH;
# make a bare `uv run pytest` work as well.
os.environ.setdefault("SOLCX_BINARY_PATH", str(PROJECT_ROOT / ".toolchain" / "solcx"))
if shutil.which("anvil") is None and ANVIL_BIN.is_dir():
    os.environ["PATH"] = f"{ANVIL_BIN}{os.pathsep}{os.environ['PATH']}"


#: suites that need no chain node: run alone, they do not start ape's anvil either
NODE_FREE = ("tests/services", "tests/vocab", "tests/test_import_layers.py")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """When every path asked for is a node-free suite, unplug ape's runner (it would start
    anvil for any collected test): those tests then run with no chain node at all."""
    paths = [Path(str(a).split("::")[0]).resolve() for a in config.args]
    free = [PROJECT_ROOT / d for d in NODE_FREE]
    if paths and all(any(p.is_relative_to(d) for d in free) for p in paths):
        runner = config.pluginmanager.get_plugin("ape-test")
        if runner is not None:
            config.pluginmanager.unregister(runner)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No CARBONLEDGER_* variable of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("CARBONLEDGER_"):
            monkeypatch.delenv(name)


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT


@dataclass
class DeployedChain:
    """A real anvil on a free port with the CarbonLedger contracts deployed."""

    node: AnvilNode
    w3: Web3
    deployment: Deployment
    artifacts: dict[str, ContractArtifact]

    def contract(self, name: str) -> Contract:
        return self.w3.eth.contract(
            address=self.deployment.address(name), abi=self.artifacts[name].abi
        )


@contextlib.contextmanager
def deploy_chain(root: Path) -> Iterator[DeployedChain]:
    """A fresh anvil on a free port with the contracts deployed (state under ``root``)."""
    node = AnvilNode(
        binary=find_anvil(None, PROJECT_ROOT),
        host="127.0.0.1",
        port=free_port(),
        chain_id=31337,
        state_path=root / "state.json",
        state_interval=60,
        block_time=None,
        mnemonic=ANVIL_DEV_MNEMONIC,
        log_path=root / "anvil.log",
    )
    node.start()
    try:
        w3 = Web3(Web3.HTTPProvider(node.url))
        artifacts = load_artifacts(PROJECT_ROOT)
        deployment = deploy_contracts(
            w3, ANVIL_DEV_KEY_0, artifacts, sources_hash=sources_hash(PROJECT_ROOT)
        )
        yield DeployedChain(node=node, w3=w3, deployment=deployment, artifacts=artifacts)
    finally:
        node.stop()


@pytest.fixture(scope="session")
def deployed_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployedChain]:
    """One embedded chain for the session's integration tests (not ape's)."""
    with deploy_chain(tmp_path_factory.mktemp("chain")) as chain:
        yield chain


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server. Required in CI; skipped elsewhere when not installed."""
    if postgres_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; .ci/run should have installed it")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    # not under pytest's tmp_path: that is private to root, and the server runs as postgres
    workdir = Path(tempfile.mkdtemp(prefix="carbonledger-pg-"))
    try:
        with postgres_server(workdir) as url:
            yield url
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(autouse=True)
def _private_token_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``carbonledger login`` caches tokens under $XDG_CACHE_HOME: each test its own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
