"""Where a transaction landed on chain.

The chain adapter reads it from a receipt or a log (:mod:`carbonledger.chain.gateway`), the
services pass it along, and the stores record it beside what the transaction anchored
(:mod:`carbonledger.store.claims`, :mod:`carbonledger.store.roots`). It lives here, in the
pure vocabulary, because both adapters use it and neither may import the other.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Anchored"]


@dataclass(frozen=True)
class Anchored:
    """Where a transaction landed."""

    tx_hash: str
    block_number: int
    block_hash: str
