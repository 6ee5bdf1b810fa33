"""From a claim document to the claim its firm signs and the ledger records (pure).

One mapping, used by the firm's client (to sign), the service (to verify the signature it
was given) and the independent verifier (to compare the chain with the documents):

* ``documentHash`` = keccak-256 of the document's RFC 8785 bytes; ``activityRoot`` = Merkle
  root of its lines (both from :mod:`carbonledger.standard`);
* period: ``periodStart`` = the start date at 00:00 UTC (inclusive), ``periodEnd`` = the day
  after the end date at 00:00 UTC (exclusive), in unix seconds;
* totals of a **footprint**: the standard's computed totals rounded once to whole kgCO2e
  (:func:`carbonledger.standard.onchain_totals`); the declared totals are checked against
  them by the checker, not signed separately;
* totals of a **reduction**: the counted reduction (the checker's figure, after any
  settlement cap) split over the scopes it was measured in, in proportion to each covered
  scope's fall from the baseline (baseline minus current, when positive), parts summing
  exactly to the counted figure; a project-based reduction, or one with no positive fall,
  is put on its first covered scope. Location-based scope 2 carries the same part as
  market-based; biogenic CO2 is 0. ``baseline`` = the baseline's claim id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TypedDict

from carbonledger.errors import CarbonLedgerError
from carbonledger.standard import Claim as ClaimDocument
from carbonledger.standard import (
    OnchainTotals,
    Standard,
    allocate,
    claim_hashes,
    compute,
    onchain_totals,
    reduction_figure,
)
from carbonledger.standard.models import ReductionClaim
from carbonledger.vocab import ZERO32, Claim, ClaimKind, claim_id

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class ClaimMappingError(CarbonLedgerError):
    """A document cannot be turned into an on-chain claim (for example no baseline given)."""


def _day_start(day: dt.date) -> int:
    return int((dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) - _EPOCH).total_seconds())


def period_seconds(document: ClaimDocument) -> tuple[int, int]:
    """``(periodStart, periodEnd)``: start inclusive, end exclusive, unix seconds UTC."""
    start = dt.date.fromisoformat(str(document.period.start))
    end = dt.date.fromisoformat(str(document.period.end))
    return _day_start(start), _day_start(end + dt.timedelta(days=1))


def _scope_totals(document: ClaimDocument, standard: Standard) -> dict[str, Decimal]:
    totals = compute(document, standard)
    return {
        "scope1": totals.scope1,
        "scope2": totals.scope2_market,
        "scope3": sum(totals.scope3.values(), Decimal(0)),
    }


def reduction_totals(
    document: ReductionClaim,
    standard: Standard,
    baseline: ClaimDocument,
    allocations: Mapping[str, Decimal | int | str] | None = None,
) -> OnchainTotals:
    """The on-chain totals of a reduction claim (see the module docstring)."""
    counted = reduction_figure(document, standard, baseline, allocations).onchain_kgco2e
    covered = []
    for item in document.covered or []:
        key = f"scope{int(item.scope)}"
        if key not in covered:
            covered.append(key)
    if not covered:
        covered = ["scope1"]
    parts = dict.fromkeys(("scope1", "scope2", "scope3"), 0)
    weights = [Decimal(0)] * len(covered)
    if document.method == "inventory":
        before = _scope_totals(baseline, standard)
        after = _scope_totals(document, standard)
        weights = [max(Decimal(0), before[k] - after[k]) for k in covered]
    if counted > 0 and sum(weights) > 0:
        split = allocate(Decimal(counted), weights, Decimal(1))
        for key, part in zip(covered, split, strict=True):
            parts[key] = int(part)
    else:
        parts[covered[0]] = max(0, counted)
    return OnchainTotals(
        scope1=parts["scope1"],
        scope2_location=parts["scope2"],
        scope2_market=parts["scope2"],
        scope3=parts["scope3"],
        biogenic_co2=0,
    )


class ClaimTotals(TypedDict):
    """The totals fields of the :class:`~carbonledger.vocab.Claim` struct (kgCO2e)."""

    scope1: int
    scope2_location: int
    scope2_market: int
    scope3: int
    biogenic: int


def claim_totals(totals: OnchainTotals) -> ClaimTotals:
    """``totals`` as the claim struct's fields (the struct's ``biogenic`` is ``biogenic_co2``)."""
    return {
        "scope1": totals.scope1,
        "scope2_location": totals.scope2_location,
        "scope2_market": totals.scope2_market,
        "scope3": totals.scope3,
        "biogenic": totals.biogenic_co2,
    }


def build_claim(
    document: ClaimDocument,
    standard: Standard,
    *,
    standard_version: int,
    nonce: int,
    deadline: int,
    baseline: ClaimDocument | None = None,
    supersedes: bytes = ZERO32,
    allocations: Mapping[str, Decimal | int | str] | None = None,
) -> Claim:
    """The :class:`Claim` struct the firm signs for ``document``.

    ``standard_version`` is the StandardRegistry version number whose content hash is
    ``standard.content_hash``. A reduction needs its ``baseline`` document.
    """
    start, end = period_seconds(document)
    firm = str(document.firm.address)
    if isinstance(document, ReductionClaim):
        if baseline is None:
            raise ClaimMappingError("a reduction claim needs its baseline document")
        totals = reduction_totals(document, standard, baseline, allocations)
        kind = ClaimKind.REDUCTION
        baseline_id = claim_id(str(baseline.firm.address), claim_hashes(baseline)[0])
    else:
        totals = onchain_totals(document, standard)
        kind = ClaimKind.FOOTPRINT
        baseline_id = ZERO32
    doc_hash, lines_root = claim_hashes(document)
    return Claim(
        firm=firm,
        kind=kind,
        standard_version=standard_version,
        period_start=start,
        period_end=end,
        document_hash=doc_hash,
        activity_root=lines_root,
        **claim_totals(totals),
        nonce=nonce,
        deadline=deadline,
        baseline=baseline_id,
        supersedes=supersedes,
    )
