"""RegistryCache: what the service reads of the registries, kept until either logs an event."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from carbonledger.chain.gateway import MemberState
from carbonledger.services.members import RegistryCache

FIRM = "0x" + "f1" * 20


@dataclass
class Chain:
    """The registries' reads, counted, and a head that moves with ``mine``."""

    status: str = "active"
    head: int = 1
    logged_at: list[int] = field(default_factory=list)
    reads: int = 0
    looks: int = 0
    #: a look waits for this before it answers (None: at once)
    hold: threading.Event | None = None

    def mine(self, registry_event: bool = False) -> None:
        self.head += 1
        if registry_event:
            self.logged_at.append(self.head)

    def member_state(self, account: str) -> MemberState:
        self.reads += 1
        return MemberState(account, account, 1, self.status)

    def standard_version_of(self, content_hash: bytes) -> int:
        self.reads += 1
        return 1

    def standard_status(self, version: int) -> tuple[int, int]:
        self.reads += 1
        return 1, 0

    def registries_changed_after(
        self, cursor: tuple[int, str] | None
    ) -> tuple[tuple[int, str], bool]:
        self.looks += 1
        head = (self.head, f"0x{self.head:064x}")
        if self.hold is not None:
            self.hold.wait(5)
        if cursor is None:
            return head, True
        return head, any(cursor[0] < b <= head[0] for b in self.logged_at)


def test_a_members_state_is_read_once_until_a_registry_event_then_read_again() -> None:
    chain = Chain()
    cache = RegistryCache(chain)
    assert cache.current().member_state(FIRM).status == "active"
    chain.mine()  # a block without a registry event (a claim, say)
    assert cache.current().member_state(FIRM).status == "active"
    assert chain.reads == 1
    chain.status = "suspended"
    chain.mine(registry_event=True)
    assert cache.current().member_state(FIRM).status == "suspended"
    assert chain.reads == 2 and chain.looks == 3


def test_a_state_kept_while_its_event_was_ignored_would_be_stale() -> None:
    """The same sequence with the event not logged: the kept state is what a request gets,
    which is why every change the cache keeps must be a registry event."""
    chain = Chain()
    cache = RegistryCache(chain)
    assert cache.current().member_state(FIRM).status == "active"
    chain.status = "suspended"
    chain.mine(registry_event=False)
    assert cache.current().member_state(FIRM).status == "active"


def test_a_look_that_began_before_a_request_is_not_the_requests_look() -> None:
    """A request waits for a look that begins after it arrived, never one under way (which
    may have read the head before the event that the request must see)."""
    chain = Chain()
    cache = RegistryCache(chain)
    assert cache.current().member_state(FIRM).status == "active"  # read, and kept
    chain.hold = threading.Event()
    first = threading.Thread(target=cache.current)
    first.start()  # a look under way: it read the head, and is held before it answers
    while chain.looks < 2:
        pass
    chain.status = "suspended"
    chain.mine(registry_event=True)
    seen: list[str] = []
    second = threading.Thread(target=lambda: seen.append(cache.current().member_state(FIRM).status))
    second.start()
    chain.hold.set()
    first.join(5)
    second.join(5)
    assert seen == ["suspended"]
    assert chain.looks == 3


def test_forget_drops_what_was_kept() -> None:
    chain = Chain()
    cache = RegistryCache(chain)
    cache.current().standard_version_of(b"\x01" * 32)
    cache.forget()
    cache.current().standard_version_of(b"\x01" * 32)
    assert chain.reads == 2
