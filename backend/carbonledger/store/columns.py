"""The kinds of text column the tables share, each with its width stated once.

Used qualified, as ``columns.hex32("claim_id", unique=True)``; a column is required unless it
is declared ``nullable=True``, and ``options`` go to :class:`sqlalchemy.Column` (``index``,
``unique``, ``primary_key``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, String


def hex32(name: str, *, nullable: bool = False, **options: Any) -> Column[str]:
    """A 32-byte hash or id (claim, document, settlement, transaction, root): 0x + 64 hex."""
    return Column(name, String(66), nullable=nullable, **options)


def address(name: str, *, nullable: bool = False, **options: Any) -> Column[str]:
    """An account address, 0x + 40 hex."""
    return Column(name, String(42), nullable=nullable, **options)


def signature(name: str = "signature") -> Column[str]:
    """A 65-byte signature, 0x-hex (132 characters, with room)."""
    return Column(name, String(140), nullable=False)


def enum(name: str, *, nullable: bool = False, **options: Any) -> Column[str]:
    """One of a fixed set of short names: a row's state, a claim's kind, a status."""
    return Column(name, String(16), nullable=nullable, **options)


def timestamp(name: str, *, nullable: bool = False) -> Column[str]:
    """A moment as ISO-8601 UTC text (:func:`carbonledger.store.db.utc_now`)."""
    return Column(name, String(32), nullable=nullable)
