"""CarbonLedger: shared, verifiable supply-chain carbon footprints."""

__version__ = "0.1.0"
