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
    assert [f.path for f in report.findings if f.rule == "CALC001"] == [
        "lines[0].declared_kgco2e"
    ]
    assert not report.passed
