"""Each passed footprint's totals in whole grams, beside its firm and period, so that the
database sums a firm's footprints per reporting period (``GET /claims/periods``, the firm's
dashboard) without reading a report.

The sums used to read every passed footprint's check report (~1.3 kB of JSON each, in the
wide claims rows), parse it and add its figures in Python on every call: ~13 ms per thousand
footprints, more than a second for a firm filing per shipment past 100,000. A footprint's
report never changes, so its totals are written here once, as whole grams
(:func:`carbonledger.reports.periods.grams_of`; the standard writes its figures to the gram),
by the first call for its firm that finds it missing. A call sums the firm's narrow rows with
one ``GROUP BY`` that leaves out the few not in force: refused by the chain, or superseded or
revoked in the indexed events (each set read once from its own index, not probed per row). A
footprint whose figures are not written to the gram has a row marked inexact and is summed
from its report, so the answer is the one the reports give, to the last digit.

Not written when the service accepts a claim: that cost ~0.09 ms of CPU per footprint on the
acceptance path (0.71-0.76 -> 0.79-0.84 ms, ``scripts/bench_periods.py``), about a tenth.
Instead a call looks only at the claims accepted since the last it knows complete
(:class:`Settled`), and a process's first call for a firm at all of them.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Index,
    Select,
    Table,
    and_,
    bindparam,
    exists,
    func,
    select,
)

from carbonledger.reports.periods import (
    SCOPE3_CATEGORIES,
    SCOPES,
    PeriodTotals,
    grams_of,
    oldest_first,
    period_of_grams,
)
from carbonledger.store import columns
from carbonledger.store.claims import NEWEST_SEQ, REFUSED, claims
from carbonledger.store.db import PreparedInsert, TableStore, chain_events, metadata, schema_changes
from carbonledger.store.events import CLAIM_ENDED

#: footprints whose totals are written in one transaction
FILL_BATCH = 500
#: how long a claim's transaction may stay open at the most (see :class:`Settled`)
SETTLE_SECONDS = 30.0

_SCOPE_COLUMNS = [f"{scope}_g" for scope in SCOPES]
_SCOPE3_COLUMNS = {c: f"scope3_{c}_g" for c in SCOPE3_CATEGORIES}

footprint_totals = Table(
    "footprint_totals",
    metadata,
    columns.hex32("claim_id", primary_key=True),
    columns.address("firm"),
    Column("period_start", BigInteger, nullable=False),
    Column("period_end", BigInteger, nullable=False),
    Column("exact", Boolean, nullable=False),  # the grams below are the report's figures
    *(Column(name, BigInteger, nullable=True) for name in _SCOPE_COLUMNS),
    # NULL: the footprint names no such category
    *(Column(name, BigInteger, nullable=True) for name in _SCOPE3_COLUMNS.values()),
    Index("ix_footprint_totals_firm", "firm"),
)

_ONCE = PreparedInsert(footprint_totals, ignore_duplicates=True)


def _row(values: Mapping[str, Any]) -> dict[str, Any]:
    """The totals row of a claim row's values (claim id, firm, period, report)."""
    try:
        grams = grams_of(json.loads(values["report"]).get("totals", {}))
    except (ValueError, AttributeError):
        grams = None
    row: dict[str, Any] = {
        "claim_id": values["claim_id"],
        "firm": values["firm"],
        "period_start": values["period_start"],
        "period_end": values["period_end"],
        "exact": grams is not None,
    }
    for index, name in enumerate(_SCOPE_COLUMNS):
        row[name] = None if grams is None else grams.scopes[index]
    for c, name in _SCOPE3_COLUMNS.items():
        row[name] = None if grams is None else grams.scope3.get(c)
    return row


class PeriodTotalsStore(TableStore):
    """See the module docstring."""

    def __init__(self, engine: Engine, settle_seconds: float | None = None) -> None:
        super().__init__(engine)
        with schema_changes(engine):  # ``create_all`` ran with the engine: an older database
            footprint_totals.create(engine, checkfirst=True)
        #: per firm, the claim ``seq`` up to which its totals are all written
        self._complete: dict[str, int] = {}
        if settle_seconds is None:  # SQLite writes one transaction at a time: in seq order
            settle_seconds = 0.0 if engine.dialect.name == "sqlite" else SETTLE_SECONDS
        self._settled = Settled(settle_seconds)
        self._filling = threading.Lock()

    def period_totals(self, firm: str) -> tuple[list[PeriodTotals], int]:
        """``firm``'s footprints in force summed per period, oldest first, and how many of
        its passed footprints an amendment superseded or a revocation ended (left out).
        The events must be indexed first (the caller's ``catch_up``)."""
        self._fill_once(firm)
        t = footprint_totals.c
        refused, ended = _not_in_force(firm)
        in_force = and_(t.firm == firm, t.claim_id.not_in(refused), t.claim_id.not_in(ended))
        query = (
            select(
                t.period_start,
                t.period_end,
                func.count(),
                *(func.sum(t[name]) for name in _SCOPE_COLUMNS),
                *(f(t[name]) for name in _SCOPE3_COLUMNS.values() for f in (func.sum, func.count)),
            )
            .where(in_force, t.exact)
            .group_by(t.period_start, t.period_end)
        )
        periods: dict[tuple[int, int], PeriodTotals] = {}
        first = 3 + len(SCOPES)
        for row in self._rows(query):
            start, end = int(row[0]), int(row[1])
            scopes = [int(row[3 + i]) for i in range(len(SCOPES))]
            scope3 = {
                c: int(row[first + 2 * i])
                for i, c in enumerate(SCOPE3_CATEGORIES)
                if row[first + 2 * i + 1]  # some footprint names it
            }
            periods[(start, end)] = period_of_grams(start, end, int(row[2]), scopes, scope3)
        c = claims.c
        inexact = (
            select(t.period_start, t.period_end, c.report)
            .join(claims, c.claim_id == t.claim_id)
            .where(in_force, ~t.exact)
            .order_by(c.seq)
        )
        for start, end, report in self._rows(inexact):
            period = periods.get((start, end))
            if period is None:
                period = periods[(start, end)] = PeriodTotals(start, end)
            period.add(json.loads(report).get("totals", {}))
        left_out = select(func.count()).where(
            t.firm == firm, t.claim_id.in_(ended), t.claim_id.not_in(refused)
        )
        return oldest_first(periods.values()), int(self._scalar(left_out))

    def _fill_once(self, firm: str) -> None:
        """Write the totals missing among ``firm``'s claims accepted after the last ``seq``
        known complete for it (all of them at a process's first call for the firm)."""
        with self._filling:
            after = self._complete.get(firm, 0)
            started, newest = time.monotonic(), self.newest_seq()
            self.fill(firm, after)  # every claim settled by ``started`` is seen
            self._complete[firm] = max(after, self._settled.complete(newest, started))

    def newest_seq(self) -> int:
        """The ``seq`` of the claim accepted last (0: none)."""
        return int(self._scalar(NEWEST_SEQ) or 0)

    def fill(self, firm: str, after: int = 0) -> int:
        """Write the totals of ``firm``'s passed footprints accepted after the claim ``seq``
        ``after`` that have none, each read from its report once (by whichever process comes
        first: ``ON CONFLICT DO NOTHING``); how many."""
        c = claims.c
        missing = (
            select(c.seq, c.claim_id, c.firm, c.period_start, c.period_end, c.report)
            .where(
                c.seq > bindparam("after"),
                c.firm == firm,
                c.kind == "footprint",
                c.check_passed,
                ~exists().where(footprint_totals.c.claim_id == c.claim_id),
            )
            .order_by(c.seq)
            .limit(FILL_BATCH)
        )
        done = 0
        while batch := self._rows(missing, {"after": after}):
            with self.engine.begin() as conn:
                _ONCE.many(conn, [_row(r._mapping) for r in batch])
            done += len(batch)
            after = batch[-1].seq  # the next page starts past this one, not from the top
            if len(batch) < FILL_BATCH:
                break
        return done


def _not_in_force(firm: str) -> tuple[Select[Any], Select[Any]]:
    """The ids of the claims the chain refused, and of ``firm``'s superseded or revoked in
    the indexed events: few, looked up by their own indexes (claims' state, events' account),
    each set read once per statement rather than probed per row."""
    c, e = claims.c, chain_events.c
    # every firm's refused claims (rare): by the state's index, where a filter on the firm
    # made SQLite read all of the firm's claims by the firm's index instead
    refused = select(c.claim_id).where(c.state == REFUSED)
    ended = select(e.claim_id).where(
        e.event.in_(CLAIM_ENDED), e.account == firm, e.claim_id.is_not(None)
    )
    return refused, ended


class Settled:
    """Which claim ``seq`` a look may take as complete: every claim up to it committed.

    ``seq`` is handed out when a claim is inserted, and on PostgreSQL a transaction that took
    a lower one can commit after one that took a higher: the newest ``seq`` seen is no proof
    that every lower one is in. A ``seq`` seen at least :attr:`window` seconds ago is, as
    long as no claim's transaction stays open that long (the service's last a few
    milliseconds): a look that covers everything after the last complete ``seq`` may move it
    up to the newest ``seq`` it saw that long before. Looks in between start from the old one
    again (the claims of the last seconds, few). On SQLite, which writes one transaction at a
    time, the window is 0: the newest ``seq`` a look saw as it began is complete."""

    def __init__(self, window: float = SETTLE_SECONDS) -> None:
        self.window = window
        self._seen: deque[tuple[float, int]] = deque()  # (when, seq), not yet settled
        self._settled = 0

    def complete(self, newest: int, now: float) -> int:
        """Record ``newest`` seen at ``now``; the newest ``seq`` seen ``window`` before."""
        self._seen.append((now, newest))
        while self._seen and self._seen[0][0] <= now - self.window:
            self._settled = self._seen.popleft()[1]
        return self._settled
