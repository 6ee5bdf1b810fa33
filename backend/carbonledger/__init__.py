"""CarbonLedger: shared, verifiable supply-chain carbon footprints."""

__version__ = "0.1.0"


def _use_c_keccak() -> None:
    """eth-hash (used by web3, eth-account and eth-utils) picks pycryptodome's keccak when both
    it and the C ``pysha3`` backend are installed; the C one is several times faster on the
    short inputs of ABI selectors, typed-data hashes and addresses (docs/performance.md).
    Same function, same digests."""
    try:
        from eth_hash.auto import keccak
        from eth_hash.backends.pysha3 import backend
    except ImportError:  # pragma: no cover - PyPy, or pysha3 not installed
        return
    assert backend.keccak256(b"") == bytes.fromhex(
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )
    keccak.hasher = backend.keccak256  # type: ignore[assignment]
    keccak.preimage = backend.preimage  # type: ignore[assignment]


_use_c_keccak()
