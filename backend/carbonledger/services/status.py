"""The service as its operators see it: is every part alive, is the work flowing.

:class:`StatusService` reads, from any API process, what the database and the chain say:

* the claims in each state, and how long the oldest accepted one has waited for the chain
  (the anchoring backlog); how many firms have claims waiting, the largest firm's backlog and
  how many firms are at ``firm_backlog_limit`` (their new claims refused with 429), no firm
  named;
* how far the indexer is behind the chain's head;
* which processes run the anchoring worker and the indexer, active or standby, and when each
  last reported (:mod:`carbonledger.store.instances`); which serve the API;
* the chain's head and its age, and the service account's balance and waiting transactions;
* on PostgreSQL, the server's client connections in use and how many it takes.

:func:`assess` turns those readings into alerts with fixed names (the same names label
``carbonledger_alert`` in ``GET /metrics`` and the lines of ``carbonledger status``), each
``critical`` (the pipeline stops, or will) or ``warning`` (it is slow, or one failure away
from stopping). It is pure: the thresholds come from the settings, the time from the caller.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from carbonledger.chain.gateway import ChainReading
from carbonledger.store.db import Connections
from carbonledger.store.instances import (
    ACTIVE,
    ANCHORING_WORKER,
    API_PROCESS,
    ROLES,
    InstanceRow,
    role_label,
)
from carbonledger.timespans import spoken
from carbonledger.vocab.constants import ACCEPTED

Severity = Literal["critical", "warning"]


@dataclass(frozen=True)
class Thresholds:
    """When a reading becomes an alert (seconds unless named otherwise; None: never)."""

    #: a role's instance that has not reported for this long is taken for dead
    heartbeat_timeout: float = 30.0
    #: the oldest accepted claim has waited this long for the chain
    backlog_age: float = 300.0
    #: the indexer is this many blocks behind the head
    index_lag_blocks: int = 50
    #: the newest block is this old (None on a chain that mines only on demand)
    chain_stall: float | None = 60.0
    #: the service account holds less than this (wei) on a chain whose gas has a price
    relayer_min_balance: int = 10**17
    #: a firm with this many claims waiting has its new ones refused (the setting)
    firm_backlog_limit: int = 100_000
    #: this share of the connections the database server takes is in use
    database_connections_share: float = 0.9
    #: an API process stopped reporting without shutting down (killed, out of memory, its
    #: host lost) less than this long ago (None: never)
    api_process_lost: float | None = 3600.0


@dataclass(frozen=True)
class Alert:
    name: str
    severity: Severity
    message: str


@dataclass(frozen=True)
class Instance:
    """One process's report of a role, and whether it reported recently enough."""

    role: str
    instance: str
    host: str
    pid: int
    state: str  # active | standby
    started_at: int
    seen_at: int
    last_error: str | None
    alive: bool


@dataclass(frozen=True)
class Pipeline:
    """The claims' outbox: how many in each state, and the oldest accepted one's wait."""

    counts: Mapping[str, int]
    oldest_accepted_age: float | None  # seconds; None: no claim waits
    #: the claims each firm with any waiting has waiting, the largest first (no firm named)
    waiting_by_firm: Sequence[int] = ()
    firm_backlog_limit: int = 100_000

    @property
    def firms_waiting(self) -> int:
        return len(self.waiting_by_firm)

    @property
    def largest_firm_backlog(self) -> int:
        return max(self.waiting_by_firm, default=0)

    @property
    def firms_at_backlog_limit(self) -> int:
        return sum(1 for n in self.waiting_by_firm if n >= self.firm_backlog_limit)


@dataclass(frozen=True)
class Indexing:
    indexed_block: int  # the newest block the indexer has read
    lag_blocks: int | None  # behind the head; None when the chain did not answer


@dataclass(frozen=True)
class Stored:
    """What the database says: the claims per state, when the oldest accepted one was
    accepted, the newest block indexed, and the background roles' rows."""

    counts: Mapping[str, int]
    oldest_accepted_at: str | None
    indexed_block: int
    rows: Sequence[InstanceRow]
    waiting_by_firm: Sequence[int] = ()
    connections: Connections | None = None  # None: SQLite


@dataclass(frozen=True)
class ServiceStatus:
    at: int  # unix seconds of the reading
    chain: ChainReading | None  # None: the node did not answer
    chain_error: str | None
    pipeline: Pipeline | None  # None (and indexing too): the database did not answer
    indexing: Indexing | None
    database_error: str | None
    instances: Sequence[Instance]
    alerts: Sequence[Alert] = field(default_factory=tuple)
    #: the PostgreSQL server's client connections (None: SQLite, or the database did not answer)
    connections: Connections | None = None
    #: the processes serving the API (``instances``: the background roles')
    api_processes: Sequence[Instance] = ()

    @property
    def healthy(self) -> bool:
        """No critical alert."""
        return not any(a.severity == "critical" for a in self.alerts)


class ClaimCounts(Protocol):
    def state_counts(self) -> dict[str, int]: ...

    def oldest_accepted_at(self) -> str | None: ...

    def waiting_by_firm(self) -> list[int]: ...


class Instances(Protocol):
    def all(self) -> list[InstanceRow]: ...


class ChainReadings(Protocol):
    def reading(self) -> ChainReading: ...


def _age(iso: str | None, now: float) -> float | None:
    if iso is None:
        return None
    return max(0.0, now - dt.datetime.fromisoformat(iso).timestamp())


def assess(
    at: float,
    chain: ChainReading | None,
    chain_error: str | None,
    stored: Stored | None,
    thresholds: Thresholds,
    database_error: str | None = None,
) -> ServiceStatus:
    """The readings as a :class:`ServiceStatus`, with their alerts (see the module); no
    ``stored`` reading (``database_error`` says why): the database's part is unknown."""
    alerts: list[Alert] = []

    def alert(name: str, severity: Severity, message: str) -> None:
        alerts.append(Alert(name, severity, message))

    if chain is None:
        alert("chain_unreachable", "critical", f"the chain node does not answer: {chain_error}")
    else:
        stale = at - chain.head_timestamp
        if thresholds.chain_stall is not None and stale > thresholds.chain_stall:
            alert(
                "chain_stalled",
                "critical",
                f"the newest block ({chain.head}) is {spoken(stale)} old "
                f"(more than {spoken(thresholds.chain_stall)}): the network mints no blocks",
            )
        if chain.gas_price > 0 and chain.relayer_balance < thresholds.relayer_min_balance:
            alert(
                "relayer_balance_low",
                "warning",
                f"the service account {chain.relayer} holds {chain.relayer_balance} wei, less "
                f"than {thresholds.relayer_min_balance}: it pays the gas of every claim",
            )
    if stored is None:
        alert("database_unreachable", "critical", f"the database does not answer: {database_error}")
        return ServiceStatus(
            at=int(at),
            chain=chain,
            chain_error=chain_error,
            pipeline=None,
            indexing=None,
            database_error=database_error,
            instances=(),
            alerts=alerts,
        )
    every = [
        Instance(**vars(r), alive=at - r.seen_at <= thresholds.heartbeat_timeout)
        for r in stored.rows
    ]
    instances = [i for i in every if i.role in ROLES]
    pipeline = Pipeline(
        counts=dict(stored.counts),
        oldest_accepted_age=_age(stored.oldest_accepted_at, at),
        waiting_by_firm=tuple(stored.waiting_by_firm),
        firm_backlog_limit=thresholds.firm_backlog_limit,
    )
    lag = None if chain is None else max(0, chain.head - stored.indexed_block)
    for role in ROLES:
        mine = [i for i in instances if i.role == role]
        active = [i for i in mine if i.alive and i.state == ACTIVE]
        if not active:
            standby = sum(1 for i in mine if i.alive)
            if standby:
                why = f"{standby} standby alive, which takes over within seconds"
            elif mine:
                why = f"none has reported in the last {spoken(thresholds.heartbeat_timeout)}"
            else:
                command = "anchor" if role == ANCHORING_WORKER else "index"
                why = (
                    f"none has reported: is `carbonledger up` or `carbonledger {command}` running?"
                )
            alert(f"{role_label(role)}_down", "critical", f"no {role} is active ({why})")
        for i in active:
            if i.last_error:
                alert(
                    f"{role_label(role)}_failing",
                    "warning",
                    f"the {role} on {i.host} (pid {i.pid}) failed its last round: {i.last_error}",
                )
    serving = [i for i in every if i.role == API_PROCESS]
    window = thresholds.api_process_lost
    if window is not None and (
        lost := [i for i in serving if not i.alive and at - i.seen_at <= window]
    ):
        named = ", ".join(f"{i.host} pid {i.pid} ({spoken(at - i.seen_at)} ago)" for i in lost)
        some = "an API process" if len(lost) == 1 else f"{len(lost)} API processes"
        alert(
            "api_process_lost",
            "warning",
            f"{some} stopped reporting without shutting down in the last {spoken(window)} "
            f"(killed, out of memory, or its host lost): {named}. With --workers, `carbonledger "
            "serve` and `up` start another in its place; the requests it held got no answer",
        )
    age = pipeline.oldest_accepted_age
    if age is not None and age > thresholds.backlog_age:
        waiting = stored.counts.get(ACCEPTED, 0)
        claims = "1 accepted claim waits" if waiting == 1 else f"{waiting} accepted claims wait"
        alert(
            "anchoring_backlog",
            "critical",
            f"{claims} for the chain, the oldest for {spoken(age)} "
            f"(more than {spoken(thresholds.backlog_age)})",
        )
    full = pipeline.firms_at_backlog_limit
    if full:
        firms = "1 firm has" if full == 1 else f"{full} firms have"
        alert(
            "firms_at_backlog_limit",
            "warning",
            f"{firms} {thresholds.firm_backlog_limit} or more claims waiting for the chain, the "
            "most the service holds for one firm (firm_backlog_limit): their new claims are "
            "refused with 429 until the chain takes more",
        )
    use = stored.connections
    if use is not None and use.in_use >= thresholds.database_connections_share * use.limit:
        alert(
            "database_connections",
            "warning",
            f"{use.in_use} of the {use.limit} connections the database server takes are in use: "
            "past them it refuses new ones and the requests that need one are answered 503 "
            "(lower database_pool_size or database_max_overflow, run fewer API processes, or "
            "raise the server's max_connections)",
        )
    if lag is not None and lag > thresholds.index_lag_blocks:
        alert(
            "indexer_behind",
            "warning",
            f"the indexer is {lag} blocks behind the head ({thresholds.index_lag_blocks} "
            "allowed): listings and histories lag the chain",
        )
    return ServiceStatus(
        at=int(at),
        chain=chain,
        chain_error=chain_error,
        pipeline=pipeline,
        indexing=Indexing(indexed_block=stored.indexed_block, lag_blocks=lag),
        database_error=None,
        instances=instances,
        alerts=alerts,
        connections=stored.connections,
        api_processes=serving,
    )


class StatusService:
    """See the module docstring."""

    def __init__(
        self,
        claims: ClaimCounts,
        instances: Instances,
        chain: ChainReadings,
        indexed_block: Callable[[], int],
        thresholds: Thresholds,
        clock: Callable[[], float] = time.time,
        connections: Callable[[], Connections | None] = lambda: None,
    ) -> None:
        self.claims = claims
        self.connections = connections
        self.instances = instances
        self.chain = chain
        self.indexed_block = indexed_block
        self.thresholds = thresholds
        self.clock = clock

    def status(self) -> ServiceStatus:
        try:
            chain, chain_error = self.chain.reading(), None
        except Exception as exc:  # the node is down: that is the first thing to say
            chain, chain_error = None, str(exc)[:300]
        try:
            stored: Stored | None = Stored(
                counts=self.claims.state_counts(),
                oldest_accepted_at=self.claims.oldest_accepted_at(),
                indexed_block=self.indexed_block(),
                rows=self.instances.all(),
                waiting_by_firm=self.claims.waiting_by_firm(),
                connections=self.connections(),
            )
            database_error = None
        except Exception as exc:  # the database is down (or refuses): say so, not a 503
            stored, database_error = None, str(exc).splitlines()[0][:300]
        return assess(self.clock(), chain, chain_error, stored, self.thresholds, database_error)
