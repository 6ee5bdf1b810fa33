"""The composition root: build every service of a running ledger from the settings.

``carbonledger up`` builds one :class:`Services` after the chain is up, starts its
background threads (the anchoring worker and the indexer), serves the API over it, and
stops the threads on exit.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from eth_utils.crypto import keccak
from sqlalchemy import Engine
from web3 import Web3

from carbonledger.auth.service import AuthService
from carbonledger.auth.settings import AuthSettings, load_or_create_secret
from carbonledger.auth.sql import SqlNonceStore
from carbonledger.chain.artifacts import ContractArtifact, load_artifacts
from carbonledger.chain.gateway import LedgerGateway, error_names
from carbonledger.chain.governance import RegistryGovernance
from carbonledger.chain.manifest import Deployment
from carbonledger.config import Settings
from carbonledger.indexer import Indexer
from carbonledger.planner.catalogue import load_catalogue
from carbonledger.privatefiles import read_or_create
from carbonledger.reports.service import ReportService
from carbonledger.services.anchoring import AnchorWorker
from carbonledger.services.audits import AuditService, deployment_addresses
from carbonledger.services.citations import CitationOutbox
from carbonledger.services.claims import ClaimService
from carbonledger.services.documents import DocumentService
from carbonledger.services.governance import GovernanceService
from carbonledger.services.members import (
    ChainMembership,
    MemberDirectory,
    RegistryCache,
    VaultAuditors,
)
from carbonledger.services.overlap_finder import OverlapFinder
from carbonledger.services.planning import PlanningService
from carbonledger.services.queries import LedgerQueries
from carbonledger.services.roots import RootAnchoring
from carbonledger.services.settlements import SettlementService
from carbonledger.services.status import StatusService, Thresholds
from carbonledger.services.targets import TargetService
from carbonledger.standard import Standard, load_default_standard
from carbonledger.standard.loader import load_version, shipped_versions
from carbonledger.store.claims import ClaimStore
from carbonledger.store.db import connections, make_engine
from carbonledger.store.events import EventLog
from carbonledger.store.instances import ANCHORING_WORKER, INDEXER, Heartbeat, InstanceStore
from carbonledger.store.leader import LeaderLock
from carbonledger.store.period_totals import PeriodTotalsStore
from carbonledger.store.roots import RootStore
from carbonledger.store.settlements import SettlementStore
from carbonledger.store.shipments import ShipmentIndex
from carbonledger.vault.keys import VaultKeyPair
from carbonledger.vault.service import EvidenceVault, Wrappers
from carbonledger.vault.sql import SqlVaultRepository


def load_service_vault_key(path: Path) -> VaultKeyPair:
    """The service's own X25519 reader key, created (mode 0600) on first use."""
    text = read_or_create(path, lambda: VaultKeyPair.generate().private_hex + "\n")
    return VaultKeyPair.from_private_hex(text.strip())


def root_anchoring(
    settings: Settings, ledger: LedgerGateway, store: ClaimStore, engine: Engine
) -> RootAnchoring | None:
    """Root mode's collaborators when ``settings.anchor_mode`` is ``"root"`` (the one entry
    point: the benchmark sets ``CARBONLEDGER_ANCHOR_MODE=root``), else None."""
    if settings.anchor_mode != "root":
        return None
    return RootAnchoring(
        ledger,
        store,
        RootStore(engine),
        root_size=settings.anchor_root_size,
        roots_per_round=min(10, settings.anchor_round_limit),
    )


def status_thresholds(settings: Settings) -> Thresholds:
    """The settings' ``alert_*`` values; no stall alert on an embedded chain that mines only
    on demand (its newest block is as old as its last transaction)."""
    on_demand = settings.embedded_chain and settings.block_time is None
    return Thresholds(
        heartbeat_timeout=settings.alert_heartbeat_timeout,
        backlog_age=settings.alert_backlog_age,
        index_lag_blocks=settings.alert_index_lag_blocks,
        chain_stall=None if on_demand else settings.alert_chain_stall,
        relayer_min_balance=settings.alert_relayer_min_balance,
        firm_backlog_limit=settings.firm_backlog_limit,
        database_connections_share=settings.alert_database_connections,
        api_process_lost=settings.alert_api_process_lost,
    )


@dataclass
class Services:
    settings: Settings
    w3: Web3
    deployment: Deployment
    engine: Engine
    ledger: LedgerGateway
    store: ClaimStore
    vault: EvidenceVault
    members: MemberDirectory
    auth: AuthService
    claims: ClaimService
    worker: AnchorWorker
    indexer: Indexer
    standard: Standard
    audits: AuditService
    settlements: SettlementService
    queries: LedgerQueries
    documents: DocumentService
    planning: PlanningService
    targets: TargetService
    governance: GovernanceService
    reports: ReportService
    status: StatusService
    #: the background roles' heartbeats (``service_instances``)
    instances: InstanceStore
    #: one active indexer per database (PostgreSQL advisory lock; always held on SQLite)
    indexer_lock: LeaderLock | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self, anchor: bool = True, index: bool = True) -> None:
        """Catch the index up, then run the worker and the indexer (with the shipment index's
        reader, :meth:`OverlapFinder.run_forever`) in the background.

        ``carbonledger serve`` (API processes only) starts neither; ``anchor`` and ``index``
        start one each. On PostgreSQL each waits for its lock: a second one is a standby."""
        if index:
            if self.indexer_lock is None or self.indexer_lock.try_acquire():
                with contextlib.suppress(Exception):
                    self.indexer.catch_up()
            thread = threading.Thread(
                target=self.indexer.run_forever,
                args=(
                    self._stop,
                    0.25,
                    1.0,
                    self.indexer_lock,
                    Heartbeat(self.instances, INDEXER),
                ),
                name="indexer",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
            # the indexer's process also reads new footprints into the shipment index
            reader = threading.Thread(
                target=self.settlements.overlaps.run_forever,
                args=(self._stop, 5.0, self.indexer_lock),
                name="shipments",
                daemon=True,
            )
            reader.start()
            self._threads.append(reader)
        if anchor:
            self.worker.start()

    def stop(self) -> None:
        self._stop.set()
        self.indexer.kick()
        self.worker.stop()
        for thread in self._threads:
            thread.join(timeout=10)
        self.engine.dispose()


def build_services(
    settings: Settings,
    w3: Web3,
    deployment: Deployment,
    artifacts: Mapping[str, ContractArtifact] | None = None,
) -> Services:
    """Wire the services of one ledger (nothing is started)."""
    artifacts = artifacts or load_artifacts(settings.project_root)
    engine = make_engine(settings.effective_database_url, **settings.database_engine_options)
    ledger = LedgerGateway(w3, deployment, artifacts, settings.keys().service)
    store = ClaimStore(engine)
    instances = InstanceStore(engine)
    vault_repository = SqlVaultRepository(engine)
    indexer = Indexer(engine, w3, deployment, artifacts)
    registry = RegistryCache(ledger)
    members = MemberDirectory(EventLog(engine), ledger, refresh=indexer.catch_up, registry=registry)
    vault = EvidenceVault(
        vault_repository,
        VaultAuditors(members, vault_repository),
        wrappers=Wrappers(reuse=settings.vault_wrap_reuse),
    )
    pair = load_service_vault_key(settings.data_dir / "service-vault.key")
    reader = ledger.service_address
    vault.register_reader_key(reader, pair.public_key)
    auth = AuthService(
        AuthSettings(
            secret=settings.auth_secret or load_or_create_secret(settings.data_dir / "auth.secret"),
            previous_secret=settings.auth_previous_secret,
            previous_secret_until=int(time.time()) + settings.auth_rotation_grace,
            audience=settings.api_url,
            chain_id=deployment.chain_id,
            verifying_contract=deployment.address("MemberRegistry"),
        ),
        ChainMembership(members),
        SqlNonceStore(engine),
    )
    names = error_names(artifacts)
    worker = AnchorWorker(
        ledger,
        store,
        batch_size=1 if settings.anchor_mode == "single" else settings.anchor_batch_size,
        # accepting a claim wakes the worker at once (in this process, or by NOTIFY from
        # another one on PostgreSQL); idle, it looks every 2 s
        idle_interval=2.0,
        error_names=lambda data: names.get(data[:4], "0x" + data.hex()),
        leader=LeaderLock(engine, ANCHORING_WORKER),
        heartbeat=Heartbeat(instances, ANCHORING_WORKER),
        # the citation outbox is built below: looked up when the worker calls
        pending_citations=lambda: citations.relay_pending(),
        roots=root_anchoring(settings, ledger, store, engine),
        # what a round mined is indexed at once, not at the indexer's next poll
        mined=indexer.kick,
        round_limit=settings.anchor_round_limit,
    )
    standard = load_default_standard()
    settlement_store = SettlementStore(engine)
    # the claim service is built below: looked up when a citation is relayed
    citations = CitationOutbox(
        ledger, store, settlement_store, admit=lambda claim_id: claims.bring_on_chain(claim_id)
    )
    shipment_index = ShipmentIndex(engine)
    period_totals = PeriodTotalsStore(engine)
    claims = ClaimService(
        ledger,
        store,
        vault,
        standard,
        worker,
        service_reader=reader,
        service_vault_key=pair.private_key,
        citations=citations,
        submit_wait=settings.submit_wait,
        backlog_limit=settings.firm_backlog_limit,
        roots=worker.roots,
        registry=registry.current,
        write_lock=threading.Lock() if engine.dialect.name == "sqlite" else None,
        shipments=shipment_index,
    )
    rpc_url = str(getattr(w3.provider, "endpoint_uri", "") or settings.effective_rpc_url)
    audits = AuditService(ledger, store, claims, rpc_url, deployment_addresses(deployment))
    settlements = SettlementService(
        ledger,
        claims,
        settlement_store,
        OverlapFinder(claims, shipment_index, indexer.catch_up),
        citations,
    )
    planning = PlanningService(claims, settlements, load_catalogue())
    queries = LedgerQueries(
        store,
        ledger,
        EventLog(engine),
        standard,
        members,
        indexer.catch_up,
        period_totals,
        deployment.chain_id,
        {name: c.address for name, c in deployment.contracts.items()},
    )

    def membership_changed() -> None:
        indexer.catch_up()
        members.forget()

    return Services(
        settings=settings,
        w3=w3,
        deployment=deployment,
        engine=engine,
        ledger=ledger,
        store=store,
        vault=vault,
        members=members,
        auth=auth,
        claims=claims,
        worker=worker,
        indexer=indexer,
        standard=standard,
        audits=audits,
        settlements=settlements,
        queries=queries,
        documents=DocumentService(store, vault),
        planning=planning,
        targets=TargetService(ledger, ledger),
        governance=GovernanceService(
            RegistryGovernance(w3, ledger.contracts),
            [load_version(v) for v in shipped_versions()],
            after_change=membership_changed,
        ),
        reports=ReportService(store, claims, vault, audits),
        instances=instances,
        status=StatusService(
            store,
            instances,
            ledger,
            lambda: indexer.cursor()[0] - 1,
            status_thresholds(settings),
            connections=lambda: connections(engine),
        ),
        indexer_lock=LeaderLock(engine, INDEXER),
    )


def bootstrap_chain(services: Services) -> list[str]:
    """With the deployer's admin key: admit the service account and publish the standard.

    Idempotent; does nothing the chain already has. Returns what it did, for the log.
    """
    done: list[str] = []
    ledger = services.ledger
    admin = ledger.as_admin(services.settings.keys().deployer)
    if not admin.is_admin():
        return done  # not an admin here: the consortium's admins do this
    service = ledger.service_address
    if ledger.member_state(service).status == "none":
        admin.admit(
            service,
            "CarbonLedger service (checker, relayer)",
            keccak(text=f"carbonledger-service:{service}"),
            ("checker", "relayer"),
        )
        done.append(f"admitted the service account {service} (checker, relayer)")
    standard = services.standard
    if ledger.standard_version_of(standard.content_hash) == 0:
        version = admin.publish(standard.content_hash)
        done.append(f"published standard {standard.version_id} as version {version}")
    return done
