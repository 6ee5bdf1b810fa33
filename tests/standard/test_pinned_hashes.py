"""Pinned document hashes, Merkle roots/proofs and report hashes (regression guard).

The values below were computed by the pure-Python RFC 8785 encoder before the checker's hot
path was optimised. Any change to canonical bytes, leaf or node hashing, or the report's
canonical form changes one of them -- which would break every hash already on chain. Do not
update them to make a test pass; find out what changed.

The documents are the examples as filed under standard 1.0.0 (frozen copies in
``data/v1.0.0/``), checked under the version they name: an auditor re-checking them years later
with the current code gets the same report hash.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from carbonledger.standard import (
    Standard,
    canonical_bytes,
    check,
    document_hash,
    line_leaves,
    load_version,
    merkle_proof,
    merkle_root,
    parse_claim,
    standard_named,
)
from carbonledger.standard.canonical import keccak256

from .standard_helpers import DIESEL_CN, GRID_EAST, footprint, intensity

V1_EXAMPLES = Path(__file__).resolve().parent / "data" / "v1.0.0"


def example(name: str) -> dict[str, Any]:
    """An example as filed under standard 1.0.0."""
    return json.loads((V1_EXAMPLES / name).read_text(encoding="utf-8"))


# name -> (document_hash, lines_root, keccak of line 0's proof concatenated, report_hash)
PINNED: dict[str, tuple[str, ...]] = {
    "carrier_footprint": (
        "0x7131393714d8b750037db3752d04250e39fd9b15e5fb5d919cf74b12f7565689",
        "0x37e5c2dcb7e26d2be7620664cbf2ac30b65f91dfcf6ba77e84bdf99b5686a629",
        "0x79012c34ae042ce8a6cc2ea906331a696aaf7ecb7b4593dbdda82b55c6a7c00f",
        "0x36c104290d5fe1470c28b732032f8e62fdabcde7ef99af1ba6df7b6a6a3458a1",
    ),
    "edge_strings": (
        "0x8de868bd53cc031cc3fd9e2d45b2aeb124f300abc1344d37f8cd722b96a83609",
        "0xde47d7bffedc8fa38be7043650171b0f3bec952438a2bb7cd2cbca831d7b622f",
        "0xb937923515528a4af9bc9e3bf63be7d568724a8bda31722da023a658c81a04b5",
        "0xd40ecf59b4dd7ac7c8f7b8c418e7e4006b94bb3d01b45fbac68b8ef64b4c5e16",
    ),
    "shipper_footprint": (
        "0x85fb74d440459d6d5424f3644af310a76f9d04f8f48b82d87392a63cd37bf465",
        "0x6c6e965131a0af4b15b90f168f4767f8245a72ccbfaf5f42ea2cdace5c88d685",
        "0xb9c65abeac841e55b47219e78662ffcb2f8284c8ef37780f292acf0151a84a02",
        "0xe44b0e4cf4f761fb89d6eb5d4ebe05276b61a9f95d2b78de55163bae65add5cd",
    ),
    "shipper_reduction": (
        "0x9ebbdda74a148f14e90bb8c985cd4b44a79c4979735a45ba5b2909f406b27402",
        "0xc259119ebac12a2c342badb86831ed32e2010bbefc2fddff862f475a2e659395",
        "0x358fc3e9d09607251f8e1d17f6189e2c1f87474cb64b384c6c9a3beeacf23251",
        "0x8796921879a87a335372343caea0032ab579ed01107823e53fed3ef119b99c4d",
    ),
    "warehouse_footprint": (
        "0x4b072e4de1ca37e997475d2e69e219f7192d32ab336371ebcd0fcd97c2274e23",
        "0x6e53680dddfa7f39f2a83de34772206b2011b77bca13b2b4d93bca599e10a5db",
        "0x80b9165c0dfafd200a54fb5f139f0b359023621710749e1c6795dbc2609805d5",
        "0x9217ad56f11c340d08b83d26436d562e193c7dd8993982740838a919e3e551f8",
    ),
}

# Strings the hot-path encoder must escape exactly as RFC 8785 does: quotes, backslash,
# the short escapes, other C0 controls (lower-case \u00xx), DEL and U+2028 (not escaped),
# non-ASCII (raw UTF-8), characters above U+FFFF and in U+E000..U+FFFF.
EDGE_NOTES = [
    'quote " and backslash \\ and slash /',
    "controls \b\t\n\f\r \x00\x01\x1f end",
    "del \x7f line-sep \u2028 para-sep \u2029",
    "华东快运 · 沪A·12345 · émission",
    "astral \U0001f69a\U0001f4e6 private \ue000 bom \ufeff last \uffff",
    "<script>&amp;</script>",
]


def _edge_claim() -> dict[str, Any]:
    lines: list[dict[str, Any]] = []
    for i, note in enumerate(EDGE_NOTES):
        lines.append(
            {
                "id": f"F-{i}",
                "activity": "fuel",
                "scope": 1,
                "quantity": f"{i + 1}.25",
                "unit": "t",
                "factor_id": DIESEL_CN,
                "note": note,
                "date": "2024-02-0" + str(i + 1),
            }
        )
    lines.append(
        {
            "id": "T-1",
            "activity": "trip",
            "scope": 1,
            "arrangement": "own",
            "vehicle": "沪B·00001",
            "quantity": "0.5",
            "unit": "t",
            "factor_id": DIESEL_CN,
            "shipments": [
                {"shipment_ref": "0x" + "ab" * 32, "mass_t": 12, "distance_km": "250.5"},
                {"shipment_ref": "0x" + "cd" * 32, "mass_t": "8", "distance_km": 99},
            ],
        }
    )
    lines.append(
        {
            "id": "X-1",
            "activity": "transport",
            "scope": 3,
            "category": 4,
            "arrangement": "purchased",
            "mode": "road",
            "mass_t": "3",
            "distance_km": "410",
            "distance_basis": "actual",
            "factor_id": "carrier.road.ttw",
        }
    )
    lines.append(
        {
            "id": "E-1",
            "activity": "electricity",
            "scope": 2,
            "quantity": 12000,
            "unit": "kWh",
            "factor_id": GRID_EAST,
            "market": {
                "instrument": "green_electricity_certificate",
                "factor_id": GRID_EAST,
                "certificate_ref": "GEC-2024-\u00e9\U0001f331",
            },
        }
    )
    doc = footprint(lines, factors=[intensity("carrier.road.ttw", "0.0825")])
    doc["standard_version"] = load_version("1.0.0").version_id
    return doc


def _documents() -> dict[str, tuple[dict[str, Any], dict[str, Any] | None]]:
    return {
        "carrier_footprint": (example("carrier_footprint.json"), None),
        "shipper_footprint": (example("shipper_footprint.json"), None),
        "warehouse_footprint": (example("warehouse_footprint.json"), None),
        "shipper_reduction": (
            example("shipper_reduction.json"),
            example("shipper_footprint.json"),
        ),
        "edge_strings": (_edge_claim(), None),
    }


def _fingerprint(doc: dict[str, Any], base: dict[str, Any] | None) -> tuple[str, ...]:
    claim = parse_claim(doc)
    std = standard_named(claim.standard_version)
    assert std is not None and std.methodology_version == "1.0.0"
    baseline = parse_claim(base) if base is not None else None
    report = check(claim, std, baseline=baseline)
    proof = merkle_proof(claim.lines, 0)
    return (
        "0x" + document_hash(claim).hex(),
        "0x" + merkle_root(claim.lines).hex(),
        "0x" + keccak256(b"".join(proof)).hex(),
        "0x" + report.report_hash.hex(),
    )


@pytest.mark.parametrize("name", sorted(_documents()))
def test_hashes_of_the_shipped_examples_are_pinned(name: str, std: Standard) -> None:
    doc, base = _documents()[name]
    claim = parse_claim(doc)
    report = check(claim, std, baseline=parse_claim(base) if base is not None else None)
    # the report's hashes agree with the stand-alone functions
    assert report.document_hash == document_hash(claim) == keccak256(canonical_bytes(doc))
    assert report.lines_root == merkle_root(claim.lines) == merkle_root(doc["lines"])
    assert line_leaves(claim.lines) == line_leaves(doc["lines"])
    assert _fingerprint(doc, base) == PINNED[name]
