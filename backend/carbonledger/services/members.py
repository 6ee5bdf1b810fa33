"""Who the members are: the MemberRegistry, read through the indexed events and the chain.

The indexed ``MemberAdmitted`` and ``SigningKeyRotated`` events say which accounts exist and
which key each signed with; the current record (key, roles, status, name) is always read
from the contract, so a suspension or a rotation takes effect at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from eth_utils.address import to_checksum_address

from carbonledger.auth.model import Member, MemberStatus, Role, roles_from_bits
from carbonledger.chain.gateway import LedgerGateway
from carbonledger.store.events import EventLog
from carbonledger.vault.repository import VaultRepository

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


class MemberDirectory:
    """Members from the indexed events, with their current state from the chain."""

    def __init__(
        self,
        events: EventLog,
        ledger: LedgerGateway,
        ttl: float = 2.0,
        refresh: Callable[[], object] | None = None,
    ) -> None:
        self.events = events
        self.ledger = ledger
        self.ttl = ttl
        #: brings the index up to the chain's head before a listing (the indexer's catch_up)
        self.refresh = refresh
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, MemberView | None]] = {}
        #: the active auditors as of a block (None: not read yet)
        self._auditors: tuple[int, list[str]] | None = None

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
        page = admissions[offset : offset + limit]
        views = [self.get(account) for account, _, _ in page]
        return len(admissions), [v for v in views if v is not None]

    def forget(self) -> None:
        """Drop the cached states and auditors (a membership change was just executed)."""
        with self._lock:
            self._cache.clear()
            self._auditors = None

    def get(self, account: str) -> MemberView | None:
        account = to_checksum_address(account)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(account)
            if cached and now - cached[0] < self.ttl:
                return cached[1]
        view = self._read(account)
        with self._lock:
            self._cache[account] = (now, view)
        return view

    def _read(self, account: str) -> MemberView | None:
        record = self.ledger.member_record(account)
        if record is None:
            return None
        signing_key, status_name, roles, identifier_hash, name = record
        admitted = next((a for a in self._admissions() if a[0] == account), (account, 0, ""))
        return MemberView(
            account=account,
            name=str(name),
            identifier_hash="0x" + bytes(identifier_hash).hex(),
            signing_key=to_checksum_address(signing_key),
            roles=tuple(sorted(r.value for r in roles_from_bits(int(roles)))),
            status=status_name,
            admitted_block=admitted[1],
            admitted_tx=admitted[2],
        )

    def account_of_key(self, key: str) -> str:
        """The account whose key ``key`` is or was (a key is its own account by default)."""
        key = to_checksum_address(key)
        for e in self.events.named(["SigningKeyRotated", "MemberAdmitted"], newest_first=True):
            named = e.args.get("newKey") or e.args.get("signingKey")
            if e.account and named and to_checksum_address(str(named)) == key:
                return e.account
        return key

    def auditors(self) -> list[str]:
        """Accounts of the active auditors. The vault wraps each new document for them, so an
        auditor admitted (or a role granted, a member suspended) a moment ago must count: the
        list is read again, from the index brought up to the chain's head and fresh member
        states, whenever the MemberRegistry logged anything since the block it was read at.
        Otherwise the last list stands (every change to who is an active auditor is a
        registry event), which spares each submission a catch-up of the whole index."""
        at = self._auditors[0] if self._auditors is not None else -1
        head, changed = self.ledger.registry_logged_after(at)
        current = self._auditors
        if current is not None and not changed:
            return list(current[1])
        if self.refresh is not None:
            self.refresh()
        self.forget()
        found = []
        for account, _, _ in self._admissions():
            view = self.get(account)
            if view and view.status == "active" and Role.AUDITOR.value in view.roles:
                found.append(account)
        with self._lock:
            self._auditors = (head, found)
        return list(found)


class ChainMembership:
    """:class:`carbonledger.auth.ports.MembershipPort` over the MemberRegistry."""

    def __init__(self, directory: MemberDirectory) -> None:
        self.directory = directory

    def member_of(self, key_address: str) -> Member | None:
        key = to_checksum_address(key_address)
        account = self.directory.account_of_key(key)
        state = self.directory.ledger.member_state(account)
        if state.status == "none" or state.signing_key != key:
            return None
        return Member(
            account=account,
            signing_key=key,
            status=_STATUS.get(state.status, MemberStatus.REMOVED),
            roles=roles_from_bits(state.roles),
        )


class VaultAuditors:
    """The auditors the vault wraps every document for: active, with a registered key."""

    def __init__(self, directory: MemberDirectory, keys: VaultRepository) -> None:
        self.directory = directory
        self.keys = keys

    def auditors(self) -> Collection[str]:
        return [a for a in self.directory.auditors() if self.keys.get_reader_key(a) is not None]
