"""keccak-256 on the hot paths (EIP-712 digests, document hashes, Merkle trees).

eth-utils' ``keccak`` checks and converts its argument through several wrappers on every
call; here the C object eth-hash itself uses on CPython is called directly (~5x faster), with
eth-hash as the fallback where that module is missing. Same function, same bytes."""

from __future__ import annotations

try:  # the C implementation eth-hash uses on CPython; ~5x faster than the generic backend
    from sha3 import keccak_256 as _keccak_cls

    def keccak256(data: bytes) -> bytes:
        """keccak-256 (Ethereum's, not NIST SHA3-256) of ``data``."""
        return _keccak_cls(data).digest()  # type: ignore[no-any-return]

    def double_keccak_all(items: list[bytes]) -> list[bytes]:
        """``keccak256(keccak256(x))`` of each item (Merkle leaves; hot path)."""
        k = _keccak_cls
        return [k(k(x).digest()).digest() for x in items]

    def sorted_pair_hashes(level: list[bytes]) -> list[bytes]:
        """``keccak256(min(a, b) || max(a, b))`` of neighbours 0-1, 2-3, ... (an odd last is
        left out): one Merkle level's inner nodes (hot path)."""
        k = _keccak_cls
        return [
            k(a + b if a < b else b + a).digest()
            for a, b in zip(level[0::2], level[1::2], strict=False)
        ]

except ImportError:  # pragma: no cover - depends on the installed eth-hash backend
    from eth_hash.auto import keccak as _eth_keccak

    def keccak256(data: bytes) -> bytes:
        """keccak-256 (Ethereum's, not NIST SHA3-256) of ``data``."""
        return bytes(_eth_keccak(data))

    def double_keccak_all(items: list[bytes]) -> list[bytes]:
        """``keccak256(keccak256(x))`` of each item (Merkle leaves; hot path)."""
        return [keccak256(keccak256(x)) for x in items]

    def sorted_pair_hashes(level: list[bytes]) -> list[bytes]:
        """``keccak256(min(a, b) || max(a, b))`` of neighbours 0-1, 2-3, ... (an odd last is
        left out): one Merkle level's inner nodes (hot path)."""
        return [
            keccak256(a + b if a < b else b + a)
            for a, b in zip(level[0::2], level[1::2], strict=False)
        ]
