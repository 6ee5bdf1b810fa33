"""Reduction targets: a firm's signed commitment and its progress on verified claims (pure).

A :class:`Target` names its base claim (a verified footprint) and base year, the target year,
the cut in basis points, the scopes (and Scope 3 categories) it covers, SBTi-style kind
(``near_term`` or ``net_zero``) and whether only audited claims count. On chain it is the
vocabulary's ``Target`` struct (:func:`to_struct`: coverage as bit flags, the kind as its
number, the hash of this document, nonce and deadline), which the firm signs with EIP-712 in
the ``TargetRegistry`` domain and the service relays; the registry checks the signer.

Progress (:func:`track`) uses verified figures only: a year's footprint (checked, and audited
when the target says so) where there is one, else the base less the year's verified reduction
claims' counted reductions -- which the standard's checker counts once, with reductions bought
through settlements entering only as the allocations the ledger recorded. The trajectory sets
each year against the **linear path** from the base to the target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_typing import Hash32

from carbonledger.planner.errors import PlannerError
from carbonledger.standard import canonical_bytes, keccak256
from carbonledger.vocab import Domain, TargetKind, recover_checksummed
from carbonledger.vocab import Target as OnChainTarget

KINDS = ("near_term", "net_zero")  # TargetKind's order (vocab)


@dataclass(frozen=True)
class Target:
    firm: str
    base_claim_id: str
    base_year: int
    target_year: int
    reduction_bps: int
    scopes: tuple[int, ...]
    categories: tuple[int, ...] = ()
    kind: str = "near_term"
    audited_only: bool = False

    def __post_init__(self) -> None:
        problems = []
        if not 1990 <= self.base_year < self.target_year <= 2100:
            problems.append("base_year < target_year, both between 1990 and 2100")
        if not 0 < self.reduction_bps <= 10_000:
            problems.append("reduction_bps: 1..10000")
        if self.kind not in KINDS:
            problems.append(f"kind: one of {', '.join(KINDS)}")
        if not self.scopes or not set(self.scopes) <= {1, 2, 3}:
            problems.append("scopes: some of 1, 2, 3")
        if not set(self.categories) <= set(range(1, 16)) or (
            self.categories and 3 not in self.scopes
        ):
            problems.append("categories: Scope 3 categories 1..15, with scope 3 covered")
        if len(self.base_claim_id) != 66 or not self.base_claim_id.startswith("0x"):
            problems.append("base_claim_id: 0x + 64 hex")
        if problems:
            raise PlannerError("target: " + "; ".join(problems))

    def coverage(self) -> dict[str, Any]:
        return {"scopes": sorted(self.scopes), "categories": sorted(self.categories)}

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["scopes"], out["categories"] = list(self.scopes), list(self.categories)
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Target:
        try:
            return cls(
                firm=str(obj["firm"]),
                base_claim_id=str(obj["base_claim_id"]).lower(),
                base_year=int(obj["base_year"]),
                target_year=int(obj["target_year"]),
                reduction_bps=int(obj["reduction_bps"]),
                scopes=tuple(int(s) for s in obj["scopes"]),
                categories=tuple(int(c) for c in obj.get("categories", ())),
                kind=str(obj.get("kind", "near_term")),
                audited_only=bool(obj.get("audited_only", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PlannerError(f"target: missing or malformed field ({exc})") from None


def document_hash(target: Target) -> bytes:
    """keccak-256 of the target's canonical JSON: the document the on-chain record names."""
    return keccak256(canonical_bytes(target.to_json()))


def to_struct(target: Target, nonce: int, deadline: int) -> OnChainTarget:
    """The on-chain ``Target`` (declared once in :mod:`carbonledger.vocab`) for ``target``."""
    return OnChainTarget(
        firm=target.firm,
        base_claim_id=bytes.fromhex(target.base_claim_id[2:]),
        base_year=target.base_year,
        target_year=target.target_year,
        reduction_bps=target.reduction_bps,
        kind=int(TargetKind[target.kind.upper()]),
        coverage=OnChainTarget.coverage_bits(target.scopes, target.categories),
        audited_only=target.audited_only,
        document_hash=document_hash(target),
        nonce=nonce,
        deadline=deadline,
    )


def from_record(
    firm: str, base_claim_id: str, base_year: int, target_year: int, reduction_bps: int,
    kind: int, coverage: int, audited_only: bool,
) -> Target:  # fmt: skip
    """The commitment back from its on-chain record."""
    scopes, categories = OnChainTarget.coverage_of(coverage)
    return Target(
        firm=firm,
        base_claim_id=base_claim_id.lower(),
        base_year=base_year,
        target_year=target_year,
        reduction_bps=reduction_bps,
        scopes=scopes,
        categories=categories,
        kind=KINDS[kind],
        audited_only=audited_only,
    )


def sign_target(account: LocalAccount, target: OnChainTarget, domain: Domain) -> str:
    """The firm's EIP-712 signature of ``target`` in the TargetRegistry ``domain``."""
    if account.address.lower() != target.firm.lower():
        raise PlannerError(f"target: firm {target.firm} is not the signer {account.address}")
    signed = account.unsafe_sign_hash(Hash32(target.digest(domain)))
    return "0x" + bytes(signed.signature).hex()


def signer_of(target: OnChainTarget, signature: str, domain: Domain) -> str | None:
    """The address that signed ``target`` (compare with ``target.firm``); None if malformed."""
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
    except ValueError:
        raise PlannerError("signature: not hex") from None
    return recover_checksummed(target.digest(domain), raw)


@dataclass(frozen=True)
class YearFigure:
    """A year's verified emissions in the target's coverage (kg) and where it comes from."""

    year: int
    kgco2e: Decimal
    source: str


@dataclass(frozen=True)
class TrajectoryRow:
    year: int
    path_kg: Decimal
    actual_kg: Decimal | None
    source: str

    @property
    def gap_kg(self) -> Decimal | None:
        """How far above the linear path the year is (negative: ahead of it)."""
        return None if self.actual_kg is None else self.actual_kg - self.path_kg


def covered_kg(target: Target, onchain: Mapping[str, int]) -> Decimal:
    """A footprint's on-chain totals within the target's scopes (scope 2 market-based).

    The on-chain totals carry Scope 3 as one figure: a target limited to some categories is
    tracked on the whole of Scope 3 here (stated in the CLI output).
    """
    total = Decimal(0)
    if 1 in target.scopes:
        total += onchain.get("scope1", 0)
    if 2 in target.scopes:
        total += onchain.get("scope2_market", 0)
    if 3 in target.scopes:
        total += onchain.get("scope3", 0)
    return total


def track(target: Target, base_kg: Decimal, figures: Sequence[YearFigure]) -> list[TrajectoryRow]:
    """Every year from the base to the target year: the linear path and the verified figure."""
    if base_kg <= 0:
        raise PlannerError("target: the base footprint has no emissions in the covered scopes")
    end_kg = base_kg * (10_000 - target.reduction_bps) / 10_000
    span = target.target_year - target.base_year
    by_year = {f.year: f for f in figures}
    rows = []
    for year in range(target.base_year, target.target_year + 1):
        path = base_kg + (end_kg - base_kg) * (year - target.base_year) / span
        seen = by_year.get(year)
        rows.append(
            TrajectoryRow(
                year,
                path,
                seen.kgco2e if seen else (base_kg if year == target.base_year else None),
                seen.source if seen else ("base claim" if year == target.base_year else ""),
            )
        )
    return rows


def gap_to_target(rows: Sequence[TrajectoryRow]) -> Decimal:
    """kg still to cut from the latest verified year to the target year's figure."""
    latest = [r for r in rows if r.actual_kg is not None][-1]
    assert latest.actual_kg is not None
    return max(Decimal(0), latest.actual_kg - rows[-1].path_kg)
