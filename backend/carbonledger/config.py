"""One validated settings object for the whole application.

Every setting can be given as an environment variable ``CARBONLEDGER_<NAME>`` (for
example ``CARBONLEDGER_RPC_URL``) or a ``.env`` file in the working directory; the CLI
overrides some of them from its options. The defaults run everything embedded: a local
anvil node whose state persists in ``data_dir/chain``, and SQLite in ``data_dir``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AnyHttpUrl, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The repository root (``backend/carbonledger/config.py`` -> three levels up).
PACKAGE_ROOT = Path(__file__).resolve().parent
DEFAULT_PROJECT_ROOT = PACKAGE_ROOT.parents[1]

#: anvil's well-known development mnemonic: its accounts are funded on a fresh chain.
ANVIL_DEV_MNEMONIC = "test test test test test test test test test test test junk"
#: Private keys of the first accounts of that mnemonic (public knowledge; local chains only).
ANVIL_DEV_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#: The service's default key on the embedded chain: anvil's last development account, so the
#: first ones stay free for the example firms.
ANVIL_DEV_KEY_9 = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"

Port = Annotated[int, Field(ge=1, le=65535)]


class Settings(BaseSettings):
    """CarbonLedger's settings (environment prefix ``CARBONLEDGER_``)."""

    model_config = SettingsConfigDict(
        env_prefix="CARBONLEDGER_", env_file=".env", extra="ignore", validate_default=True
    )

    project_root: Path = Field(
        DEFAULT_PROJECT_ROOT, description="Repository root holding contracts/ and ape-config.yaml."
    )
    data_dir: Path = Field(
        Path(".carbonledger"),
        description="Where the chain state, the deployment manifest and the database live.",
    )

    # --- chain ---
    rpc_url: AnyHttpUrl | None = Field(
        None,
        description=(
            "JSON-RPC URL of an existing EVM node (for example a Besu/QBFT consortium "
            "network). When unset, an embedded anvil node is started and managed."
        ),
    )
    chain_host: str = Field("127.0.0.1", description="Interface the embedded node listens on.")
    chain_port: Port = Field(8545, description="Port of the embedded node.")
    chain_id: int = Field(31337, ge=1, description="Chain id of the embedded node.")
    block_time: float | None = Field(
        None,
        gt=0,
        description=(
            "Seconds between blocks on the embedded node (interval mining). None (the "
            "default) mines one block per transaction, so an idle chain does not grow: "
            "anvil stores every empty block (about 1.5 KB each) in its state file."
        ),
    )
    state_interval: int = Field(
        1, ge=1, description="Seconds between snapshots of the embedded node's state on disk."
    )
    anvil_bin: Path | None = Field(
        None, description="The anvil executable; by default PATH, then node_modules."
    )
    deployer_key: str = Field(
        ANVIL_DEV_KEY_0,
        description="Private key that deploys the contracts and is the first admin.",
        repr=False,
    )
    node_start_timeout: float = Field(20.0, gt=0, description="Seconds to wait for the node.")
    service_key: str = Field(
        ANVIL_DEV_KEY_9,
        description=(
            "Private key of the service's own member account: it relays firms' signed claims "
            "(paying the gas) and records the checker's outcomes (checker role). Never a "
            "firm's key."
        ),
        repr=False,
    )

    # --- storage ---
    database_url: str | None = Field(
        None,
        description=(
            "SQLAlchemy URL of the database (postgresql+psycopg://... in production); "
            "by default SQLite in the data directory."
        ),
    )
    submit_wait: float = Field(
        20.0, ge=0, description="Seconds POST /claims waits for the claim to reach the chain."
    )
    anchor_batch_size: int = Field(
        100, ge=1, le=500, description="Claims relayed per trySubmitClaims transaction."
    )

    # --- API ---
    api_host: str = Field("127.0.0.1", description="Interface the API server listens on.")
    api_port: Port = Field(8000, description="Port of the API server.")
    pact_port: Port = Field(
        8443, description="Port of the PACT v3 host API (HTTPS only; see docs/pact.md)."
    )
    pact_cert: Path | None = Field(
        None,
        description="PEM certificate (chain) of the PACT API; default: one generated on first "
        "start in data_dir/pact-tls/ for the API host and localhost.",
    )
    pact_key: Path | None = Field(None, description="PEM private key of pact_cert.")
    pact_public_url: str | None = Field(
        None,
        description="The PACT API's base URL as partners reach it (links, discovery, the "
        "anchor extension); default https://<api_host>:<pact_port>.",
    )

    @field_validator("data_dir", "project_root")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("deployer_key", "service_key")
    @classmethod
    def _hex_key(cls, value: str) -> str:
        raw = value.removeprefix("0x")
        if len(raw) != 64 or any(c not in "0123456789abcdefABCDEF" for c in raw):
            raise ValueError("must be a 32-byte private key written as 64 hex digits")
        return "0x" + raw.lower()

    @property
    def embedded_chain(self) -> bool:
        """True when CarbonLedger starts and manages its own anvil node."""
        return self.rpc_url is None

    @property
    def effective_rpc_url(self) -> str:
        if self.rpc_url is not None:
            return str(self.rpc_url).rstrip("/")
        return f"http://{self.chain_host}:{self.chain_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"

    @property
    def pact_url(self) -> str:
        return (self.pact_public_url or f"https://{self.api_host}:{self.pact_port}").rstrip("/")

    @property
    def chain_dir(self) -> Path:
        return self.data_dir / "chain"

    @property
    def state_path(self) -> Path:
        return self.chain_dir / "state.json"

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "deployment.json"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'carbonledger.db'}"

    @property
    def pid_path(self) -> Path:
        return self.data_dir / "carbonledger.pid"
