"""The checker takes the line results that ``compute`` made a moment before for the same
document and standard (the claim service builds the struct, then checks): its report is the
same, byte for byte, as a check of a fresh parse, and a second check computes afresh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carbonledger.claims import build_claim
from carbonledger.standard import (
    canonical_bytes,
    check,
    document_hash,
    load_default_standard,
    merkle_root,
    onchain_totals,
    parse_claim,
)
from carbonledger.standard.canonical import canonical_bytes_reference, keccak256
from carbonledger.standard.checker import claim_hashes

EXAMPLES = Path(__file__).parents[2] / "backend/carbonledger/standard/examples"
FOOTPRINTS = ["carrier_footprint.json", "shipper_footprint.json", "warehouse_footprint.json"]


@pytest.mark.parametrize("name", FOOTPRINTS)
def test_a_check_after_the_struct_is_built_reports_what_a_fresh_check_reports(name: str) -> None:
    standard = load_default_standard()
    raw = (EXAMPLES / name).read_bytes()
    built = parse_claim(raw)
    claim = build_claim(built, standard, standard_version=1, nonce=0, deadline=1)
    assert built._computed is not None  # the lines were computed once, for the struct
    after_build = check(built, standard)
    assert built._computed is None  # taken by that check
    fresh = check(parse_claim(raw), standard)
    assert canonical_bytes(after_build) == canonical_bytes(fresh)
    assert canonical_bytes(check(built, standard)) == canonical_bytes(fresh)  # afresh
    assert claim.document_hash == document_hash(parse_claim(raw)) == fresh.document_hash
    assert claim.activity_root == merkle_root(parse_claim(raw).lines) == fresh.lines_root


def test_a_line_finding_is_still_made_when_the_results_are_taken() -> None:
    standard = load_default_standard()
    raw = json.loads((EXAMPLES / FOOTPRINTS[0]).read_text())
    raw["lines"][0]["declared_kgco2e"] = "1"  # not what the line computes to
    document = parse_claim(json.dumps(raw))
    onchain_totals(document, standard)
    assert document._computed is not None
    report = check(document, standard)
    assert [f.path for f in report.findings if f.rule == "CALC001"] == ["lines[0].declared_kgco2e"]
    assert not report.passed


@pytest.mark.parametrize("name", [*FOOTPRINTS, "shipper_reduction.json"])
@pytest.mark.parametrize("firm_name", [None, "Ünïcode \ue000 and an astral \U0001f69a name"])
def test_the_document_hash_of_a_claim_is_the_reference_canonicalisation_hashed(
    name: str, firm_name: str | None
) -> None:
    """The document hash (``build_claim``'s and the checker's) canonicalises the document in
    parts around its lines; the bytes hashed are the reference encoder's over the whole
    document."""
    document = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    if firm_name is not None:
        document["firm"]["name"] = firm_name
    raw = json.dumps(document, ensure_ascii=False).encode("utf-8")
    (hashed, _) = claim_hashes(parse_claim(raw))
    assert hashed == keccak256(canonical_bytes_reference(json.loads(raw)))
