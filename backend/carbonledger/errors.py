"""The exception root of CarbonLedger.

Every error that the package raises on purpose derives from :class:`CarbonLedgerError`;
each sub-package has its own subclass (``ChainError``, ``StandardError`` ...) and domain
subclasses below it that say what went wrong. The CLI prints ``str(error)`` as one line.
"""

from __future__ import annotations


class CarbonLedgerError(Exception):
    """Root of every error CarbonLedger raises deliberately."""


class ConfigError(CarbonLedgerError):
    """A setting is missing or invalid; the message names the setting and the reason."""


class DataDirError(ConfigError):
    """The data directory cannot be created or written."""
