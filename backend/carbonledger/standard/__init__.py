"""The unified calculation standard of CarbonLedger (issue 4).

Pure domain: no I/O except :func:`load_default_standard`, which reads the versioned factor tables
shipped as package data. Stable public API (other packages import from here only)::

    # documents
    FootprintClaim, ReductionClaim, Claim                 # pydantic models, ``kind`` discriminated
    parse_claim(obj | bytes | str) -> Claim               # raises ClaimFormatError (field paths)
    claim_json_schema() -> dict                           # JSON Schema of claim documents
    canonical_bytes(model_or_obj) -> bytes                # RFC 8785 (JCS)
    document_hash(model_or_obj) -> bytes                  # keccak-256 of canonical bytes (32 B)
    # Merkle tree of lines (OpenZeppelin MerkleProof-compatible, sorted-pair hashing,
    # leaf = keccak256(keccak256(canonical line)))
    line_leaves(lines) -> list[bytes]; merkle_root(lines) -> bytes
    merkle_proof(lines, index) -> list[bytes]; verify_proof(proof, root, leaf_or_line) -> bool
    # the standard
    load_default_standard() -> Standard                   # .version_id, .content_hash (bytes32)
    # every published version stays runnable (data/versions/<v>/, frozen and pinned)
    load_version("1.0.0") -> Standard; shipped_versions(); current_version()
    standard_named(version_id) -> Standard | None         # the version a claim names
    standard_by_content_hash(bytes32) -> Standard | None  # the version registered on chain
    compute(claim, standard) -> Totals                    # per line, per scope/category, biogenic
    onchain_totals(claim, standard) -> OnchainTotals      # ints (kgCO2e): scope1, scope2_location,
                                                          # scope2_market, scope3, biogenic_co2
    check(claim, standard, baseline=None, allocations=None) -> CheckReport
        # .passed, .findings (rule, severity, path, message), .report_hash,
        # canonical_bytes(report); .onchain {"inventory_reduction" | "project_reduction": int}
    reduction_figure(claim, standard, baseline, allocations=None) -> ReductionFigure
    allocate(whole, weights, quantum) -> list[Decimal]    # parts sum back exactly
    # transport activity and intensity (ISO 14083 / GLEC v3 / iLEAP TCE, TOC, HOC)
    transport_activity(claim, standard, totals=None) -> TransportReport
        # .lines, .shipments, .tocs, .hocs (tkm, TTW/WTT/WTW, kgCO2e/tkm), .to_json_obj()
    shipment_footprint(claim, standard, shipment_ref, totals=None) -> ShipmentFootprint
    RULES                                                 # rule id -> Rule(severity, title)

Errors: everything raised derives from :class:`StandardError`.
"""

from carbonledger.standard.allocation import allocate
from carbonledger.standard.calc import (
    SCOPE3_NAMES,
    LineResult,
    OnchainTotals,
    ShipmentShare,
    Totals,
    compute,
    computed_lines,
    onchain_totals,
)
from carbonledger.standard.canonical import canonical_bytes, document_hash, keccak256
from carbonledger.standard.checker import (
    RULES,
    CheckReport,
    Finding,
    ReductionFigure,
    Rule,
    check,
    claim_hashes,
    reduction_figure,
)
from carbonledger.standard.errors import (
    AllocationError,
    CanonicalizationError,
    ClaimFormatError,
    FactorTableError,
    FieldProblem,
    FloatNotAllowedError,
    MerkleError,
    StandardError,
    UnitMismatchError,
    UnknownFactorError,
)
from carbonledger.standard.factors import Factor, GwpSet
from carbonledger.standard.lines import Line
from carbonledger.standard.loader import (
    current_version,
    load_default_standard,
    load_version,
    shipped_standards,
    shipped_versions,
    standard_by_content_hash,
    standard_named,
)
from carbonledger.standard.merkle import line_leaves, merkle_proof, merkle_root, verify_proof
from carbonledger.standard.methodology import Standard, build_standard
from carbonledger.standard.models import Claim, FootprintClaim, ReductionClaim, parse_claim
from carbonledger.standard.schema import claim_json_schema
from carbonledger.standard.transport import (
    ShipmentFootprint,
    TransportReport,
    shipment_footprint,
    transport_activity,
)

__all__ = [
    "RULES",
    "SCOPE3_NAMES",
    "AllocationError",
    "CanonicalizationError",
    "CheckReport",
    "Claim",
    "ClaimFormatError",
    "Factor",
    "FactorTableError",
    "FieldProblem",
    "Finding",
    "FloatNotAllowedError",
    "FootprintClaim",
    "GwpSet",
    "Line",
    "LineResult",
    "MerkleError",
    "OnchainTotals",
    "ReductionClaim",
    "ReductionFigure",
    "Rule",
    "ShipmentFootprint",
    "ShipmentShare",
    "Standard",
    "StandardError",
    "Totals",
    "TransportReport",
    "UnitMismatchError",
    "UnknownFactorError",
    "allocate",
    "build_standard",
    "canonical_bytes",
    "check",
    "claim_hashes",
    "claim_json_schema",
    "compute",
    "computed_lines",
    "current_version",
    "document_hash",
    "keccak256",
    "line_leaves",
    "load_default_standard",
    "load_version",
    "merkle_proof",
    "merkle_root",
    "onchain_totals",
    "parse_claim",
    "reduction_figure",
    "shipment_footprint",
    "shipped_standards",
    "shipped_versions",
    "standard_by_content_hash",
    "standard_named",
    "transport_activity",
    "verify_proof",
]
