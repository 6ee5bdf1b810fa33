"""Claim documents: parsing, field-path errors, floats, names in any script, JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carbonledger.standard import (
    ClaimFormatError,
    FloatNotAllowedError,
    FootprintClaim,
    ReductionClaim,
    canonical_bytes,
    claim_json_schema,
    parse_claim,
)

from .standard_helpers import example

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs/claim.schema.json"


def test_both_claim_kinds_parse_by_their_discriminator() -> None:
    assert isinstance(parse_claim(example("carrier_footprint.json")), FootprintClaim)
    assert isinstance(parse_claim(example("shipper_reduction.json")), ReductionClaim)


def test_a_binary_float_is_rejected_with_the_fields_path() -> None:
    text = (
        json.dumps(example("carrier_footprint.json"))
        .replace('"quantity": "0.120"', '"quantity": 0.12')
        .replace('"scope1": "18135.265"', '"scope1": 18135.265')
    )
    with pytest.raises(FloatNotAllowedError) as info:
        parse_claim(text.encode())
    paths = {p.path for p in info.value.problems}
    assert paths == {"lines[0].quantity", "declared.scope1"}


def test_problems_carry_json_paths_for_nested_fields() -> None:
    doc = example("carrier_footprint.json")
    doc["lines"][0]["shipments"][1]["mass_t"] = "-3"
    doc["lines"][3]["colour"] = "blue"
    doc["firm"]["address"] = "0x1234"
    with pytest.raises(ClaimFormatError) as info:
        parse_claim(doc)
    paths = {p.path for p in info.value.problems}
    assert {"lines[0].shipments[1].mass_t", "lines[3].colour", "firm.address"} <= paths


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (b'{"kind": "footprint", "kind": "reduction"}', "duplicate object key"),
        (b"[1, 2]", "a claim document is a JSON object"),
        (b'{"kind": "invoice"}', "must be 'footprint' or 'reduction'"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"kind": NaN}', "not JSON"),
    ],
)
def test_documents_that_are_not_claims_say_why(text: bytes, why: str) -> None:
    with pytest.raises(ClaimFormatError, match=why):
        parse_claim(text)


def test_decimals_have_one_spelling() -> None:
    doc = example("carrier_footprint.json")
    for bad in ("1e3", "+1", "01", "1.", " 1", "NaN"):
        doc["lines"][2]["quantity"] = bad
        with pytest.raises(ClaimFormatError):
            parse_claim(doc)


def test_chinese_names_round_trip_through_parse_and_canonical_bytes() -> None:
    doc = example("carrier_footprint.json")
    claim = parse_claim(json.dumps(doc, ensure_ascii=True).encode())
    assert claim.firm.name.startswith("华东快运有限公司")
    out = json.loads(canonical_bytes(claim).decode("utf-8"))
    assert out["firm"]["name"] == doc["firm"]["name"]
    assert "华东快运".encode() in canonical_bytes(claim)


def test_the_committed_json_schema_is_the_generated_one() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == claim_json_schema()


def test_the_schema_describes_every_activity_type() -> None:
    text = json.dumps(claim_json_schema())
    for activity in (
        "fuel",
        "trip",
        "transport",
        "electricity",
        "heat",
        "refrigerant",
        "hub",
        "storage",
        "site_share",
        "spend",
    ):
        assert f'"const": "{activity}"' in text
