"""One validated settings object for the whole application.

Every setting can be given as an environment variable ``CARBONLEDGER_<NAME>`` (for
example ``CARBONLEDGER_RPC_URL``) or a ``.env`` file in the working directory; the CLI
overrides some of them from its options. The defaults run everything embedded: a local
anvil node whose state persists in ``data_dir/chain``, and SQLite in ``data_dir``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from carbonledger.errors import ConfigError

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
    mode: Literal["dev", "production"] | None = Field(
        None,
        description=(
            "dev: anvil's public development keys and a generated token secret are allowed. "
            "production: every key and the token secret must be given, and none may be a "
            "well-known development key. By default dev with the embedded anvil and "
            "production with rpc_url."
        ),
    )
    deployer_key: str | None = Field(
        None,
        description=(
            "Private key (hex) that deploys the contracts. Prefer deployer_key_file. In dev "
            "mode it defaults to anvil's development key 0."
        ),
        repr=False,
    )
    deployer_key_file: Path | None = Field(
        None,
        description=(
            "File holding the deployer's key: an encrypted keystore (`carbonledger key new`; "
            "password from keystore_password) or a raw hex key (mode 0600)."
        ),
    )
    admins: list[str] = Field(
        default_factory=list,
        description=(
            "The consortium's first admins, written into MemberRegistry at deployment (a JSON "
            "list of addresses). Required in production; in dev the deployer is the admin."
        ),
    )
    admin_quorum: int = Field(1, ge=1, description="Admin approvals a proposal needs.")
    node_start_timeout: float = Field(20.0, gt=0, description="Seconds to wait for the node.")
    service_key: str | None = Field(
        None,
        description=(
            "Private key (hex) of the service's own member account: it relays firms' signed "
            "claims (paying the gas) and records the checker's outcomes (checker role). Never "
            "a firm's key. Prefer service_key_file. In dev mode it defaults to anvil's "
            "development key 9."
        ),
        repr=False,
    )
    service_key_file: Path | None = Field(
        None, description="File holding the service's key (keystore or raw hex, as above)."
    )
    keystore_password: SecretStr | None = Field(
        None, description="Password of the keystores named by *_key_file.", repr=False
    )

    # --- API authentication ---
    auth_secret: SecretStr | None = Field(
        None,
        description=(
            "Secret (>= 32 bytes) that signs bearer tokens and login challenges; give the same "
            "to every instance. Required in production; in dev one is kept in "
            "data_dir/auth.secret."
        ),
        repr=False,
    )
    auth_previous_secret: SecretStr | None = Field(
        None,
        description=(
            "The secret before the last rotation: tokens and challenges it signed are still "
            "accepted for auth_rotation_grace seconds after the service starts."
        ),
        repr=False,
    )
    auth_rotation_grace: int = Field(
        3600, ge=0, le=7 * 86400, description="Seconds the previous secret is still accepted."
    )

    # --- limits (checked before the body is parsed; see docs/security.md) ---
    max_body_bytes: int = Field(
        64 * 1024, ge=1024, description="Largest request body of a route not listed below."
    )
    max_claim_bytes: int = Field(
        8 * 1024 * 1024, ge=1024, description="Largest body of POST /claims (and /claims/check)."
    )
    max_batch_bytes: int = Field(
        32 * 1024 * 1024, ge=1024, description="Largest body of POST /claims/batch."
    )
    max_claim_lines: int = Field(10_000, ge=1, description="Most activity lines in one claim.")
    max_batch_claims: int = Field(1000, ge=1, description="Most claims in one batch request.")
    max_json_depth: int = Field(32, ge=4, le=1000, description="Deepest JSON nesting accepted.")
    unauthenticated_body_bytes: int = Field(
        16 * 1024,
        ge=1024,
        description=(
            "Largest body read from a request without a valid bearer token on a route that "
            "needs one: a larger one gets its 401 before the body is read."
        ),
    )

    # --- the evidence vault ---
    vault_wrap_reuse: float = Field(
        60.0,
        ge=0,
        le=3600,
        description=(
            "Seconds an API process keeps a reader key's ephemeral X25519 pair, so that the "
            "documents it seals for that reader meanwhile share one exchange (0: one pair per "
            "request). While kept, the process could unwrap what it wrapped under it."
        ),
    )

    # --- storage ---
    database_url: str | None = Field(
        None,
        description=(
            "SQLAlchemy URL of the database (postgresql+psycopg://... in production); "
            "by default SQLite in the data directory."
        ),
    )
    database_pool_size: int = Field(
        5,
        ge=2,
        le=1000,
        description="PostgreSQL connections each process keeps open (SQLAlchemy's pool_size; "
        "at least 2: with one and no overflow, the API's requests waited for a connection "
        "until the pool's 30 s timeout).",
    )
    database_max_overflow: int = Field(
        10,
        ge=0,
        le=1000,
        description="More PostgreSQL connections each process opens at a peak and closes after "
        "(max_overflow). Each process may hold pool size + overflow: API processes times that, "
        "plus the worker's and the indexer's, must stay under the server's max_connections "
        "(docs/deploy.md, 'Database connections').",
    )
    submit_wait: float = Field(
        20.0, ge=0, description="Seconds POST /claims waits for the claim to reach the chain."
    )
    firm_backlog_limit: int = Field(
        100_000,
        ge=1,
        description="Claims of one firm that may wait for the chain at once; past it the "
        "firm's next claims are refused with 429 and Retry-After, nothing of them stored, "
        "until its queue drains (the anchoring queue serves firms in turns, so one firm's "
        "backlog does not hold back the others).",
    )
    anchor_batch_size: int = Field(
        100, ge=1, le=500, description="Claims relayed per trySubmitClaims transaction."
    )
    anchor_mode: Literal["batch", "single", "root"] = Field(
        "batch",
        description=(
            "How accepted claims reach the chain: 'batch' (anchor_batch_size claims per "
            "trySubmitClaims), 'single' (one claim per transaction) or 'root' (the Merkle root "
            "of up to anchor_root_size signed claims per ClaimRoots.recordRoot; each claim's "
            "proof is served by GET /claims/{id}/proof; see docs/gas.md)."
        ),
    )
    anchor_root_size: int = Field(
        1000, ge=1, le=100_000, description="Claims per Merkle root in root mode."
    )
    anchor_round_limit: int = Field(
        200,
        ge=2,
        le=1000,
        description=(
            "Transactions the anchoring worker sends at most per round (claims and their "
            "checks, one JSON-RPC request). A round fills up to 0.7 of a block once the "
            "gas a claim costs is known, within this limit. 200 is what a Besu node keeps of "
            "one sender by default (--tx-pool-max-future-by-sender); raise both together "
            "(docs/deploy.md)."
        ),
    )

    # --- API ---
    api_host: str = Field("127.0.0.1", description="Interface the API server listens on.")
    api_port: Port = Field(8000, description="Port of the API server.")
    api_gzip_min_bytes: int | None = Field(
        4096,
        ge=0,
        description="Answers of at least this many bytes (listings, verifications, exports, the "
        "web app's files) are gzip-compressed for a client that accepts it; smaller ones, a "
        "single claim's, are sent as they are. None: never compressed (a proxy in front does it).",
    )
    # --- watching the service (GET /status, GET /metrics, `carbonledger status`) ---
    status_token: SecretStr | None = Field(
        None,
        description="Bearer token (>= 32 bytes) that reads GET /status and GET /metrics "
        "(a monitoring system, `carbonledger status`); a signed-in admin reads them too. "
        "Unset in dev mode: both are open; unset in production: admins only.",
        repr=False,
    )
    alert_heartbeat_timeout: float = Field(
        30.0, gt=0, description="Seconds after which a silent worker or indexer is taken for dead."
    )
    alert_backlog_age: float = Field(
        300.0, gt=0, description="Seconds an accepted claim may wait for the chain before alerting."
    )
    alert_index_lag_blocks: int = Field(
        50, ge=1, description="Blocks the indexer may be behind the chain's head before alerting."
    )
    alert_chain_stall: float | None = Field(
        60.0,
        gt=0,
        description="Seconds the newest block may age before alerting (a consortium network "
        "mints a block every few seconds). Not checked on an embedded chain that mines only "
        "on demand (no block_time).",
    )
    alert_relayer_min_balance: int = Field(
        10**17,
        ge=0,
        description="Wei the service account should hold at least, on a chain whose gas has "
        "a price (it pays for every claim's transaction).",
    )
    alert_database_connections: float = Field(
        0.9,
        gt=0,
        le=1,
        description="Share of the PostgreSQL server's connections in use at which GET /status "
        "warns (past all of them it refuses new ones).",
    )
    alert_api_process_lost: float = Field(
        3600.0,
        gt=0,
        description="Seconds during which an API process that stopped reporting without "
        "shutting down (killed, out of memory) is a warning.",
    )

    pact_port: Port = Field(
        8443, description="Port of the PACT v3 host API (HTTPS only; see docs/pact.md)."
    )
    pact_cert: Path | None = Field(
        None,
        description="PEM certificate (chain) of the PACT API; default: one generated on first "
        "start in data_dir/pact-tls/ for the API host and localhost.",
    )
    pact_key: Path | None = Field(None, description="PEM private key of pact_cert.")
    pact_secrets_key: SecretStr | None = Field(
        None,
        description="Secret (>= 32 bytes) from which the key that encrypts partners' event "
        "credentials (PACT callback client secrets) at rest is derived; default: one kept in "
        "data_dir/pact-secrets.key.",
        repr=False,
    )
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
    def _hex_key(cls, value: str | None) -> str | None:
        return None if value is None else hex_private_key(value)

    @field_validator("admins")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            raw = address.removeprefix("0x")
            if len(raw) != 40 or any(c not in "0123456789abcdefABCDEF" for c in raw):
                raise ValueError(f"{address!r} is not a 20-byte hex address")
        return value

    @field_validator("auth_secret", "auth_previous_secret", "pact_secrets_key", "status_token")
    @classmethod
    def _secret_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode("utf-8")) < 32:
            raise ValueError("must be at least 32 bytes")
        return value

    def check_ports(self, *, pact_host: bool) -> None:
        """Refuse, naming both settings, two of the ports this process would listen on that
        are the same on one interface: the embedded chain's (``chain_port``), the API's
        (``api_port``) and, with ``pact_host``, the PACT host's (``pact_port``, started by
        ``carbonledger up`` only). Without it the second listener failed to bind, in the
        PACT host's case as "the PACT host did not start", naming no port.

        Raises :class:`~carbonledger.errors.ConfigError`."""
        listeners = [("api_port", self.api_host, self.api_port)]
        if pact_host:
            listeners.append(("pact_port", self.api_host, self.pact_port))
        if self.embedded_chain:
            listeners.insert(0, ("chain_port", self.chain_host, self.chain_port))
        for i, (name, host, port) in enumerate(listeners):
            for other, other_host, other_port in listeners[i + 1 :]:
                if port == other_port and _same_interface(host, other_host):
                    raise ConfigError(
                        f"invalid settings {name} and {other}: both are {port}; the "
                        f"{_LISTENER[name]} and the {_LISTENER[other]} each need a port of "
                        f"their own (CARBONLEDGER_{other.upper()} or the command's option)"
                    )

    @property
    def embedded_chain(self) -> bool:
        """True when CarbonLedger starts and manages its own anvil node."""
        return self.rpc_url is None

    @property
    def production(self) -> bool:
        """Production mode: keys and the token secret must be given (see :attr:`mode`)."""
        if self.mode is not None:
            return self.mode == "production"
        return not self.embedded_chain

    def keys(self) -> ServiceKeys:
        """The deployer's and the service's private keys, checked for this mode.

        Raises :class:`~carbonledger.errors.ConfigError` naming the setting to give.
        """
        return _resolve_keys(self)

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
    def database_engine_options(self) -> dict[str, int]:
        """The pool's sizes of the engine of :attr:`effective_database_url` (PostgreSQL's:
        SQLite keeps SQLAlchemy's defaults)."""
        if not self.effective_database_url.startswith("postgresql"):
            return {}
        return {"pool_size": self.database_pool_size, "max_overflow": self.database_max_overflow}

    @property
    def database_connections_per_process(self) -> int:
        """The most PostgreSQL connections one process's pool holds at a peak."""
        return self.database_pool_size + self.database_max_overflow

    @property
    def pid_path(self) -> Path:
        return self.data_dir / "carbonledger.pid"


_LISTENER = {"chain_port": "embedded chain", "api_port": "API", "pact_port": "PACT host"}
_ANY_INTERFACE = {"", "0.0.0.0", "::"}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _same_interface(a: str, b: str) -> bool:
    """Whether listening on host ``a`` and host ``b`` at one port would collide."""
    return a == b or bool({a, b} & _ANY_INTERFACE) or {a, b} <= _LOOPBACK


def hex_private_key(value: str) -> str:
    """``value`` as 0x + 64 lowercase hex digits, or ValueError."""
    raw = value.strip().removeprefix("0x")
    if len(raw) != 64 or any(c not in "0123456789abcdefABCDEF" for c in raw):
        raise ValueError("must be a 32-byte private key written as 64 hex digits")
    return "0x" + raw.lower()


class ServiceKeys(BaseModel):
    """The private keys the service signs with (never logged)."""

    deployer: str = Field(repr=False)
    service: str = Field(repr=False)


@functools.cache
def development_keys() -> frozenset[str]:
    """Private keys of the first 20 accounts of the public development mnemonic (anvil,
    Hardhat and Ganache's default): anyone can sign with them."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    keys = {
        "0x" + bytes(Account.from_mnemonic(ANVIL_DEV_MNEMONIC, account_path=path).key).hex()
        for path in (f"m/44'/60'/0'/0/{i}" for i in range(20))
    }
    return frozenset(keys | {ANVIL_DEV_KEY_0, ANVIL_DEV_KEY_9})


def _key_from_file(path: Path, setting: str, password: SecretStr | None) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot read {path}: {exc.strerror or exc}") from None
    if text.startswith("{"):
        from carbonledger.client import load_keystore
        from carbonledger.errors import CarbonLedgerError

        if password is None:
            raise ConfigError(
                f"{setting} {path} is an encrypted keystore: give its password as "
                "CARBONLEDGER_KEYSTORE_PASSWORD (setting keystore_password)"
            )
        try:
            return "0x" + bytes(load_keystore(path, password.get_secret_value()).key).hex()
        except CarbonLedgerError as exc:
            raise ConfigError(f"{setting}: {exc}") from None
    try:
        return hex_private_key(text)
    except ValueError:
        raise ConfigError(
            f"{setting} {path} holds neither a keystore nor a 64-hex-digit private key"
        ) from None


def _resolve_keys(s: Settings) -> ServiceKeys:
    def one(name: str, direct: str | None, path: Path | None, dev_default: str) -> str:
        env = f"CARBONLEDGER_{name.upper()}_FILE"
        if direct is not None and path is not None:
            raise ConfigError(f"give either {name} or {name}_file, not both")
        key = _key_from_file(path, f"{name}_file", s.keystore_password) if path else direct
        if key is None:
            if s.production:
                raise ConfigError(
                    f"production mode (rpc_url is set) needs the {name.replace('_', ' ')}: "
                    f"give {env} (a keystore or key file; or {name}); the embedded chain's "
                    "development keys are never used on a real network"
                )
            key = dev_default
        elif s.production and key in development_keys():
            raise ConfigError(
                f"{name} is a well-known development key (anvil/Hardhat mnemonic): anyone "
                f"can sign with it; give {env} with a key of your own"
            )
        return key

    deployer = one("deployer_key", s.deployer_key, s.deployer_key_file, ANVIL_DEV_KEY_0)
    service = one("service_key", s.service_key, s.service_key_file, ANVIL_DEV_KEY_9)
    if s.production and deployer == service:
        raise ConfigError("deployer_key and service_key must be different keys in production")
    return ServiceKeys(deployer=deployer, service=service)
