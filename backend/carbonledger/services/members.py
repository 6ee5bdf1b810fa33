"""Who the members are: the MemberRegistry, read through the indexed events and the chain.

The indexed ``MemberAdmitted`` and ``SigningKeyRotated`` events say which accounts exist and
which key each signed with; the current record (key, roles, status, name) is read from the
contract, so a suspension or a rotation takes effect at once.

:class:`RegistryCache` keeps what the service reads of the MemberRegistry and the
StandardRegistry (members' states, who a key belongs to, the auditors, the standard's
versions) for as long as neither registry has logged an event: each request asks the chain
only whether one did (see :meth:`RegistryCache.current`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol

from carbonledger.auth.model import Member, MemberStatus, Role, roles_from_bits
from carbonledger.chain.gateway import MemberState
from carbonledger.services.errors import NotFound
from carbonledger.services.ports import RegistryView
from carbonledger.store.events import EventLog
from carbonledger.vault.repository import VaultRepository
from carbonledger.vocab import checksum_address

_STATUS = {"active": MemberStatus.ACTIVE, "suspended": MemberStatus.SUSPENDED}


@dataclass(frozen=True)
class MemberView:
    account: str
    name: str
    identifier_hash: str
    signing_key: str
    roles: tuple[str, ...]
    status: str
    admitted_block: int
    admitted_tx: str


class RegistryReads(RegistryView, Protocol):
    """What :class:`RegistryCache` reads of the chain: the reads it keeps, and whether
    either registry changed since a head it saw."""

    def registries_changed_after(
        self, cursor: tuple[int, str] | None
    ) -> tuple[tuple[int, str], bool]: ...


class MemberReads(RegistryReads, Protocol):
    """What :class:`MemberDirectory` reads of the chain: the registry cache's reads and
    members' whole records (``memberOf``)."""

    def member_records(
        self, accounts: Sequence[str]
    ) -> list[tuple[str, str, int, bytes, str] | None]: ...


@dataclass(eq=False)
class RegistryState:
    """The two registries as read since either last logged an event: each value is read
    from the chain the first time it is asked for, then kept. A new one replaces it when
    either registry logs an event, so nothing read before the event is used after it."""

    ledger: RegistryReads
    members: dict[str, MemberState] = field(default_factory=dict)
    versions: dict[bytes, int] = field(default_factory=dict)
    statuses: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: signing key -> the member it signs for (only keys that are a member's current key)
    logins: dict[str, Member] = field(default_factory=dict)
    #: whether the event index was brought up to the chain's head since this state began
    indexed: bool = False
    #: the active auditors (None: not read yet)
    auditors: list[str] | None = None
    #: every key named by an admission or a rotation -> its member (None: not read yet)
    key_accounts: dict[str, str] | None = None

    def member_state(self, account: str) -> MemberState:
        account = checksum_address(account)
        state = self.members.get(account)
        if state is None:
            state = self.members[account] = self.ledger.member_state(account)
        return state

    def standard_version_of(self, content_hash: bytes) -> int:
        version = self.versions.get(content_hash)
        if version is None:
            version = self.versions[content_hash] = self.ledger.standard_version_of(content_hash)
        return version

    def standard_status(self, version: int) -> tuple[int, int]:
        status = self.statuses.get(version)
        if status is None:
            status = self.statuses[version] = self.ledger.standard_status(version)
        return status


#: where the request being served arrived, for :meth:`RegistryCache.current`: the cache and the
#: number of looks at the chain it had begun by then (copied into the threads FastAPI runs a
#: request's dependencies and endpoint in)
_arrival: ContextVar[tuple[RegistryCache, int] | None] = ContextVar(
    "registry_arrival", default=None
)


class RegistryCache:
    """The MemberRegistry and the StandardRegistry as the service reads them, kept until
    either logs an event (see :meth:`current`). Shared by the claim pipeline (the standard's
    version and status, the firm's state), authentication (who a key signs for) and the
    vault (the auditors).

    Every change to what it keeps is a registry transaction that logs an event: an
    admission, a suspension, a reinstatement, a removal, a role or key change, a standard
    published or retired. A change takes effect for every request that starts after the
    block that holds it is mined, as when each request read the contracts itself. What it
    does not keep: a firm's ClaimLedger nonce and whether a claim is on chain (those move
    with every claim, also claims relayed by others) are read per request."""

    def __init__(self, ledger: RegistryReads) -> None:
        self.ledger = ledger
        self._changed = threading.Condition()
        self._state: RegistryState | None = None
        #: the head the last look ended at: (number, hash)
        self._cursor: tuple[int, str] | None = None
        self._started = 0  # looks at the chain begun
        self._finished = 0  # the newest look finished
        self._looking = False

    @contextmanager
    def arrived(self) -> Iterator[None]:
        """Mark the request served in this context as arriving now: inside, every
        :meth:`current` of it (authentication, the claim's checks, the vault's auditors) may
        use any look that began after this, so one look serves the whole request instead of
        one per read. Outside a request (the worker, the command line) each call still waits
        for a look that begins after it."""
        with self._changed:
            token = _arrival.set((self, self._started))
        try:
            yield
        finally:
            _arrival.reset(token)

    def current(self) -> RegistryState:
        """The registries' state for a request starting now: kept, unless a look at the chain
        that began after this call (or, inside :meth:`arrived`, after the request arrived)
        finds an event of either registry since the last look (or the last look's block
        gone), then a new, empty one. One look at a time (two JSON-RPC requests,
        :meth:`LedgerGateway.registries_changed_after`): requests that arrive while one is
        under way wait for the next, which serves all of them."""
        with self._changed:
            arrival = _arrival.get()
            since = arrival[1] if arrival is not None and arrival[0] is self else self._started
            wanted = since + 1  # a look that begins after the request arrived
            while self._finished < wanted:
                if not self._looking:
                    self._looking = True
                    self._started += 1
                    number = self._started
                    break
                self._changed.wait()
            else:
                if self._state is None:  # forgotten since that look: read afresh
                    self._state = RegistryState(self.ledger)
                return self._state
        try:
            cursor, changed = self.ledger.registries_changed_after(self._cursor)
        except BaseException:
            with self._changed:
                self._looking = False
                self._changed.notify_all()
            raise
        with self._changed:
            if changed or self._state is None:
                self._state = RegistryState(self.ledger)
            self._cursor = cursor
            self._finished = number
            self._looking = False
            self._changed.notify_all()
            return self._state

    def forget(self) -> None:
        """Drop what is kept (a registry change was just executed here)."""
        with self._changed:
            self._state = None


class MemberDirectory:
    """Members from the indexed events, with their current state from the chain."""

    def __init__(
        self,
        events: EventLog,
        ledger: MemberReads,
        ttl: float = 2.0,
        refresh: Callable[[], object] | None = None,
        registry: RegistryCache | None = None,
    ) -> None:
        self.events = events
        self.ledger = ledger
        self.registry = registry or RegistryCache(ledger)
        self.ttl = ttl
        #: brings the index up to the chain's head before a listing (the indexer's catch_up)
        self.refresh = refresh
        self._lock = threading.Lock()
        self._auditors_read = threading.Lock()
        self._cache: dict[str, tuple[float, MemberView | None]] = {}

    def _admissions(self) -> list[tuple[str, int, str]]:
        seen: dict[str, tuple[str, int, str]] = {}
        for e in self.events.named(["MemberAdmitted"]):
            if e.account and e.account not in seen:
                seen[e.account] = (e.account, e.block_number, e.tx_hash)
        return list(seen.values())

    def page(self, offset: int, limit: int) -> tuple[int, list[MemberView]]:
        if self.refresh is not None:
            self.refresh()  # a member admitted a moment ago is listed
        admissions = self._admissions()
        views = self._views(admissions[offset : offset + limit])
        return len(admissions), [v for v in views if v is not None]

    def forget(self) -> None:
        """Drop the cached states and auditors (a membership change was just executed)."""
        with self._lock:
            self._cache.clear()
        self.registry.forget()

    def member(self, account: str) -> MemberView:
        """The member at ``account`` (an address), or 404 naming it as given."""
        view = self.get(account)
        if view is None:
            raise NotFound(f"{account} is not a member")
        return view

    def get(self, account: str) -> MemberView | None:
        account = checksum_address(account)
        with self._lock:
            cached = self._cache.get(account)
            if cached and time.monotonic() - cached[0] < self.ttl:
                return cached[1]
        admitted = self.events.named(["MemberAdmitted"], account=account)
        first = admitted[0] if admitted else None
        return self._views(
            [(account, first.block_number, first.tx_hash) if first else (account, 0, "")]
        )[0]

    def _views(self, admitted: Sequence[tuple[str, int, str]]) -> list[MemberView | None]:
        """The members ``admitted`` (account, block and transaction of its admission), each
        from the cache while fresh, the others read in one batch of ``memberOf`` calls (a
        page of 200 members was 200 calls, one after another)."""
        now = time.monotonic()
        found: dict[str, MemberView | None] = {}
        with self._lock:
            for account, _, _ in admitted:
                cached = self._cache.get(account)
                if cached and now - cached[0] < self.ttl:
                    found[account] = cached[1]
        missing = [a for a in admitted if a[0] not in found]
        records = self.ledger.member_records([account for account, _, _ in missing])
        with self._lock:
            for admission, record in zip(missing, records, strict=True):
                view = _member_view(admission, record)
                self._cache[admission[0]] = (now, view)
                found[admission[0]] = view
        return [found[account] for account, _, _ in admitted]

    def account_of_key(self, key: str, state: RegistryState | None = None) -> str:
        """The account whose key ``key`` is or was (a key is its own account by default).
        With ``state``, the map of every key to its member is read from the index once for
        that registry state (a login after a registry event read every admission and
        rotation for each key)."""
        accounts = state.key_accounts if state is not None else None
        if accounts is None:
            accounts = {}
            for e in self.events.named(["SigningKeyRotated", "MemberAdmitted"], newest_first=True):
                named = e.args.get("newKey") or e.args.get("signingKey")
                if e.account and named:
                    accounts.setdefault(checksum_address(str(named)), e.account)
            if state is not None:
                state.key_accounts = accounts
        key = checksum_address(key)
        return accounts.get(key, key)

    def auditors(self) -> list[str]:
        """Accounts of the active auditors. The vault wraps each new document for them, so an
        auditor admitted (or a role granted, a member suspended) a moment ago must count: the
        list is read again, from the index brought up to the chain's head and fresh member
        states, whenever either registry logged anything since it was read
        (:meth:`RegistryCache.current`). Otherwise the last list stands (every change to who
        is an active auditor is a registry event), which spares each submission a catch-up
        of the whole index."""
        state = self.registry.current()
        # requests that arrive together (a service's first ones) wait for one reading of the
        # list rather than each reading every member's state
        with self._auditors_read:
            if state.auditors is None:
                self.indexed(state)
                with self._lock:
                    self._cache.clear()
                state.auditors = [
                    view.account
                    for view in self._views(self._admissions())
                    if view and view.status == "active" and Role.AUDITOR.value in view.roles
                ]
            return list(state.auditors)

    def indexed(self, state: RegistryState) -> None:
        """Bring the event index up to the chain's head once per registry state, so what is
        read from it (admissions, key rotations) is no older than the state."""
        if not state.indexed and self.refresh is not None:
            self.refresh()
        state.indexed = True


class ChainMembership:
    """:class:`carbonledger.auth.ports.MembershipPort` over the MemberRegistry."""

    def __init__(self, directory: MemberDirectory) -> None:
        self.directory = directory

    def member_of(self, key_address: str) -> Member | None:
        """The member ``key_address`` signs for now, or None. Kept per registry state (a
        key's member changes only with a registry event); a key that signs for no one is
        looked up again each time."""
        key = checksum_address(key_address)
        directory = self.directory
        state = directory.registry.current()
        known = state.logins.get(key)
        if known is not None:
            return known
        directory.indexed(state)  # the index at least as new as the state
        account = directory.account_of_key(key, state)
        record = state.member_state(account)
        if record.status == "none" or record.signing_key != key:
            return None
        member = Member(
            account=account,
            signing_key=key,
            status=_STATUS.get(record.status, MemberStatus.REMOVED),
            roles=roles_from_bits(record.roles),
        )
        state.logins[key] = member
        return member


class VaultAuditors:
    """The auditors the vault wraps every document for: active, with a registered key."""

    def __init__(self, directory: MemberDirectory, keys: VaultRepository) -> None:
        self.directory = directory
        self.keys = keys

    def auditors(self) -> Collection[str]:
        """The active auditors with a registered key (one read of the keys)."""
        candidates = self.directory.auditors()
        keys = self.keys.get_reader_keys(candidates)
        return [a for a in candidates if a in keys]

    def auditor_candidates(self) -> Collection[str]:
        """The active auditors, key or not: the vault's sealing reads their keys together
        with the document's other readers' (:class:`~carbonledger.vault.service.KeyedAuditors`)."""
        return self.directory.auditors()


def _member_view(
    admission: tuple[str, int, str], record: tuple[str, str, int, bytes, str] | None
) -> MemberView | None:
    """A member as ``memberOf`` records it (None: never a member), with its admission."""
    if record is None:
        return None
    account, block, tx = admission
    signing_key, status_name, roles, identifier_hash, name = record
    return MemberView(
        account=account,
        name=str(name),
        identifier_hash="0x" + bytes(identifier_hash).hex(),
        signing_key=checksum_address(signing_key),
        roles=tuple(sorted(r.value for r in roles_from_bits(int(roles)))),
        status=status_name,
        admitted_block=block,
        admitted_tx=tx,
    )
