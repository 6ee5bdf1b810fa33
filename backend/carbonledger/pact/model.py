"""PACT v3 product footprints on the ledger (pure: no I/O).

* :func:`check_footprint` -- the standard's checks of a PCF: the JSON Schema
  (:mod:`carbonledger.pact.schema`), numbers as decimal strings, units, and the consistency of
  its figures (PACT v3 ``CarbonFootprint``: including-uptake = excluding-uptake +
  ``biogenicCO2Uptake``, the uptake being <= 0; fossil <= excluding-uptake total; dates in
  order). Every problem names its JSON path.
* :func:`anchored_form` / :func:`anchor_hash` -- what goes on chain: keccak-256 of the RFC 8785
  bytes of the footprint **as published** (``status`` "Active", without CarbonLedger's own
  anchor extension, which can only be written once the transaction exists). Deprecation is
  then told by the chain (the anchor claim superseded), not by a changed hash.
* :func:`anchor_claim` -- the ``IClaimLedger.Claim`` a firm signs to publish a PCF: a
  footprint claim with zero inventory totals whose ``activityRoot`` is :data:`PACT_MARKER`
  (so every reader of the chain can tell a PCF anchor from an inventory), ``documentHash`` the
  anchor hash, the reference period as its period, ``supersedes`` the previous version's claim.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from jsonschema import Draft202012Validator, FormatChecker

from carbonledger.pact import schema
from carbonledger.standard import document_hash
from carbonledger.verify.core import PACT_MARKER
from carbonledger.vocab import ZERO32, Claim, ClaimKind

__all__ = ["PACT_MARKER", "Filters", "Problem", "anchor_claim", "anchor_hash", "check_footprint"]

ANCHOR_EXTENSION_MARK: Final = "carbonledger-anchor"
VALIDITY_YEARS: Final = 3

_VALIDATOR = Draft202012Validator(schema.PRODUCT_FOOTPRINT, format_checker=FormatChecker())


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "$"


def parse_time(value: str) -> dt.datetime:
    """An RFC 3339 date-time (``Z`` or an offset) as an aware datetime."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("a date-time needs a time zone (Z or an offset)")
    return parsed


def _dec(pcf: Mapping[str, Any], key: str) -> Decimal | None:
    raw = pcf.get(key)
    if not isinstance(raw, str):
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def schema_problems(obj: Any, validator: Draft202012Validator = _VALIDATOR) -> list[Problem]:
    """The JSON Schema's complaints, each with its JSON path."""
    problems = []
    for error in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.path))):
        problems.append(Problem(_path(error.absolute_path), error.message))
    return problems


def check_footprint(obj: Any) -> list[Problem]:
    """Every reason ``obj`` is not a PACT v3 ProductFootprint this ledger accepts ([] if none)."""
    problems = schema_problems(obj)
    if problems or not isinstance(obj, Mapping):
        return problems
    pcf = obj["pcf"]
    excl = _dec(pcf, "pcfExcludingBiogenicUptake")
    incl = _dec(pcf, "pcfIncludingBiogenicUptake")
    fossil = _dec(pcf, "fossilGhgEmissions")
    uptake = _dec(pcf, "biogenicCO2Uptake") or Decimal(0)
    if excl is not None and incl is not None and incl != excl + uptake:
        problems.append(
            Problem(
                "pcf.pcfIncludingBiogenicUptake",
                f"must equal pcfExcludingBiogenicUptake + biogenicCO2Uptake "
                f"({excl} + {uptake} = {excl + uptake}), not {incl}",
            )
        )
    if fossil is not None and excl is not None and fossil > excl:
        removals = sum(
            (
                -(_dec(pcf, k) or Decimal(0))
                for k in (
                    "landManagementBiogenicCO2Removals",
                    "technologicalCO2Removals",
                    "ccsTechnologicalCO2Capture",
                )
            ),
            Decimal(0),
        )
        if fossil > excl + removals:
            problems.append(
                Problem(
                    "pcf.fossilGhgEmissions",
                    f"fossil emissions {fossil} exceed the total excluding biogenic uptake {excl} "
                    f"(plus declared removals {removals})",
                )
            )
    amount = _dec(pcf, "declaredUnitAmount")
    if amount is not None and amount <= 0:
        problems.append(Problem("pcf.declaredUnitAmount", "must be greater than 0"))
    mass = _dec(pcf, "productMassPerDeclaredUnit")
    if mass is not None and mass < 0:
        problems.append(Problem("pcf.productMassPerDeclaredUnit", "must not be negative"))
    exempted = _dec(pcf, "exemptedEmissionsPercent")
    if exempted is not None and not Decimal(0) <= exempted <= Decimal(100):
        problems.append(Problem("pcf.exemptedEmissionsPercent", "must be between 0 and 100"))
    share = _dec(pcf, "primaryDataShare")
    if share is not None and not Decimal(0) <= share <= Decimal(100):
        problems.append(Problem("pcf.primaryDataShare", "must be between 0 and 100"))
    try:
        start = parse_time(pcf["referencePeriodStart"])
        end = parse_time(pcf["referencePeriodEnd"])
    except ValueError as exc:
        problems.append(Problem("pcf.referencePeriodStart", str(exc)))
        return problems
    if end <= start:
        problems.append(Problem("pcf.referencePeriodEnd", "must be after pcf.referencePeriodStart"))
    limit = _add_years(end, VALIDITY_YEARS)
    for key in ("validityPeriodStart", "validityPeriodEnd", "created"):
        if key in obj:
            try:
                parse_time(obj[key])
            except ValueError as exc:
                problems.append(Problem(key, str(exc)))
                return problems
    if "validityPeriodStart" in obj and parse_time(obj["validityPeriodStart"]) < end:
        problems.append(
            Problem("validityPeriodStart", "must not be before pcf.referencePeriodEnd (PACT 7.3)")
        )
    if "validityPeriodEnd" in obj and parse_time(obj["validityPeriodEnd"]) > limit:
        problems.append(
            Problem(
                "validityPeriodEnd",
                "must not be later than pcf.referencePeriodEnd + 3 years (PACT 7.3)",
            )
        )
    return problems


def _add_years(when: dt.datetime, years: int) -> dt.datetime:
    try:
        return when.replace(year=when.year + years)
    except ValueError:  # 29 February
        return when.replace(year=when.year + years, day=28)


def validity(obj: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """The validity period (PACT v3 § 7.3): given, or 3 years from ``referencePeriodEnd``."""
    ref_end = parse_time(obj["pcf"]["referencePeriodEnd"])
    start = parse_time(obj["validityPeriodStart"]) if "validityPeriodStart" in obj else ref_end
    end = (
        parse_time(obj["validityPeriodEnd"])
        if "validityPeriodEnd" in obj
        else _add_years(ref_end, VALIDITY_YEARS)
    )
    return start, end


def is_anchor_extension(extension: Any) -> bool:
    return isinstance(extension, Mapping) and ANCHOR_EXTENSION_MARK in str(
        extension.get("dataSchema", "")
    )


def anchored_form(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The footprint as it was published: status "Active", our anchor extension removed."""
    form = dict(obj)
    form["status"] = "Active"
    extensions = [e for e in obj.get("extensions", []) if not is_anchor_extension(e)]
    if extensions:
        form["extensions"] = extensions
    else:
        form.pop("extensions", None)
    return form


def anchor_hash(obj: Mapping[str, Any]) -> bytes:
    """keccak-256 of the RFC 8785 bytes of :func:`anchored_form` -- the hash on chain."""
    return document_hash(anchored_form(obj))


def _seconds(when: dt.datetime) -> int:
    return int(when.timestamp())


def anchor_period(obj: Mapping[str, Any]) -> tuple[int, int]:
    """The claim's period: the reference period, unix seconds (end rounded up, exclusive)."""
    start = parse_time(obj["pcf"]["referencePeriodStart"])
    end = parse_time(obj["pcf"]["referencePeriodEnd"])
    end_s = _seconds(end) + (1 if end.microsecond else 0)
    return _seconds(start), max(end_s, _seconds(start) + 1)


def anchor_claim(
    obj: Mapping[str, Any],
    *,
    firm: str,
    standard_version: int,
    nonce: int,
    deadline: int,
    supersedes: bytes = ZERO32,
) -> Claim:
    """The claim struct the firm signs to publish ``obj`` (see the module docstring)."""
    start, end = anchor_period(obj)
    return Claim(
        firm=firm,
        kind=ClaimKind.FOOTPRINT,
        standard_version=standard_version,
        period_start=start,
        period_end=end,
        document_hash=anchor_hash(obj),
        activity_root=PACT_MARKER,
        scope1=0,
        scope2_location=0,
        scope2_market=0,
        scope3=0,
        biogenic=0,
        nonce=nonce,
        deadline=deadline,
        supersedes=supersedes,
    )


# --- ListFootprints filters (PACT v3 § 5.6.2) ----------------------------------------------
@dataclass(frozen=True)
class Filters:
    """OR within a criterion, AND between criteria; matches are case-insensitive."""

    product_ids: Sequence[str] = ()
    company_ids: Sequence[str] = ()
    geography: Sequence[str] = ()
    classification: Sequence[str] = ()
    valid_on: dt.datetime | None = None
    valid_after: dt.datetime | None = None
    valid_before: dt.datetime | None = None
    status: str | None = None

    @property
    def narrows(self) -> bool:
        """Whether any criterion is given (an empty list is none)."""
        return any(getattr(self, f.name) for f in fields(self))


def _any(wanted: Sequence[str], have: Iterable[Any]) -> bool:
    if not wanted:
        return True
    have_l = {str(h).lower() for h in have}
    return any(w.lower() in have_l for w in wanted)


def matches(obj: Mapping[str, Any], f: Filters) -> bool:
    pcf = obj.get("pcf", {})
    geo = [
        pcf.get(k)
        for k in ("geographyCountry", "geographyCountrySubdivision", "geographyRegionOrSubregion")
        if pcf.get(k)
    ]
    if not (
        _any(f.product_ids, obj.get("productIds", []))
        and _any(f.company_ids, obj.get("companyIds", []))
        and _any(f.geography, geo)
        and _any(f.classification, obj.get("productClassifications", []))
    ):
        return False
    if f.status is not None and str(obj.get("status", "")).lower() != f.status.lower():
        return False
    if f.valid_on or f.valid_after or f.valid_before:
        start, end = validity(obj)
        if f.valid_on is not None and not start <= f.valid_on <= end:
            return False
        if f.valid_after is not None and not start > f.valid_after:
            return False
        if f.valid_before is not None and not end < f.valid_before:
            return False
    return True
