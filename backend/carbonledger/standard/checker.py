"""The checker: recompute a claim under a standard and report every finding.

Public API::

    check(claim, standard, baseline=None, allocations=None) -> CheckReport
    reduction_figure(claim, standard, baseline, allocations=None) -> ReductionFigure
    RULES: dict[rule_id, Rule]          # every rule id, its severity and what it checks

``check`` never raises for problems in the claim's content: each becomes a :class:`Finding`
(rule id, severity ``error`` or ``warning``, JSON path, plain message). ``report.passed`` is true
when there is no error. The report is deterministic (no clock, no randomness): the same claim,
standard, baseline and allocations give the same canonical bytes and ``report_hash`` on every
machine, so the checker service can attest it on chain.

``allocations`` maps an overlap-settlement id (``0x`` + 64 hex) to the kgCO2e allocated to the
filing firm in that settlement, as recorded on the ledger; a reduction counts settlement-bought
reductions only up to those shares.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from operator import itemgetter, methodcaller
from typing import Any

from carbonledger.standard._perf import paused_gc
from carbonledger.standard.calc import (
    Calculator,
    LineError,
    LineResult,
    Totals,
    computed_run,
)
from carbonledger.standard.canonical import (
    canonical_bytes,
    canonical_lines,
    double_keccak_all,
    keccak256,
)
from carbonledger.standard.errors import StandardError
from carbonledger.standard.lines import ACTIVITIES_ADDED_IN, Line, fields_after, fields_present
from carbonledger.standard.merkle import root_from_leaves
from carbonledger.standard.methodology import Standard
from carbonledger.standard.models import Claim, FootprintClaim, ReductionClaim, private_state
from carbonledger.standard.numbers import CONTEXT, ZERO, fmt, quantize, to_int_kg
from carbonledger.standard.rules import RULES, Allowed, Rule, Severity
from carbonledger.standard.transport import line_distance, line_tkm

REPORT_SCHEMA = "carbonledger.check-report/1"


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding: rule id, severity, JSON path and a plain message."""

    rule: str
    severity: Severity
    path: str
    message: str

    def to_json_obj(self) -> dict[str, str]:
        """JSON form: the four fields by name (all strings; ``asdict`` would deep-copy them,
        a quarter of the report hash's cost)."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "message": self.message,
        }


@dataclass(frozen=True)
class ReductionFigure:
    """A reduction as recomputed: gross (baseline - current) and counted (after settlement caps)."""

    method: str
    baseline_kgco2e: Decimal
    current_kgco2e: Decimal
    gross_kgco2e: Decimal
    counted_kgco2e: Decimal

    @property
    def onchain_kgco2e(self) -> int:
        """The counted reduction rounded half-even once to whole kgCO2e (goes on chain)."""
        return to_int_kg(self.counted_kgco2e)

    def to_json_obj(self, quantum: Decimal) -> dict[str, Any]:
        """JSON form, rounded to ``quantum``."""
        return {
            "method": self.method,
            "reported_apart": self.method == "project",
            "baseline_kgco2e": fmt(quantize(self.baseline_kgco2e, quantum)),
            "current_kgco2e": fmt(quantize(self.current_kgco2e, quantum)),
            "gross_kgco2e": fmt(quantize(self.gross_kgco2e, quantum)),
            "counted_kgco2e": fmt(quantize(self.counted_kgco2e, quantum)),
            "onchain_kgco2e": self.onchain_kgco2e,
        }


@dataclass(frozen=True)
class CheckReport:
    """The checker's report; ``canonical_bytes(report)`` and ``report_hash`` are attestable."""

    passed: bool
    findings: tuple[Finding, ...]
    kind: str
    claim_id: str | None
    firm: str
    standard_version: str
    standard_hash: bytes
    document_hash: bytes
    lines_root: bytes
    line_count: int
    totals: Mapping[str, Any] | None
    reduction: Mapping[str, Any] | None = None
    onchain: Mapping[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """Findings of severity error."""
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Findings of severity warning."""
        return tuple(f for f in self.findings if f.severity == "warning")

    def canonical_object(self) -> dict[str, Any]:
        """The report as a JSON object (hashed by :attr:`report_hash`)."""
        obj: dict[str, Any] = {
            "schema": REPORT_SCHEMA,
            "standard": {
                "version_id": self.standard_version,
                "content_hash": "0x" + self.standard_hash.hex(),
            },
            "document": {
                "kind": self.kind,
                "firm": self.firm,
                "document_hash": "0x" + self.document_hash.hex(),
                "lines_root": "0x" + self.lines_root.hex(),
                "line_count": self.line_count,
            },
            "passed": self.passed,
            "error_count": len(self.errors),
            "warning_count": len(self.warnings),
            "findings": [f.to_json_obj() for f in self.findings],
            "onchain_kgco2e": dict(self.onchain),
        }
        if self.claim_id is not None:
            obj["document"]["claim_id"] = self.claim_id
        if self.totals is not None:
            obj["totals"] = dict(self.totals)
        if self.reduction is not None:
            obj["reduction"] = dict(self.reduction)
        return obj

    @property
    def report_hash(self) -> bytes:
        """keccak-256 of the report's canonical bytes."""
        return keccak256(canonical_bytes(self))


class _Sink:
    def __init__(self) -> None:
        self.items: list[Finding] = []

    def add(self, rule: str, path: str, message: str) -> None:
        self.items.append(Finding(rule, RULES[rule].severity, path, message))


_FACTOR_KEYS = ("factor_id", "wtt_factor_id", "td_factor_id")


def _scope_name(scope: int, category: int | None) -> str:
    return f"scope {scope}" + (f" category {category}" if category is not None else "")


def _differs(standard: Standard, declared: Decimal, computed: Decimal) -> bool:
    return abs(declared - computed) > standard.tolerance(computed)


def _show(standard: Standard, value: Decimal) -> str:
    return fmt(quantize(value, standard.report_quantum))


def _scope_problems(
    line_scope: int,
    category: int | None,
    activity: str,
    arrangement: str | None,
    boundary_scopes: frozenset[int],
    boundary_cats: frozenset[int],
    allowed: Allowed,
    fixed_scope: Mapping[str, int],
) -> tuple[tuple[str, str, str], ...]:
    """(rule, field, message) for a line's scope/category; memoised by the caller per key."""
    out: list[tuple[str, str, str]] = []
    if line_scope == 3 and category is None:
        return ()  # SCP002 is raised by the calculator with the line
    if line_scope != 3 and category is not None:
        return (("SCP002", "category", "only scope 3 lines carry a category"),)
    fixed = fixed_scope.get(activity)
    if fixed is not None and line_scope != fixed:
        out.append(
            (
                "SCP003",
                "scope",
                f"a {activity} line is scope {fixed}, not {_scope_name(line_scope, category)}",
            )
        )
    elif activity != "spend" and fixed is None:
        expected = allowed.get((activity, arrangement or "own"))
        if expected is None:
            out.append(
                (
                    "SCP003",
                    "arrangement",
                    f"a {activity} line cannot be arranged as {arrangement or 'own'}: own "
                    "vehicles and sites are reported fuel- or energy-based",
                )
            )
        elif (line_scope, category) != expected:
            out.append(
                (
                    "SCP003",
                    "scope",
                    f"a {activity} line arranged as {arrangement or 'own'} is "
                    f"{_scope_name(*expected)}, not {_scope_name(line_scope, category)}",
                )
            )
    if line_scope not in boundary_scopes:
        out.append(("SCP001", "scope", f"scope {line_scope} is outside the boundary"))
    elif category is not None and category not in boundary_cats:
        out.append(("SCP001", "category", f"Scope 3 category {category} is outside the boundary"))
    return tuple(out)


def _document_bytes(claim: Claim, line_bytes: list[bytes]) -> bytes:
    """Canonical bytes of the whole claim, reusing the lines' canonical bytes.

    The members named before ``"lines"`` and those after it are canonicalised as two objects
    (two calls instead of one per name and value) and joined around the lines: the names are
    the model's, all ASCII, so code-point order is the canonical order."""
    raw = claim.canonical_object()
    before = {k: v for k, v in raw.items() if k < "lines"}
    after = {k: v for k, v in raw.items() if k > "lines"}
    parts = [canonical_bytes(before)[1:-1]]
    if "lines" in raw:
        parts.append(b'"lines":[' + b",".join(line_bytes) + b"]")
    parts.append(canonical_bytes(after)[1:-1])
    return b"{" + b",".join(p for p in parts if p) + b"}"


def claim_hashes(claim: Claim) -> tuple[bytes, bytes]:
    """The document hash (:func:`~carbonledger.standard.canonical.document_hash`) and the
    lines' Merkle root (:func:`~carbonledger.standard.merkle.merkle_root`) of a parsed claim,
    from one canonicalisation of its lines. Remembered on the (immutable) parsed document:
    the claim service builds the struct and then checks the same document, and both need
    them."""
    state = private_state(claim)
    known: tuple[bytes, bytes] | None = state["_hashes"]
    if known is None:
        line_bytes = canonical_lines([line.raw for line in claim.lines])
        known = (
            keccak256(_document_bytes(claim, line_bytes)),
            root_from_leaves(double_keccak_all(line_bytes)),
        )
        state["_hashes"] = known
    return known


def _replay(results: list[LineResult]) -> Callable[[Line], LineResult]:
    """``Calculator.line`` for lines already computed, in order."""
    following = iter(results).__next__
    return lambda line: following()


def _run_lines(
    claim: Claim, standard: Standard, sink: _Sink
) -> tuple[Calculator, list[LineResult]]:
    """Recompute every line, collecting findings; returns the calculator and the results.

    When :func:`~carbonledger.standard.calc.compute` computed every line of this document
    under this standard a moment before, its calculator and line results are taken (once)
    instead: the lines are computed in the same order by the same code, so the results and
    the calculator's state are what this loop would make."""
    computed = computed_run(claim, standard)
    private_state(claim)["_computed"] = None  # taken once
    if computed is not None:
        calc: Calculator = computed[0]
        compute_line: Callable[[Line], LineResult] = _replay(computed[1])
    else:
        calc = Calculator(claim, standard)
        compute_line = calc.line
    for i, fid in calc.collisions:
        sink.add(
            "FAC003",
            f"factors[{i}].id",
            f"{fid!r} is a factor of the standard; declare your own factor under a new id",
        )
    b = claim.boundary
    scopes = frozenset(b.scopes)
    cats = frozenset(b.scope3_categories)
    start, end = claim.period.start, claim.period.end
    seen: set[str] = set()
    seen_add = seen.add
    scope_memo: dict[tuple[int, int | None, str, str | None], tuple[tuple[str, str, str], ...]]
    scope_memo = {}
    results: list[LineResult] = []
    append = results.append
    tolerance_abs = standard.tolerance_absolute
    rule_set = standard.rule_set
    level = rule_set.level
    later_fields = fields_after(level)  # empty at the latest level
    with localcontext(CONTEXT):
        for line in claim.lines:
            v = line.v
            later = later_fields.get(line.activity) if later_fields else None
            if ACTIVITIES_ADDED_IN.get(line.activity, 1) > level:
                sink.add(
                    "STD002",
                    f"{line.path}.activity",
                    f"{line.activity} lines are not part of {rule_set.id} (standard "
                    f"{standard.version_id}); file the claim under a later version",
                )
            if later:
                for name in fields_present(line, later):
                    sink.add(
                        "STD002",
                        f"{line.path}.{name}",
                        f"{name} is not a field of {line.activity} lines in {rule_set.id} "
                        f"(standard {standard.version_id}); file the claim under a later "
                        "version",
                    )
            n_seen = len(seen)
            seen_add(line.id)
            if len(seen) == n_seen:
                sink.add("LINE001", f"{line.path}.id", f"line id {line.id!r} is used twice")
            key = (line.scope, line.category, line.activity, v.get("arrangement"))
            problems = scope_memo.get(key)
            if problems is None:
                problems = scope_memo[key] = _scope_problems(
                    *key, scopes, cats, rule_set.allowed, rule_set.fixed_scope
                )
            for rule, fld, message in problems:
                sink.add(rule, f"{line.path}.{fld}", message)
            d: date | None = v.get("date")
            if d is not None and not start <= d <= end:
                sink.add("PER002", f"{line.path}.date", f"{d} is outside {start}..{end}")
            try:
                r = compute_line(line)
            except LineError as exc:
                sink.add(exc.rule, exc.path, exc.message)
                if level >= 2:
                    calc.failed.append(line)
                continue
            append(r)
            if level >= 2 and line.activity == "refrigerant" and "gwp" in v:
                _declared_gwp(claim, line, sink)
            if line.declared is not None:
                diff = abs(line.declared - r.emissions)
                if diff > tolerance_abs and diff > standard.tolerance(r.emissions):
                    sink.add(
                        "CALC001",
                        f"{line.path}.declared_kgco2e",
                        f"declared {fmt(line.declared)} kgCO2e, recomputed "
                        f"{_show(standard, r.emissions)} kgCO2e",
                    )
            if r.upstream_cat3 and 3 not in cats:
                fld = "wtt_factor_id" if "wtt_factor_id" in v else "td_factor_id"
                sink.add(
                    "SCP001",
                    f"{line.path}.{fld}",
                    "upstream (WTT / T&D) emissions go to Scope 3 category 3, which is "
                    "outside the boundary",
                )
            m = v.get("market")
            if m is not None and m["instrument"] != "residual_mix" and "certificate_ref" not in m:
                sink.add(
                    "MKT001",
                    f"{line.path}.market",
                    f"{m['instrument']} claimed without a certificate_ref",
                )
            if line.activity == "transport":
                if v["distance_basis"] == "great_circle" and v["mode"] != "air":
                    sink.add(
                        "TRN003",
                        f"{line.path}.distance_basis",
                        "great-circle distance for a surface mode understates the route; "
                        "prefer actual or shortest feasible distance",
                    )
                if level >= 2 and "declared_tkm" in v:
                    _check_tkm(standard, line, sink)
            elif level >= 2 and line.activity == "trip":
                for j, ship in enumerate(v["shipments"]):
                    if "declared_tkm" in ship:
                        tkm = ship["mass_t"] * ship["distance_km"]
                        if _differs(standard, ship["declared_tkm"], tkm):
                            sink.add(
                                "TRN004",
                                f"{line.path}.shipments[{j}].declared_tkm",
                                f"declared {fmt(ship['declared_tkm'])} tkm, but "
                                f"{fmt(ship['mass_t'])} t x {fmt(ship['distance_km'])} km = "
                                f"{fmt(tkm)} tkm",
                            )
    return calc, results


def _declared_gwp(claim: Claim, line: Line, sink: _Sink) -> None:
    """GWP004: a refrigerant line's own GWP, accepted and flagged (the source is required)."""
    v = line.v
    source = v.get("gwp_source", "")
    sink.add(
        "GWP004",
        f"{line.path}.gwp",
        f"GWP {fmt(v['gwp'])} declared for {v['gas']!r} (source: {source}) used instead of "
        f"the {claim.gwp_set} set; accepted but not part of the standard",
    )


def _check_tkm(standard: Standard, line: Line, sink: _Sink) -> None:
    """TRN004: a transport line's declared tonne-km against mass x distance (+ air uplift)."""
    v = line.v
    declared: Decimal = v["declared_tkm"]
    path = f"{line.path}.declared_tkm"
    tkm = line_tkm(line, standard)
    if tkm is None:
        sink.add("TRN004", path, "a TEU-based line has no tonne-km; give mass_t to declare tkm")
        return
    if _differs(standard, declared, tkm):
        distance = line_distance(line, standard)
        uplift = "" if distance == v["distance_km"] else " (great-circle + uplift)"
        sink.add(
            "TRN004",
            path,
            f"declared {fmt(declared)} tkm, but {fmt(v['mass_t'])} t x {fmt(distance)} km"
            f"{uplift} = {fmt(tkm)} tkm",
        )


def _factor_findings(claim: Claim, standard: Standard, calc: Calculator, sink: _Sink) -> None:
    declared_index = {d.id: i for i, d in enumerate(claim.factors)}
    year = claim.period.start.year
    declared_used = {fid for fid in calc.used if calc.factors[fid].declared_in_claim}
    counts: dict[str, int] = {}
    if declared_used:
        # lines citing each declared factor (once per field citing it): the tallies run in C
        # (Counter over map), not in a Python loop over every line
        values = [line.v for line in claim.lines]
        tally: Counter[Any] = Counter()
        for key in _FACTOR_KEYS:
            tally.update(map(methodcaller("get", key), values))
        markets = [m for m in map(methodcaller("get", "market"), values) if m is not None]
        tally.update(map(itemgetter("factor_id"), markets))
        counts = {fid: tally[fid] for fid in declared_used}
    for fid in sorted(calc.used):
        f = calc.factors[fid]
        n = counts.get(fid, 0)
        if f.declared_in_claim:
            sink.add(
                "FAC002",
                f"factors[{declared_index[fid]}]",
                f"claim-declared factor {fid!r} ({fmt(f.value)} {f.unit}, source: "
                f"{f.source.get('document', '')}) used by {n} line(s); accepted but not "
                "part of the standard",
            )
        if f.gwp_basis not in ("none", claim.gwp_set):
            sink.add(
                "GWP002",
                f"factors[{declared_index[fid]}]" if f.declared_in_claim else "gwp_set",
                f"factor {fid!r} expresses CO2e with {f.gwp_basis} GWPs; the claim uses "
                f"{claim.gwp_set}",
            )
        if standard.rule_set.level >= 2:
            if f.dated and abs(f.year - year) > standard.factor_age_warning_years:
                where = (
                    f"factors[{declared_index[fid]}].year"
                    if f.declared_in_claim
                    else calc.first_use.get(fid, "period.start")
                )
                sink.add(
                    "FAC004",
                    where,
                    f"factor {fid!r} is for {f.year}, more than "
                    f"{standard.factor_age_warning_years} years from the period ({year})",
                )
        elif f.time_sensitive and abs(f.year - year) > standard.factor_age_warning_years:
            sink.add(
                "FAC004",
                "period.start",
                f"factor {fid!r} is for {f.year}, more than "
                f"{standard.factor_age_warning_years} years from the period ({year})",
            )
    if calc.density_lines:
        first = calc.density_lines[0]
        sink.add(
            "UNIT002",
            f"lines[{first}].density_kg_per_l",
            f"{len(calc.density_lines)} line(s) convert volume and mass with a filer-stated "
            "density",
        )


def _envelope_findings(claim: Claim, standard: Standard, sink: _Sink) -> None:
    if claim.standard_version != standard.version_id:
        sink.add(
            "STD001",
            "standard_version",
            f"claim names {claim.standard_version!r}; checked against {standard.version_id!r}",
        )
    if claim.gwp_set not in standard.gwp_sets:
        sink.add("GWP001", "gwp_set", f"{claim.gwp_set} not in {sorted(standard.gwp_sets)}")
    p = claim.period
    if p.end < p.start:
        sink.add("PER001", "period.end", f"{p.end} is before {p.start}")
    elif (p.end - p.start).days > 366:
        sink.add("PER003", "period", f"{(p.end - p.start).days + 1} days")
    b = claim.boundary
    if b.organisational == "equity_share":
        pct = b.equity_share_percent
        if pct is None or not 0 < pct <= 100:
            sink.add(
                "BND001",
                "boundary.equity_share_percent",
                "the equity share approach needs a percentage in (0, 100]",
            )
    if (3 in b.scopes) != bool(b.scope3_categories):
        sink.add(
            "BND002",
            "boundary.scope3_categories",
            "list the Scope 3 categories included exactly when scope 3 is included",
        )


def _failed_totals(failed: list[Line]) -> dict[str, list[Line]]:
    """Declared totals (``scope1``, ``scope3.4``...) that lines which could not be computed
    would have contributed to."""
    out: dict[str, list[Line]] = {}
    for line in failed:
        names: list[str] = []
        if line.scope == 1:
            names.append("scope1")
        elif line.scope == 2:
            names += ["scope2_location", "scope2_market"]
        elif line.category is not None:
            names.append(f"scope3.{line.category}")
        if line.scope != 3 and ("wtt_factor_id" in line.v or "td_factor_id" in line.v):
            names.append("scope3.3")
        for name in names:
            out.setdefault(name, []).append(line)
    return out


def _total_findings(
    claim: FootprintClaim, standard: Standard, totals: Totals, sink: _Sink, failed: list[Line]
) -> None:
    d = claim.declared
    pairs = (
        ("scope1", d.scope1, totals.scope1),
        ("scope2_location", d.scope2_location, totals.scope2_location),
        ("scope2_market", d.scope2_market, totals.scope2_market),
        ("biogenic_co2", d.biogenic_co2, totals.biogenic_co2),
    )
    partial = _failed_totals(failed)
    for name, lines in partial.items():
        sink.add(
            "TOT004",
            f"declared.{name}",
            f"{len(lines)} line(s) of this total could not be computed (first: "
            f"{lines[0].path}); the declared total is not compared with a partial sum",
        )
    for name, declared, computed in pairs:
        if name in partial:
            continue
        if _differs(standard, declared, computed):
            sink.add(
                "TOT001",
                f"declared.{name}",
                f"declared {fmt(declared)} kgCO2e, recomputed {_show(standard, computed)} kgCO2e",
            )
    bio = totals.biogenic_co2
    if (
        bio
        and _differs(standard, d.scope1, totals.scope1)
        and not _differs(standard, d.scope1, totals.scope1 + bio)
    ):
        sink.add(
            "BIO001",
            "declared.scope1",
            "the declared scope 1 equals the recomputed scope 1 plus biogenic CO2; "
            "biogenic CO2 is reported apart, never in a scope",
        )
    declared_cats: dict[int, Decimal] = {}
    for key, value in d.scope3.items():
        if not key.isdigit() or not 1 <= int(key) <= 15 or key != str(int(key)):
            sink.add("TOT003", f"declared.scope3.{key}", "keys are category numbers '1'..'15'")
            continue
        declared_cats[int(key)] = value
    for cat in sorted(set(declared_cats) | set(totals.scope3)):
        if f"scope3.{cat}" in partial:
            continue
        computed = totals.scope3.get(cat, ZERO)
        if cat not in declared_cats:
            if computed:
                sink.add(
                    "TOT002",
                    f"declared.scope3.{cat}",
                    f"category {cat} is {_show(standard, computed)} kgCO2e but not declared",
                )
            continue
        if _differs(standard, declared_cats[cat], computed):
            sink.add(
                "TOT001",
                f"declared.scope3.{cat}",
                f"declared {fmt(declared_cats[cat])} kgCO2e, recomputed "
                f"{_show(standard, computed)} kgCO2e",
            )
    if claim.offsets:
        sink.add(
            "OFF001",
            "offsets",
            f"{len(claim.offsets)} offset(s) listed; reported apart and never netted "
            "against the inventory",
        )


def _bucket_sum(totals: Totals, covered: list[tuple[int, int | None]]) -> Decimal:
    total = ZERO
    for scope, cat in covered:
        if scope == 1:
            total += totals.scope1
        elif scope == 2:
            total += totals.scope2_market  # scope 2 reductions use the market-based figure
        elif cat is not None:
            total += totals.scope3.get(cat, ZERO)
    return total


def _reduction(
    claim: ReductionClaim,
    standard: Standard,
    totals: Totals,
    results: list[LineResult],
    baseline: Claim | None,
    allocations: Mapping[str, Decimal] | None,
    sink: _Sink,
) -> ReductionFigure | None:
    if baseline is None:
        sink.add(
            "RED001", "baseline", "supply the baseline footprint document to check a reduction"
        )
        return None
    bpath = "baseline.document_hash"
    bhash = "0x" + keccak256(canonical_bytes(baseline)).hex()
    if bhash != claim.baseline.document_hash:
        sink.add(
            "RED002",
            bpath,
            f"cited {claim.baseline.document_hash}, supplied document hashes to {bhash}",
        )
    if not isinstance(baseline, FootprintClaim):
        sink.add("RED003", bpath, "the baseline must be a footprint claim")
        return None
    if baseline.firm.address.lower() != claim.firm.address.lower():
        sink.add(
            "RED003",
            bpath,
            f"baseline belongs to {baseline.firm.address}, not {claim.firm.address}",
        )
    if baseline.standard_version != claim.standard_version:
        sink.add(
            "RED004",
            bpath,
            f"baseline uses {baseline.standard_version!r}, reduction "
            f"uses {claim.standard_version!r}",
        )
    if baseline.boundary.organisational != claim.boundary.organisational:
        sink.add(
            "RED005",
            "boundary.organisational",
            f"baseline uses "
            f"{baseline.boundary.organisational}, reduction uses "
            f"{claim.boundary.organisational}",
        )
    if baseline.period.end >= claim.period.start:
        sink.add(
            "RED011",
            "period.start",
            f"baseline period ends {baseline.period.end}, not before {claim.period.start}",
        )
    base_sink = _Sink()
    _, base_results = _run_lines(baseline, standard, base_sink)
    base_errors = [f for f in base_sink.items if f.severity == "error"]
    if base_errors:
        sink.add(
            "RED012",
            bpath,
            f"baseline has {len(base_errors)} line error(s), first: "
            f"{base_errors[0].path}: {base_errors[0].message}",
        )
    base_calc = Calculator(baseline, standard)
    with localcontext(CONTEXT):
        for line in baseline.lines:
            try:
                base_calc.line(line)
            except (LineError, StandardError):
                continue
    base_totals = base_calc.totals([])
    del base_results

    if claim.method == "project":
        if claim.project is None:
            sink.add("RED014", "project", "a project-based reduction needs project information")
            return None
        sink.add(
            "PRJ001",
            "project.baseline_scenario_kgco2e",
            "the project's baseline scenario is declared by the filer and not recomputed; "
            "project-based reductions are reported apart from the inventory",
        )
        current = sum((r.emissions + r.upstream_cat3 for r in results), ZERO)
        base_value = claim.project.baseline_scenario_kgco2e
    else:
        covered: list[tuple[int, int | None]] = []
        if not claim.covered:
            sink.add("RED006", "covered", "list the scopes/categories the reduction covers")
        for i, c in enumerate(claim.covered):
            key = (c.scope, c.category)
            if (c.scope == 3) != (c.category is not None):
                sink.add("RED006", f"covered[{i}]", "scope 3 needs a category; scopes 1/2 none")
                continue
            for who, b in (("reduction", claim.boundary), ("baseline", baseline.boundary)):
                if c.scope not in b.scopes or (
                    c.category is not None and c.category not in b.scope3_categories
                ):
                    sink.add(
                        "RED006",
                        f"covered[{i}]",
                        f"{_scope_name(*key)} is outside the {who}'s boundary",
                    )
            covered.append(key)
        cov = set(covered)
        for r in results:
            if (r.scope, r.category) not in cov:
                sink.add(
                    "RED013",
                    f"lines[{r.line_index}]",
                    f"{_scope_name(r.scope, r.category)} is not covered; ignored",
                )
        current = _bucket_sum(totals, covered)
        base_value = _bucket_sum(base_totals, covered)
    gross = base_value - current
    counted = gross
    claimed_total = ZERO
    if claim.settlements and allocations is None:
        sink.add("RED010", "settlements", "the ledger's settlement allocations were not supplied")
    for i, s in enumerate(claim.settlements):
        allocated = s.allocated_kgco2e
        if allocations is not None:
            if s.settlement_id not in allocations:
                sink.add(
                    "RED008",
                    f"settlements[{i}].settlement_id",
                    f"settlement {s.settlement_id} has no allocation to this firm",
                )
                allocated = ZERO
            elif allocations[s.settlement_id] != s.allocated_kgco2e:
                allocated = allocations[s.settlement_id]
                sink.add(
                    "RED009",
                    f"settlements[{i}].allocated_kgco2e",
                    f"cited {fmt(s.allocated_kgco2e)} kgCO2e, the ledger allocates "
                    f"{fmt(allocated)} kgCO2e",
                )
        claimed_total += s.claimed_kgco2e
        if s.claimed_kgco2e > allocated:
            excess = s.claimed_kgco2e - allocated
            counted -= excess
            sink.add(
                "RED015",
                f"settlements[{i}].claimed_kgco2e",
                f"claimed {fmt(s.claimed_kgco2e)} kgCO2e through the settlement, counted "
                f"only up to the allocated {fmt(allocated)} kgCO2e",
            )
    if claimed_total > gross:
        sink.add(
            "RED016",
            "settlements",
            f"settlement claims {fmt(claimed_total)} kgCO2e exceed "
            f"the reduction {_show(standard, gross)} kgCO2e",
        )
    fig = ReductionFigure(claim.method, base_value, current, gross, counted)
    d = claim.declared
    for name, declared, computed in (
        ("reduction_kgco2e", d.reduction_kgco2e, counted),
        ("baseline_kgco2e", d.baseline_kgco2e, base_value),
        ("current_kgco2e", d.current_kgco2e, current),
    ):
        if declared is not None and _differs(standard, declared, computed):
            sink.add(
                "RED007",
                f"declared.{name}",
                f"declared {fmt(declared)} kgCO2e, recomputed {_show(standard, computed)} kgCO2e",
            )
    return fig


def _normalise_allocations(
    allocations: Mapping[str, Decimal | int | str] | None,
) -> dict[str, Decimal] | None:
    if allocations is None:
        return None
    out: dict[str, Decimal] = {}
    for key, value in allocations.items():
        if isinstance(value, float):
            raise StandardError(f"allocation {key}: binary floats are not allowed")
        out[key.lower()] = value if isinstance(value, Decimal) else Decimal(value)
    return out


def check(
    claim: Claim,
    standard: Standard,
    baseline: Claim | None = None,
    allocations: Mapping[str, Decimal | int | str] | None = None,
) -> CheckReport:
    """Check ``claim`` under ``standard``; see the module docstring and :data:`RULES`."""
    with paused_gc():
        return _check(claim, standard, baseline, allocations)


def _check(
    claim: Claim,
    standard: Standard,
    baseline: Claim | None,
    allocations: Mapping[str, Decimal | int | str] | None,
) -> CheckReport:
    sink = _Sink()
    _envelope_findings(claim, standard, sink)
    calc, results = _run_lines(claim, standard, sink)
    _factor_findings(claim, standard, calc, sink)
    totals = calc.totals(results)
    totals_json: dict[str, Any] | None = None
    reduction_json: dict[str, Any] | None = None
    onchain: dict[str, int]
    if isinstance(claim, FootprintClaim):
        _total_findings(claim, standard, totals, sink, calc.failed)
        totals_json = totals.totals_json()
        onchain = dict(totals_json["onchain_kgco2e"])  # ``vars(totals.onchain())``, made once
    else:
        fig = _reduction(
            claim, standard, totals, results, baseline, _normalise_allocations(allocations), sink
        )
        if fig is not None:
            reduction_json = fig.to_json_obj(standard.report_quantum)
            key = "project_reduction" if fig.method == "project" else "inventory_reduction"
            onchain = {key: fig.onchain_kgco2e}
        else:
            onchain = {}
    doc_hash, root = claim_hashes(claim)
    findings = tuple(sink.items)
    return CheckReport(
        passed=not any(f.severity == "error" for f in findings),
        findings=findings,
        kind=claim.kind,
        claim_id=claim.claim_id,
        firm=claim.firm.address,
        standard_version=standard.version_id,
        standard_hash=standard.content_hash,
        document_hash=doc_hash,
        lines_root=root,
        line_count=len(claim.lines),
        totals=totals_json,
        reduction=reduction_json,
        onchain=onchain,
    )


def reduction_figure(
    claim: ReductionClaim,
    standard: Standard,
    baseline: Claim,
    allocations: Mapping[str, Decimal | int | str] | None = None,
) -> ReductionFigure:
    """The recomputed reduction (gross and counted); raises if it cannot be computed."""
    sink = _Sink()
    calc, results = _run_lines(claim, standard, sink)
    fig = _reduction(
        claim,
        standard,
        calc.totals(results),
        results,
        baseline,
        _normalise_allocations(allocations),
        sink,
    )
    if fig is None:
        raise StandardError("; ".join(f"{f.path}: {f.message}" for f in sink.items))
    return fig


__all__ = [
    "RULES",
    "CheckReport",
    "Finding",
    "ReductionFigure",
    "Rule",
    "check",
    "reduction_figure",
]
