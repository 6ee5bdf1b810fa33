"""The anchoring worker: sends the outbox to the chain, and re-sends what the chain lost.

It runs in a background thread of the service. Each round it

1. reconciles, by cursor: it remembers the newest block it has verified (number and hash).
   While that block is still the chain's block of that number, only the claims recorded
   after it are checked (their blocks still the chain's), so an idle service on an idle
   chain makes two cheap JSON-RPC calls every two seconds and reads no claim. When the
   block is gone (anvil restarted from an older snapshot, see docs/chain.md), every recorded
   claim is checked: for each whose block is not the chain's any more, the contract is asked
   whether the claim (or its check) is still there, and whatever is missing goes back in the
   outbox;
2. relays accepted claims in order of acceptance, up to ``batch_size`` per
   ``trySubmitClaims`` transaction (when the contract refuses a claim, the worker asks whether
   the chain already holds it, and if so marks it anchored, so a retry never records a claim
   twice and never refuses one the chain has);
3. records the checker's outcome of anchored claims in one ``recordChecks`` transaction (after
   a restart or a failed round it first asks the chain which of those checks it already
   holds, mined just before the failure, and marks them instead of recording them again).

Everything it needs is in the claims table, so a restart (even after SIGKILL) resumes it.

Several workers may run on one PostgreSQL database (``carbonledger anchor`` on two hosts):
given a :class:`~carbonledger.store.leader.LeaderLock`, a worker acts only while it holds
it, and the others wait as hot standbys. A standby that takes over re-reads the relayer's
pending nonce from the chain and reconciles in full before it relays, so the transactions the
previous worker left in the node's pool keep their nonces and claims they carried are found
on chain instead of being recorded twice.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from eth_utils.crypto import keccak

from carbonledger.chain.gateway import BatchOutcome
from carbonledger.services.ports import ClaimStorePort, LedgerPort
from carbonledger.services.roots import RootAnchoring
from carbonledger.store.claims import ACCEPTED, ANCHORED, CHECKED, REFUSED, ClaimRow
from carbonledger.store.instances import Heartbeat
from carbonledger.store.leader import LeaderLock
from carbonledger.vocab import Claim
from carbonledger.vocab.anchored import Anchored

log = logging.getLogger("carbonledger.anchoring")

T = TypeVar("T")

NONCE_GAP_SELECTOR = keccak(text="ClaimLedgerNonceOutOfOrder(address,uint256,uint256)")[:4]

#: the most transactions one round sends by default (its claims' and their checks'), all in one
#: JSON-RPC request: what a Besu node keeps of one sender by default (its layered pool's
#: ``--tx-pool-max-future-by-sender``, 200); ``Settings.anchor_round_limit`` raises it for a
#: network whose nodes keep more (at most 1,000: nodes' default JSON-RPC batch limits, Besu's
#: ``--rpc-http-max-batch-size`` 1,024 and geth's 1,000)
DEFAULT_ROUND_LIMIT = 200
#: the share of a block's gas limit a round's claim transactions are planned to use: their
#: ``recordChecks`` behind them use up to a quarter more (9.3k gas per claim, against 35-65k
#: for the claim: docs/gas.md), a node includes a transaction only while the block has its
#: whole gas limit left (ours declare two to three times what they use), and other members'
#: transactions share the block
ROUND_BLOCK_SHARE = 0.7
#: seconds between reads of the chain's block gas limit (a QBFT network changes it only at a
#: transition block)
GAS_LIMIT_TTL = 60.0


#: why a claim the chain's state holds, with no event that recorded it, is not anchored: a
#: node that lost the block but kept its effects (anvil's state written mid-block, which
#: ``chain.node.state_defect`` keeps the embedded chain from loading). Nobody could verify it
#: from the chain's history, so it is not reported anchored; the message says so rather than
#: the contract's error (which, for a claim it holds, is a used nonce).
UNVERIFIABLE = (
    "the chain's state holds this claim but its history has no block or event that recorded "
    "it (a node that lost that block and kept its effects): it cannot be verified; the "
    "node's operator must restore the chain (docs/chain.md)"
)


#: seconds between the worker's passes over queued settlement citations
CITATIONS_EVERY = 2.0
#: lost claims' states read from the chain in one JSON-RPC batch while reconciling (one call
#: a claim took 0.29 ms each: `scripts/bench_queue.py --lost`)
RECONCILE_BATCH = 500


def fixed_round(batch_size: int) -> int:
    """The claim transactions of a round before the gas a claim costs is known (and of every
    round of a worker given no block gas limit): 100 of one claim, 5 of 100."""
    return max(1, min(100, 500 // batch_size))


def default_check_batch(batch_size: int) -> int:
    """Checker outcomes per ``recordChecks``: never fewer than 100, also when claims are
    relayed one per transaction."""
    return max(batch_size, 100)


def gas_per_claim(landed: Sequence[tuple[Sequence[Any], BatchOutcome]]) -> float | None:
    """The gas per claim the claim transactions of a round used (``landed``: each
    transaction's claims and its outcome); None when the node reported no gas."""
    gas = sum(outcome.gas_used for _, outcome in landed)
    claims = sum(len(items) for items, _ in landed)
    return gas / claims if gas > 0 and claims > 0 else None


def round_transactions(
    floor: int,
    batch_size: int,
    check_batch_size: int,
    block_gas_limit: int | None,
    gas_per_claim: float | None,
    limit: int = DEFAULT_ROUND_LIMIT,
) -> int:
    """How many ``trySubmitClaims`` of ``batch_size`` claims one round sends: as many as
    :data:`ROUND_BLOCK_SHARE` of one block holds at the gas per claim the chain charged
    (``gas_per_claim``, from the last round's receipts), so that on a chain that mines on an
    interval (a QBFT network's 2 s blocks: one round per block, since a round waits for its
    receipts) each round fills its block rather than a fixed hundred transactions of it.
    Not fewer than ``floor`` (the fixed size, all there is before a first receipt or on a
    node that reports no gas), and never more than ``limit`` transactions with their
    checks."""
    wanted = floor
    if block_gas_limit and gas_per_claim and gas_per_claim > 0:
        wanted = max(floor, int(block_gas_limit * ROUND_BLOCK_SHARE / gas_per_claim) // batch_size)

    def with_checks(n: int) -> int:  # one recordChecks per group of checks, at most
        return n + -(-n * batch_size // check_batch_size)

    if with_checks(wanted) <= limit:
        return wanted
    # the most that fit: from the largest n with n (1 + batch / check) <= limit, a step or two
    # down for the rounding up (not one step at a time from ``wanted``: a free-gas network's
    # genesis may set a block gas limit of 2^53 - 1, as the example genesis file of Besu's
    # documentation does, and ``wanted`` is then ~10^11)
    fit = max(1, limit * check_batch_size // (check_batch_size + batch_size))
    while fit > 1 and with_checks(fit) > limit:
        fit -= 1
    return fit


def _id(row: ClaimRow) -> bytes:
    return bytes.fromhex(row.claim_id[2:])


def _result(row: ClaimRow) -> tuple[bytes, bool, bytes]:
    """The checker's outcome of the stored claim, as ``recordChecks`` takes it."""
    return _id(row), row.check_passed, bytes.fromhex(row.report_hash[2:])


def check_groups(chunks: Sequence[Sequence[T]], limit: int) -> list[list[T]]:
    """A round's claim transactions (``chunks``, in order), consecutive ones joined while
    they hold at most ``limit`` claims together: one ``recordChecks`` each, sent right behind
    them (a chunk larger than ``limit`` is a group of its own)."""
    groups: list[list[T]] = []
    for chunk in chunks:
        if groups and len(groups[-1]) + len(chunk) <= limit:
            groups[-1].extend(chunk)
        else:
            groups.append(list(chunk))
    return groups


def _words(row: ClaimRow) -> bytes:
    """The stored claim's calldata words (what the firm signed, as the chain reads it)."""
    return Claim.words_of_json(row.claim)


class AnchorWorker:
    """See the module docstring."""

    def __init__(
        self,
        ledger: LedgerPort,
        store: ClaimStorePort,
        *,
        batch_size: int = 100,
        check_batch_size: int | None = None,
        in_flight: int | None = None,
        idle_interval: float = 0.5,
        reconcile_window: float = 600.0,
        error_names: Callable[[bytes], str] | None = None,
        leader: LeaderLock | None = None,
        standby_interval: float = 1.0,
        roots: RootAnchoring | None = None,
        mined: Callable[[], None] | None = None,
        round_limit: int = DEFAULT_ROUND_LIMIT,
        heartbeat: Heartbeat | None = None,
        pending_citations: Callable[[], None] | None = None,
    ) -> None:
        self.ledger = ledger
        #: relays the settlement citations of claims that reached the chain, between rounds
        #: (at most every :data:`CITATIONS_EVERY` seconds): whichever process accepted them.
        #: Each relay waits for its receipt (a block) in the worker's round: fine for
        #: citations, which are rare, and a limit if they were not
        self.pending_citations = pending_citations
        self._citations_at = 0.0
        #: this process's row in ``service_instances`` (``GET /status``), written each round
        self.heartbeat = heartbeat
        #: called after a round that moved claims on (its transactions are mined): the
        #: indexer of this process indexes them now rather than at its next poll
        self.mined = mined
        #: root mode (``anchor_mode = "root"``): Merkle roots instead of claims, see
        #: :mod:`carbonledger.services.roots`; None relays the claims themselves
        self.roots = roots
        #: one active worker per database; None acts always (one process, as with SQLite)
        self.leader = leader
        self.standby_interval = standby_interval
        self.active = leader is None
        self.store = store
        self.batch_size = batch_size
        #: checker outcomes per ``recordChecks`` (:func:`default_check_batch` unless given)
        self.check_batch_size = check_batch_size or default_check_batch(batch_size)
        #: ``trySubmitClaims`` transactions sent per round before reading their receipts: at
        #: least this many, more where a block holds more (:func:`round_transactions`), unless
        #: given (then exactly this many)
        self.in_flight = in_flight or fixed_round(batch_size)
        self._sized = in_flight is None
        #: the most transactions a round sends, its checks included (see DEFAULT_ROUND_LIMIT)
        self.round_limit = round_limit
        #: the chain's block gas limit and when it was read (monotonic seconds)
        self._gas_limit: tuple[int | None, float] = (None, -GAS_LIMIT_TTL)
        #: the gas per claim of the last round's claim transactions (None before any)
        self.gas_per_claim: float | None = None
        self.idle_interval = idle_interval
        self.reconcile_window = reconcile_window
        self.error_names = error_names or (lambda data: "0x" + data.hex())
        #: set by kick(); cleared before each round, so a kick during a round is not lost
        self._wake = threading.Event()
        self._progress = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_reconcile = 0.0
        #: the newest block verified by reconciliation: (number, hash)
        self._cursor: tuple[int, str | None] | None = None
        #: a round may have died between a mined transaction and the rows that record it
        #: (a crash before this start, or a failed round): look before re-sending checks
        self._unsure = True
        self.last_error: str | None = None

    # --- lifecycle ---
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="anchor-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self.kick()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._thread is None or not self._thread.is_alive():  # its connection, its thread
            self.store.stop_listening()
        if self.leader is not None:
            self.leader.release()
        if self.heartbeat is not None:
            self.heartbeat.stop()

    def kick(self) -> None:
        self._wake.set()

    def wait_for(self, claim_id: str, timeout: float) -> ClaimRow | None:
        """Wait until ``claim_id`` is checked or refused on chain, or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        self.kick()
        with self._progress:
            while True:
                row = self.store.get(claim_id)
                if row is None or row.state in (CHECKED, REFUSED):
                    return row
                if self.roots is not None and row.state == ANCHORED:
                    return row  # under a recorded root: its check goes on chain at admission
                left = deadline - time.monotonic()
                if left <= 0:
                    return row
                self._progress.wait(min(left, 0.5))

    def _lead(self) -> bool:
        """True when this worker may act this round; on taking over, start from the chain."""
        if self.leader is None:
            return True
        if self.active and self.leader.held():
            return True
        if self.active:  # lost the lock: a standby does not listen (nothing would read it)
            self.store.stop_listening()
        self.active = False
        if not self.leader.try_acquire():
            return False
        self.ledger.resync()  # the pending nonce, with the last holder's transactions
        self._unsure = True
        self.active = True
        return True

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            self._wake.clear()
            try:
                if not self._lead():
                    first = True  # once active: reconcile everything first
                    self._beat(False)
                    self._stop.wait(self.standby_interval)
                    continue
            except Exception as exc:
                log.warning("anchoring lock: %s", str(exc)[:300])
                self._beat(False, f"anchoring lock: {str(exc)[:300]}")
                self._stop.wait(self.standby_interval)
                continue
            self._beat(True, self.last_error)  # before the round: a long one is not silence
            try:
                did = self.run_once(full_reconcile=first)
                first = False
                self.last_error = None
            except Exception as exc:  # the chain may be down: keep the outbox, try again
                did = 0
                self.last_error = str(exc)[:300]
                log.warning("anchoring round failed: %s", self.last_error)
                with contextlib.suppress(Exception):
                    self.ledger.resync()
                self._stop.wait(1.0)
            self._beat(True, self.last_error)
            with self._progress:
                self._progress.notify_all()
            if did and self.mined is not None:
                self.mined()
            if did == 0:  # woken by a claim of this process or (PostgreSQL) of another one
                self.store.wait_for_work(self.idle_interval, self._wake)

    def _beat(self, active: bool, error: str | None = None) -> None:
        if self.heartbeat is not None:
            self.heartbeat.beat(active, error)

    # --- one round ---
    def run_once(self, full_reconcile: bool = False) -> int:
        """One round; returns how many claims moved on. A round that fails leaves the
        worker unsure of the chain until a round succeeds (see :meth:`anchor_pending`)."""
        try:
            moved = self._round(full_reconcile)
        except BaseException:
            self._unsure = True
            raise
        self._unsure = False
        return moved

    def _round(self, full_reconcile: bool) -> int:
        now = time.monotonic()
        if full_reconcile:
            self._cursor = None
        if full_reconcile or now - self._last_reconcile > 2.0:
            self.reconcile_by_cursor()
            self._last_reconcile = now
        if self.store.count_in_state(ACCEPTED) or self.store.count_in_state(ANCHORED):
            self.ledger.heal_gap()
        moved = self.anchor_pending() if self.roots is None else self.roots.anchor_pending()
        moved += self.check_pending()
        if self.pending_citations is not None and now - self._citations_at > CITATIONS_EVERY:
            self._citations_at = now
            try:
                self.pending_citations()
            except Exception as exc:  # the claims' own work goes on; tried again next pass
                log.warning("relaying pending citations failed: %s", str(exc)[:300])
        return moved

    def anchor_pending(self) -> int:
        """Relay the outbox: up to ``in_flight`` transactions of ``batch_size`` claims are
        signed with consecutive nonces and sent in one JSON-RPC request (the node mines them
        in nonce order, several to a block where it can), then their receipts are read in
        order and every claim they recorded is marked anchored in one database transaction.
        A round that fails part-way marks what the receipts read so far say and leaves the
        rest in the outbox; the retry finds the ones the chain already has when the contract
        refuses them.

        Once the worker is sure of the chain (no failed round or takeover since its last
        round), each group of the round's claims (their transactions joined up to
        ``check_batch_size`` claims: in single mode, up to 100 one-claim transactions) gets
        its ``recordChecks`` sent right behind them, with the next nonces: the node mines it
        after them, so a round waits for receipts once, not twice (claims, then their
        checks), and marks both in one database transaction. When it is not
        sure, the checks wait for :meth:`check_pending`, which first asks the chain which it
        holds: a check is never recorded twice."""
        rows = self.store.in_state(ACCEPTED, self.batch_size * self.round_transactions())
        if not rows:
            return 0
        chunks = [rows[i : i + self.batch_size] for i in range(0, len(rows), self.batch_size)]
        sent = self.ledger.send_claims_many(
            [[(_words(r), bytes.fromhex(r.signature[2:])) for r in chunk] for chunk in chunks],
            self.ledger.gas_price(),
        )  # fmt: skip
        groups: list[list[ClaimRow]] = []
        checks: list[Any] = []
        failure: Exception | None = None
        if not self._unsure:
            groups = check_groups(chunks, self.check_batch_size)
            try:
                checks = self.ledger.send_checks_many([[_result(r) for r in g] for g in groups])
            except Exception as exc:  # some may have gone out: the round fails after marking
                failure, groups = exc, []
        landed: list[tuple[Sequence[ClaimRow], BatchOutcome]] = []
        checked: list[tuple[Sequence[ClaimRow], Anchored | None]] = []
        try:
            for chunk, outcome in zip(chunks, self.ledger.claims_outcomes(sent), strict=True):
                landed.append((chunk, outcome))
            if checks:
                checked = list(zip(groups, self.ledger.checks_outcomes(checks), strict=True))
        finally:
            self._anchored(landed, checked)
            self._learn_gas(landed)
        if failure is not None:
            raise failure
        return len(rows)

    def round_transactions(self) -> int:
        """The claim transactions of the next round (see :func:`round_transactions`)."""
        if not self._sized:
            return self.in_flight
        limit, read_at = self._gas_limit
        if time.monotonic() - read_at >= GAS_LIMIT_TTL:
            try:
                limit = self.ledger.block_gas_limit()
            except Exception as exc:  # the round itself will say what is wrong with the node
                log.debug("block gas limit not read: %s", exc)
                limit = None
            self._gas_limit = (limit, time.monotonic())
        return round_transactions(
            self.in_flight,
            self.batch_size,
            self.check_batch_size,
            limit,
            self.gas_per_claim,
            self.round_limit,
        )

    def _learn_gas(self, landed: Sequence[tuple[Sequence[ClaimRow], BatchOutcome]]) -> None:
        """Keep the gas per claim the round's claim transactions used (none: keep the last)."""
        self.gas_per_claim = gas_per_claim(landed) or self.gas_per_claim

    def _anchored(
        self,
        landed: Sequence[tuple[Sequence[ClaimRow], BatchOutcome]],
        checked: Sequence[tuple[Sequence[ClaimRow], Anchored | None]] = (),
    ) -> None:
        """Mark what the transactions recorded (one database transaction for the round),
        then see to the items the chain refused.

        ``checked``: the checks sent behind the claims, by group. A group's ``recordChecks``
        lands only if the chain holds every claim of it, so each of its claims is marked
        checked, except one the chain refused in ``trySubmitClaims`` (a claim it held
        already, recorded before a crash): that one is marked from the chain's own records
        once its refusal is seen to. A group that reverted leaves its claims anchored, for
        :meth:`check_pending`."""
        refused = {rows[i].claim_id for rows, outcome in landed for i in outcome.failed}
        kept = [
            ([r.claim_id for i, r in enumerate(rows) if i not in outcome.failed], outcome.anchored)
            for rows, outcome in landed
        ]
        with self.store.transaction() as conn:
            self.store.mark_round_anchored(kept, conn)
            for rows, where in checked:
                if where is not None:
                    ids = [r.claim_id for r in rows if r.claim_id not in refused]
                    self.store.mark_checked(ids, where, conn)
        for rows, outcome in landed:
            for index, reason in outcome.failed.items():
                self._refused(rows[index], reason)
        doubtful = [r for rows, where in checked if where is not None for r in rows
                    if r.claim_id in refused]  # fmt: skip
        if doubtful:
            now = [self.store.get(r.claim_id) for r in doubtful]
            self._unrecorded_checks([r for r in now if r is not None and r.state == ANCHORED])

    def _refused(self, row: ClaimRow, reason: bytes) -> None:
        if self._already_recorded(row):
            return
        if reason[:4] == NONCE_GAP_SELECTOR and self._earlier_first(row):
            return  # an earlier claim of the firm goes on chain first; this one next
        name = self.error_names(reason)
        log.warning("the chain refused claim %s: %s", row.claim_id, name)
        self.store.mark_refused(row.claim_id, f"refused by the ClaimLedger: {name}")

    def _already_recorded(self, row: ClaimRow) -> bool:
        """The chain refused a relayed claim because it already holds it: mark it anchored.

        A claim id is the firm and the document hash, so a recorded claim of that id is this
        very claim. The refusal need not be the duplicate error: the contract checks the
        deadline, the firm and the nonce first, so a claim the chain recorded just before a
        crash (its row still in the outbox) comes back as ``ClaimLedgerNonceAlreadyUsed``.
        A claim the chain's state holds with no event of it is refused as
        :data:`UNVERIFIABLE` (True: seen to).
        """
        if self.ledger.claim_state(_id(row)).status == "none":
            return False
        found = self.ledger.find_submission(_id(row))
        if found is None:  # the node's state holds it, its history does not
            log.error("the chain holds claim %s without its ClaimSubmitted event", row.claim_id)
            self.store.mark_refused(row.claim_id, UNVERIFIABLE)
            return True
        self.store.mark_anchored([row.claim_id], found)
        return True

    def _earlier_first(self, row: ClaimRow) -> bool:
        """A claim's nonce is ahead of the chain: are earlier claims of its firm still owed?

        After the chain lost blocks, a claim accepted meanwhile can reach the relayer before
        reconciliation has put the lost ones back; they are put back here, and the claim
        waits in the outbox for them. True when it should wait.
        """
        owed = False
        lost = []
        for earlier in self.store.earlier_of_firm(row.firm, row.nonce):
            if earlier.state == ACCEPTED:
                owed = True
            elif self.ledger.claim_state(_id(earlier)).status == "none":
                lost.append(earlier.claim_id)
        if lost:
            log.warning("the chain lost %d earlier claim(s) of %s", len(lost), row.firm)
            self.store.reset_to_accepted(lost)
        return owed or bool(lost)

    def check_pending(self) -> int:
        """Record the checker's outcomes of anchored claims: ``check_batch_size`` per
        ``recordChecks``, up to ``in_flight`` of them sent in one JSON-RPC request, then
        their receipts; every batch that landed is marked in one database transaction. A
        batch the chain refused (it holds some claim no more) is recorded claim by claim."""
        wanted = self.check_batch_size * min(self.in_flight, self.round_limit)
        rows = (
            self.store.in_state(ANCHORED, wanted)
            if self.roots is None
            # root-anchored claims are checked at admission: only the others, picked by the
            # database (every claim of root mode waits in ``anchored`` until admitted, so
            # reading them to drop them cost each round more as they accumulated)
            else self.roots.roots.unrooted(ANCHORED, wanted)
        )
        if rows and self._unsure:
            rows = self._unrecorded_checks(rows)
        if not rows:
            return 0
        size = self.check_batch_size
        chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
        try:
            landed = self.ledger.checks_outcomes(
                self.ledger.send_checks_many([[_result(r) for r in chunk] for chunk in chunks])
            )
        except Exception:
            return self._check_one_by_one(rows)
        with self.store.transaction() as conn:
            for chunk, where in zip(chunks, landed, strict=True):
                if where is not None:
                    self.store.mark_checked([r.claim_id for r in chunk], where, conn)
        done = sum(len(chunk) for chunk, where in zip(chunks, landed, strict=True) if where)
        for chunk, where in zip(chunks, landed, strict=True):
            if where is None:
                done += self._check_one_by_one(chunk)
        return done

    def _unrecorded_checks(self, rows: Sequence[ClaimRow]) -> list[ClaimRow]:
        """Mark checked the rows whose check the chain already holds; return the others.

        The contract lets the checker record a claim's check again (until it is audited), so
        a check mined just before a crash would otherwise be recorded twice."""
        states = self.ledger.claim_states([_id(r) for r in rows])
        todo = []
        for row, state in zip(rows, states, strict=True):
            found = self.ledger.find_check(_id(row)) if state.check != "none" else None
            if found is None:
                todo.append(row)
                continue
            self.store.mark_checked([row.claim_id], found)
        return todo

    def _check_one_by_one(self, rows: Sequence[ClaimRow]) -> int:
        done = 0
        for row in rows:
            state = self.ledger.claim_state(_id(row))
            if state.status == "none":
                self.store.reset_to_accepted([row.claim_id])
                continue
            try:
                where = self.ledger.record_checks([_result(row)])
            except Exception as exc:
                log.warning("recording the check of %s failed: %s", row.claim_id, exc)
                self.ledger.resync()
                continue
            self.store.mark_checked([row.claim_id], where)
            done += 1
        return done

    # --- reconciliation ---
    def reconcile_by_cursor(self) -> int:
        """Reconcile what was recorded since the cursor, or everything if the chain no longer
        holds the cursor's block; then move the cursor to the head. Returns what was put back.

        A chain back at the cursor's very block (a node restarted from a snapshot taken
        there) still holds that block, and its head has not moved: the rows recorded in the
        blocks it lost are past its head, and are reconciled all the same."""
        head = self.ledger.head()
        cursor = self._cursor
        if cursor is None:
            moved = self.reconcile(since_block=0)
        elif head < cursor[0] or self._hash_of(cursor[0]) != cursor[1]:
            log.warning("the chain no longer holds block %d: reconciling every claim", cursor[0])
            moved = self.reconcile(since_block=0)
        elif head == cursor[0] and self.store.newest_block() <= head:
            return 0  # nothing new on chain, and nothing recorded past it: nothing to read
        else:
            moved = self.reconcile(since_block=cursor[0] + 1)
        self._cursor = (head, self._hash_of(head))
        return moved

    def _hash_of(self, number: int) -> str | None:
        return self.ledger.block_hashes([number]).get(number)

    def reconcile(self, since_block: int | None = None) -> int:
        """Put back in the outbox what the chain no longer has; return how many."""
        head = self.ledger.head()
        if since_block is None:
            since_block = max(0, min(head, self.store.newest_block()) - 256)
        rows = self.store.anchored_since(since_block)
        if not rows:
            return 0
        numbers = {n for r in rows for n in (r.block_number, r.check_block_number) if n is not None}
        hashes = self.ledger.block_hashes([n for n in numbers if n <= head])

        def still_there(number: int | None, block_hash: str | None) -> bool:
            return number is None or hashes.get(number) == block_hash

        if self.roots is not None:
            handled = self.roots.reconcile(rows, hashes)
            rows = [r for r in rows if r.claim_id not in handled]

        lost_claims: list[str] = []
        lost_checks: list[str] = []
        moved = []  # (row, its claim still in its block): those whose block the chain lost
        for row in rows:
            claim_ok = still_there(row.block_number, row.block_hash)
            check_ok = row.state != CHECKED or still_there(
                row.check_block_number, row.check_block_hash
            )
            if not (claim_ok and check_ok):
                moved.append((row, claim_ok))
        states = []  # what the chain holds of each now, read RECONCILE_BATCH a JSON-RPC batch
        for start in range(0, len(moved), RECONCILE_BATCH):
            part = moved[start : start + RECONCILE_BATCH]
            states.extend(self.ledger.claim_states([_id(row) for row, _ in part]))
        for (row, claim_ok), state in zip(moved, states, strict=True):
            if state.status == "none":
                lost_claims.append(row.claim_id)
                continue
            if not claim_ok:
                found = self.ledger.find_submission(_id(row))
                if found is not None:
                    self.store.mark_anchored([row.claim_id], found)
            if row.state == CHECKED:  # its check's block, or its claim's, was lost
                if state.check == "none":
                    lost_checks.append(row.claim_id)
                else:
                    found = self.ledger.find_check(_id(row))
                    if found is not None:
                        self.store.mark_checked([row.claim_id], found)
        if lost_claims:
            log.warning("the chain lost %d claim(s); re-anchoring them", len(lost_claims))
            self.store.reset_to_accepted(lost_claims)
        if lost_checks:
            self.store.reset_to_anchored(lost_checks)
        return len(lost_claims) + len(lost_checks)
