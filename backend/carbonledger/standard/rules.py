"""The rule set: every checker rule, and the tables that decide a line's scope and factor.

Pure data and one function. A rule set has a **level** (``cls-rules/1``, ``cls-rules/2``...)
that the checker dispatches on, so a claim filed under an old standard version is re-checked
with exactly the rules of that version. :func:`ruleset_document` describes a level completely
(rule ids, severities and titles; the line fields of every activity; the allowed scope/category
per activity and arrangement; the factor basis each line field accepts; the decimal context);
from level 2 on it is part of the standard's content hash (:mod:`.methodology`), and every
shipped version keeps a frozen copy of it beside its data (``data/versions/<v>/ruleset.json``)
that the loader compares with the code -- a change to any of these tables without a new
methodology version fails to load and fails ``tests/standard/test_versions.py``.

Levels:

* 1 -- the rules of methodology 1.0.0 (frozen).
* 2 -- methodology 1.1.0: transport activity (declared tkm, TRN004; TOC/HOC ids); a factor's
  basis must fit the line field (FAC005 on fuel, trip, electricity and heat lines, not only
  transport); a shipper may report its carrier's refrigerant leakage in Scope 3 cat. 4/9
  (purchased / not_paid_downstream refrigerant lines); a refrigerant line may declare its GWP
  with a source (GWP004); FAC004 on every dated factor, at the factor's path; a total whose
  lines could not all be computed is TOT004, not a TOT001 against a partial sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from carbonledger.standard.lines import lines_json_schema
from carbonledger.standard.numbers import CONTEXT

Severity = Literal["error", "warning"]
LATEST_LEVEL: Final = 3


@dataclass(frozen=True)
class Rule:
    """A checker rule: id, severity and what it checks."""

    id: str
    severity: Severity
    title: str


def _r(rule_id: str, severity: Severity, title: str) -> tuple[str, Rule]:
    return rule_id, Rule(rule_id, severity, title)


RULES: Final[dict[str, Rule]] = dict(
    [
        _r("STD001", "error", "claim names a different standard version than the one checking it"),
        _r("STD002", "error", "field not part of the rule set of the standard version"),
        _r("GWP001", "error", "GWP set not provided by the standard"),
        _r("GWP002", "warning", "factor's CO2e uses a different GWP set than the claim"),
        _r("GWP003", "error", "refrigerant gas not in the claim's GWP set"),
        _r("GWP004", "warning", "GWP value declared on the line (accepted, flagged)"),
        _r("GWP005", "error", "GWP declared on a line without its source"),
        _r("PER001", "error", "period ends before it starts"),
        _r("PER002", "error", "line date outside the reporting period"),
        _r("PER003", "warning", "reporting period longer than a year"),
        _r("BND001", "error", "equity share approach without equity_share_percent (0..100]"),
        _r("BND002", "error", "Scope 3 categories listed without scope 3 or vice versa"),
        _r("LINE001", "error", "duplicate line id"),
        _r("SCP001", "error", "line's scope/category outside the claim's boundary"),
        _r("SCP002", "error", "category missing on a scope 3 line or present on scope 1/2"),
        _r("SCP003", "error", "scope/category inconsistent with the activity and arrangement"),
        _r("FAC001", "error", "unknown factor id"),
        _r("FAC002", "warning", "claim-declared factor used (accepted, flagged)"),
        _r("FAC003", "error", "claim-declared factor id collides with a standard factor"),
        _r("FAC004", "warning", "factor year far from the reporting period"),
        _r("FAC005", "error", "factor of the wrong kind or basis for the line"),
        _r("UNIT001", "error", "quantity unit incompatible with the factor's unit"),
        _r("UNIT002", "warning", "volume/mass converted with a filer-stated density"),
        _r("TRN001", "error", "transport line needs exactly one of mass_t or teu"),
        _r("TRN002", "error", "WTT added to a well-to-wheel intensity (double count)"),
        _r("TRN003", "warning", "great-circle distance for a surface mode"),
        _r("TRN004", "error", "declared transport activity (tkm) differs from mass x distance"),
        _r("STO001", "error", "storage line needs exactly one of volume_m3 or pallets"),
        _r("SITE001", "error", "customer's share exceeds the whole site"),
        _r("SITE002", "error", "customers' allocated amounts exceed the whole site"),
        _r("SITE003", "error", "a line cannot be both one shipment's fuel and shared site energy"),
        _r("ALLOC001", "error", "trip allocation has no tonne-km basis"),
        _r("MKT001", "warning", "market-based instrument without a certificate reference"),
        _r("CALC001", "error", "declared line emissions differ from the recomputed figure"),
        _r("TOT001", "error", "declared total differs from the recomputed total"),
        _r("TOT002", "error", "a computed Scope 3 category is not declared"),
        _r("TOT004", "error", "a declared total cannot be recomputed: its lines have errors"),
        _r("TOT003", "error", "declared Scope 3 key is not a category number 1..15"),
        _r("BIO001", "error", "biogenic CO2 included in a scope total (must be apart)"),
        _r("OFF001", "warning", "offsets listed: reported apart, never netted"),
        _r("RED001", "error", "reduction checked without its baseline document"),
        _r("RED002", "error", "baseline document hash does not match the cited hash"),
        _r("RED003", "error", "baseline is not a footprint of the same firm"),
        _r("RED004", "error", "baseline computed under a different standard version"),
        _r("RED005", "error", "baseline has a different organisational boundary"),
        _r("RED006", "error", "covered scope/category missing or outside either boundary"),
        _r("RED007", "error", "declared reduction figure differs from the recomputed one"),
        _r("RED008", "error", "cited settlement not among the ledger's allocations"),
        _r("RED009", "error", "cited allocation differs from the ledger's allocation"),
        _r("RED010", "warning", "allocations not supplied; settlement citations unverified"),
        _r("RED011", "error", "baseline period does not precede the reduction period"),
        _r("RED012", "error", "baseline cannot be recomputed under this standard"),
        _r("RED013", "warning", "reduction line outside the covered scopes/categories"),
        _r("RED014", "error", "project-based reduction without project information"),
        _r("RED015", "warning", "settlement claim capped at the allocated share"),
        _r("RED016", "error", "settlement claims exceed the reduction"),
        _r("PRJ001", "warning", "project baseline scenario is declared, not recomputed"),
    ]
)


ADDED_IN: Final[Mapping[str, int]] = {"TRN004": 2, "GWP004": 2, "GWP005": 2, "TOT004": 2}
"""Rules a level introduced; a rule absent here exists from level 1 (STD002 guards level 1
against fields of later levels, which no document valid under level 1 can carry)."""


def rules_for(level: int) -> dict[str, Rule]:
    """The rules of one level."""
    return {k: r for k, r in RULES.items() if ADDED_IN.get(k, 1) <= level}


Allowed = Mapping[tuple[str, str], tuple[int, int | None]]

ALLOWED_1: Final[Allowed] = {
    ("fuel", "own"): (1, None),
    ("fuel", "purchased"): (3, 4),
    ("fuel", "not_paid_downstream"): (3, 9),
    ("trip", "own"): (1, None),
    ("trip", "purchased"): (3, 4),
    ("trip", "not_paid_downstream"): (3, 9),
    ("transport", "purchased"): (3, 4),
    ("transport", "not_paid_downstream"): (3, 9),
    ("hub", "purchased"): (3, 4),
    ("hub", "not_paid_downstream"): (3, 9),
    ("storage", "purchased"): (3, 4),
    ("storage", "not_paid_downstream"): (3, 9),
    ("site_share", "purchased"): (3, 4),
    ("site_share", "not_paid_downstream"): (3, 9),
}
ALLOWED_2: Final[Allowed] = {
    **ALLOWED_1,
    # a shipper's purchased transport data may include its carrier's refrigerant leakage
    # (Scope 3 cat. 4 / 9, fuel-based method); the carrier's own leakage stays scope 1
    ("refrigerant", "own"): (1, None),
    ("refrigerant", "purchased"): (3, 4),
    ("refrigerant", "not_paid_downstream"): (3, 9),
}
ALLOWED_3: Final[Allowed] = {
    **ALLOWED_2,
    # a supplier's product footprint (PACT) times the purchased quantity: cat. 1
    ("purchased_goods", "purchased"): (3, 1),
}
FIXED_SCOPE_1: Final[Mapping[str, int]] = {"electricity": 2, "heat": 2, "refrigerant": 1}
FIXED_SCOPE_2: Final[Mapping[str, int]] = {"electricity": 2, "heat": 2}

FACTOR_BASES_2: Final[Mapping[str, Mapping[str, frozenset[str]]]] = {
    "fuel": {"factor_id": frozenset({"TTW"}), "wtt_factor_id": frozenset({"WTT"})},
    "trip": {"factor_id": frozenset({"TTW"}), "wtt_factor_id": frozenset({"WTT"})},
    "electricity": {
        "factor_id": frozenset({"generation"}),
        "market.factor_id": frozenset({"generation"}),
        "td_factor_id": frozenset({"td_losses"}),
        "wtt_factor_id": frozenset({"WTT"}),
    },
    "heat": {"wtt_factor_id": frozenset({"WTT"})},
}
"""Level 2: the factor basis each line field accepts (transport lines: TRN002/FAC005 as in
level 1). A WTW factor on a fuel line would be reported as TTW and double count with a WTT."""

NEEDED_BASIS: Final[Mapping[str, str]] = {
    "TTW": "a combustion (tank-to-wheel) factor",
    "WTT": "a well-to-tank factor",
    "generation": "a generation factor",
    "td_losses": "a T&D-losses factor",
}


@dataclass(frozen=True)
class RuleSet:
    """The rules a standard version runs: its level and the tables of that level."""

    level: int
    rules: Mapping[str, Rule]
    allowed: Allowed
    fixed_scope: Mapping[str, int]
    factor_bases: Mapping[str, Mapping[str, frozenset[str]]]

    @property
    def id(self) -> str:
        """``cls-rules/<level>``."""
        return f"cls-rules/{self.level}"


def ruleset(level: int) -> RuleSet:
    """The rule set of ``level`` (1, 2 or 3)."""
    if level == 1:
        return RuleSet(1, rules_for(1), ALLOWED_1, FIXED_SCOPE_1, {})
    if level == 2:
        return RuleSet(2, rules_for(2), ALLOWED_2, FIXED_SCOPE_2, FACTOR_BASES_2)
    if level == 3:
        return RuleSet(3, rules_for(3), ALLOWED_3, FIXED_SCOPE_2, FACTOR_BASES_2)
    raise ValueError(f"unknown rule set level {level} (this code runs 1..{LATEST_LEVEL})")


def ruleset_document(level: int) -> dict[str, Any]:
    """Everything of a level that decides a figure or a finding, as a JSON object."""
    rs = ruleset(level)
    return {
        "id": rs.id,
        "rules": {k: {"severity": r.severity, "title": r.title} for k, r in rs.rules.items()},
        "lines": lines_json_schema(level),
        "allowed_scope": [
            {"activity": a, "arrangement": arr, "scope": s, "category": c}
            for (a, arr), (s, c) in sorted(rs.allowed.items())
        ],
        "fixed_scope": dict(sorted(rs.fixed_scope.items())),
        "factor_bases": {
            act: {k: sorted(v) for k, v in sorted(fields.items())}
            for act, fields in sorted(rs.factor_bases.items())
        },
        "decimal": {"precision": CONTEXT.prec, "rounding": CONTEXT.rounding},
    }
