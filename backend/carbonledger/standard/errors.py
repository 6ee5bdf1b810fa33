"""Exceptions of the unified standard.

Every error raised by :mod:`carbonledger.standard` derives from :class:`StandardError`, so a
caller can catch the whole package with one ``except``. The subclasses say what went wrong:

* :class:`ClaimFormatError` -- the input is not a well-formed claim document (bad JSON, wrong
  types, a binary float, a missing field...). It carries every problem found as
  :class:`FieldProblem` (JSON path + message). :class:`FloatNotAllowedError` is the special case
  of a binary floating-point number.
* :class:`CanonicalizationError` -- a value cannot be put in RFC 8785 canonical form (a float, an
  integer outside the I-JSON range, a lone surrogate, a non-string key).
* :class:`FactorTableError` -- a factor table or the methodology file is malformed.
* :class:`UnknownFactorError`, :class:`UnitMismatchError` -- raised by the calculators when a line
  cannot be computed (the checker turns them into findings instead).
* :class:`MerkleError` -- an empty tree or an index out of range.
* :class:`AllocationError` -- an allocation with no basis (all weights zero, negative weights).
"""

from __future__ import annotations

from dataclasses import dataclass

from carbonledger.errors import CarbonLedgerError


class StandardError(CarbonLedgerError):
    """Root of every error raised by the standard package."""


@dataclass(frozen=True)
class FieldProblem:
    """One problem in an input document: where (JSON path, e.g. ``lines[3].quantity``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ClaimFormatError(StandardError):
    """The input is not a claim document; ``problems`` lists each field path and why."""

    def __init__(self, problems: list[FieldProblem] | tuple[FieldProblem, ...]) -> None:
        self.problems: tuple[FieldProblem, ...] = tuple(problems)
        shown = "; ".join(str(p) for p in self.problems[:10])
        more = f" (and {len(self.problems) - 10} more)" if len(self.problems) > 10 else ""
        super().__init__(f"not a valid claim document: {shown}{more}")


class FloatNotAllowedError(ClaimFormatError):
    """A binary floating-point number was found where the standard only accepts decimals."""


class CanonicalizationError(StandardError):
    """A value has no RFC 8785 canonical form under this standard's rules."""


class FactorTableError(StandardError):
    """A factor table, GWP table or methodology file is malformed."""


class UnknownFactorError(StandardError):
    """A line refers to a factor id that is neither in the standard nor declared in the claim."""


class UnitMismatchError(StandardError):
    """A quantity's unit cannot be converted to the unit a factor applies to."""


class MerkleError(StandardError):
    """A Merkle tree cannot be built or a proof cannot be produced."""


class AllocationError(StandardError):
    """An allocation has no valid basis (no weights, or negative weights)."""
