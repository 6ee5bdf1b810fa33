"""The per-claim floor: the work every claim costs both the service and the independent
verifier, in every anchoring mode, measured alone in this process.

Whatever the mode, the service accepts a claim only after parsing its document, running the
standard over it (the lines' computation, the totals, the rules, the document's hash and
lines root) and recovering who signed the struct; the verifier does the same again from the
document and the chain. So one core can take at most ``1 / floor`` claims a second of
either, before any HTTP, database, vault, chain or indexing work; two cores doing nothing else
at most twice that. The figure is of *this implementation* (Python, the standard as written
here): a compiled standard would lower it.

Each part is timed over every document in turn, one thread, as CPU time
(``time.process_time``), with the cyclic garbage collector as the service leaves it; the best
of ``repeat`` passes is kept (the floor is what the work costs when nothing else gets in the
way).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import coincurve

from carbonledger.claims import build_claim
from carbonledger.standard import check, parse_claim
from carbonledger.vocab.signatures import recover_signer
from carbonledger.vocab.structs import Claim, Domain

#: any domain: the digest's value does not change what recovering its signer costs
_DOMAIN = Domain("ClaimLedger", 31337, "0x" + "11" * 20)
_KEY = coincurve.PrivateKey(b"\x01" * 32)


@dataclass(frozen=True)
class Floor:
    """Microseconds of one core per claim for each part (best pass), over ``claims``."""

    claims: int
    parse_us: float
    standard_us: float
    signature_us: float

    @property
    def total_us(self) -> float:
        return self.parse_us + self.standard_us + self.signature_us

    def per_second(self, cores: int = 2) -> float:
        """Claims a second ``cores`` cores could take if they did nothing else."""
        return cores * 1e6 / self.total_us


def _best(passes: int, n: int, run: Callable[[Any], object], given: Callable[[], Any]) -> float:
    """Microseconds of CPU per item of the fastest of ``passes`` runs of ``run``, each over a
    fresh ``given()`` made before its clock starts."""
    best = float("inf")
    for _ in range(passes):
        items = given()
        started = time.process_time()
        run(items)
        best = min(best, time.process_time() - started)
    return best / n * 1e6


def _drain(results: Iterable[object]) -> None:
    for _ in results:
        pass


def measure(documents: Sequence[bytes], standard: Any, repeat: int = 3) -> Floor:
    """The floor over ``documents`` (footprint claims under ``standard``)."""
    n = len(documents)
    if n == 0:
        raise ValueError("no documents to measure the floor over")
    parse_us = _best(repeat, n, lambda raws: _drain(map(parse_claim, raws)), lambda: documents)
    # each check over documents parsed afresh: nothing a check leaves on a document helps
    # the next
    standard_us = _best(
        repeat,
        n,
        lambda parsed: _drain(check(document, standard) for document in parsed),
        lambda: [parse_claim(raw) for raw in documents],
    )
    structs: list[Claim] = [
        build_claim(parse_claim(raw), standard, standard_version=1, nonce=i, deadline=2**40)
        for i, raw in enumerate(documents)
    ]
    signatures = [(claim, _signature(claim.digest(_DOMAIN))) for claim in structs]
    # each one recovers (none is refused early, which would time the refusal instead)
    if len({recover_signer(c.digest(_DOMAIN), sig) for c, sig in signatures} - {None}) != 1:
        raise RuntimeError("the floor's signatures do not all recover to one signer")
    signature_us = _best(
        repeat,
        n,
        lambda pairs: _drain(recover_signer(c.digest(_DOMAIN), sig) for c, sig in pairs),
        lambda: signatures,
    )
    return Floor(n, parse_us, standard_us, signature_us)


def _signature(digest: bytes) -> bytes:
    """``digest`` signed with :data:`_KEY` as a member signs (r, s, v with v 27 or 28)."""
    signed = _KEY.sign_recoverable(digest, hasher=None)
    return signed[:64] + bytes([signed[64] + 27])
