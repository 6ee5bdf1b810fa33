"""ABI encoding and decoding by 32-byte words, for the relayer's and the indexer's hot paths.

eth-abi walks a tree of encoder objects and validators per value: for the relayer's
``trySubmitClaims`` of 100 claims that is most of a millisecond per claim, and for the
indexer's event data about as much as everything else it does. The shapes used on those paths
are simple: arrays of static structs (whose words :meth:`Struct.words` already gives), arrays
of ``bytes``, and static values in event topics and data. These functions encode and decode
exactly those shapes, with the same bytes and values as eth-abi (``tests/vocab`` compares them);
anything else is left to eth-abi.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from eth_abi.abi import decode as abi_decode

from carbonledger.vocab.structs import WORD

__all__ = [
    "bytes_array",
    "decode_static",
    "encode_dynamic_args",
    "is_static",
    "static_array",
    "uint_word",
]

_STATIC: Final = re.compile(r"^(u?int(\d+)?|address|bool|bytes([1-9]|[12]\d|3[0-2]))$")
_ZERO12: Final = b"\x00" * 12


def uint_word(value: int) -> bytes:
    """A ``uint256`` word."""
    return value.to_bytes(WORD, "big")


def _padded(raw: bytes) -> bytes:
    return raw + b"\x00" * (-len(raw) % WORD)


def static_array(elements: Sequence[bytes]) -> bytes:
    """The tail of a dynamic array of static elements (each given as its words): the length,
    then the elements in place."""
    return uint_word(len(elements)) + b"".join(elements)


def bytes_array(items: Sequence[bytes]) -> bytes:
    """The tail of a ``bytes[]``: the length, each item's offset, then each item (its length
    and its bytes, padded to a word)."""
    heads, tails, offset = [], [], WORD * len(items)
    for item in items:
        tail = uint_word(len(item)) + _padded(bytes(item))
        heads.append(uint_word(offset))
        tails.append(tail)
        offset += len(tail)
    return uint_word(len(items)) + b"".join(heads) + b"".join(tails)


def encode_dynamic_args(*tails: bytes) -> bytes:
    """The arguments of a call whose arguments are all dynamic, given their tails (from
    :func:`static_array`, :func:`bytes_array`): the offsets, then the tails."""
    heads, offset = [], WORD * len(tails)
    for tail in tails:
        heads.append(uint_word(offset))
        offset += len(tail)
    return b"".join(heads) + b"".join(tails)


def is_static(abi_type: str) -> bool:
    """Whether ``abi_type`` is one word that :func:`decode_static` reads."""
    return _STATIC.match(abi_type) is not None


def decode_static(abi_type: str, word: bytes) -> Any:
    """One word of a static ``abi_type`` (see :func:`is_static`), as eth-abi decodes it:
    an ``int``, a ``bool``, ``bytes``, or an address as lower-case hex. A word that is not a
    valid encoding (padding not zero, a value out of range) is handed to eth-abi, which
    raises as it always did."""
    if len(word) == WORD:
        if abi_type == "address":
            if word[:12] == _ZERO12:
                return "0x" + word[12:].hex()
        elif abi_type.startswith("uint"):
            value = int.from_bytes(word, "big")
            bits = int(abi_type[4:] or 256)
            if value.bit_length() <= bits:
                return value
        elif abi_type == "bool":
            value = int.from_bytes(word, "big")
            if value in (0, 1):
                return bool(value)
        elif abi_type.startswith("bytes"):
            size = int(abi_type[5:])
            if not any(word[size:]):
                return word[:size]
    return abi_decode([abi_type], word)[0]
