"""Sample values of every declared struct, derived from the declaration itself.

Each field gets a value of its Solidity type that exercises its full width (the largest
``uintN``, distinct bytes per field, two-element arrays), so an encoding that truncates,
reorders or drops a field shows.
"""

from __future__ import annotations

import typing
from enum import IntEnum
from typing import Any, TypeVar

from eth_utils.crypto import keccak

from carbonledger.vocab import Struct
from carbonledger.vocab.structs import Field

S = TypeVar("S", bound=Struct)


def _value(field: Field, sol_type: str, seed: str, addresses: list[str]) -> Any:
    if sol_type.endswith("[]"):
        inner = sol_type[:-2]
        return tuple(_value(field, inner, f"{seed}/{i}", addresses) for i in range(2))
    if sol_type == "address":
        return addresses[len(seed) % len(addresses)]
    if sol_type == "bytes3":
        return "EUR"
    if sol_type == "bytes32":
        return keccak(text=seed)
    if sol_type == "bool":
        return True
    py_type = field.py_type
    if typing.get_origin(py_type) is tuple:
        (py_type, _) = typing.get_args(py_type)
    if isinstance(py_type, type) and issubclass(py_type, IntEnum):
        return max(py_type)
    bits = int(sol_type[4:])
    if sol_type == "uint16" and field.attr == "shares_bps":
        return 5_000
    return (1 << bits) - 1 - len(seed)


def sample(cls: type[S], addresses: list[str], **overrides: Any) -> S:
    """A ``cls`` with every field set from its declared type (``overrides`` win)."""
    values = {
        f.attr: _value(f, f.sol_type, f"{cls.TYPE_NAME}.{f.attr}", addresses) for f in cls.spec()
    }
    values.update(overrides)
    return cls(**values)
