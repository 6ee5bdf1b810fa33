"""The pure overlap domain: salted refs, matching, the shipment tree, the default split."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.overlaps import (
    BPS,
    OverlapError,
    SplitError,
    check_split,
    default_split,
    match,
    new_pair_salt,
    overlap_id,
    project_hash,
    salted_ref,
    shipment_emissions,
    shipment_leaf,
    shipment_proof,
    shipment_root,
    verify_shipment,
)
from carbonledger.standard import keccak256, load_default_standard, parse_claim
from carbonledger.standard.merkle import hash_pair
from tests.conftest import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "backend/carbonledger/standard/examples"
STANDARD = load_default_standard()


def example(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((EXAMPLES / name).read_text(encoding="utf-8")))


def salted(doc: dict[str, Any], salt: bytes, waybills: dict[str, str]) -> dict[str, Any]:
    """Replace each known ref with the salted hash of its waybill."""
    text = json.dumps(doc, ensure_ascii=False)
    for old, waybill in waybills.items():
        text = text.replace(old, salted_ref(salt, waybill))
    return dict(json.loads(text))


CARRIER, SHIPPER = example("carrier_footprint.json"), example("shipper_footprint.json")
REF_A = CARRIER["lines"][0]["shipments"][0]["shipment_ref"]  # on trip 1, shipped by SHIPPER
REF_B = CARRIER["lines"][0]["shipments"][1]["shipment_ref"]  # on trip 1, another shipper's
REF_C = CARRIER["lines"][1]["shipments"][0]["shipment_ref"]  # on trip 2, shipped by SHIPPER
WAYBILLS = {REF_A: "WB-1", REF_B: "WB-2", REF_C: "WB-3"}


def test_the_salted_ref_is_keccak_of_salt_and_id_and_differs_per_pair() -> None:
    salt = bytes(range(32))
    assert salted_ref(salt, "运单-001") == "0x" + keccak256(salt + "运单-001".encode()).hex()
    assert salted_ref(salt, "WB-1") != salted_ref(new_pair_salt(), "WB-1")
    with pytest.raises(OverlapError):
        salted_ref(b"short", "WB-1")


def test_a_warehouse_operator_and_its_customer_overlap_on_the_allocated_site_energy() -> None:
    salt, other_salt = new_pair_salt(), new_pair_salt()
    site_ref = salted_ref(salt, "site:LINGANG-DC1:2024")
    warehouse = example("warehouse_footprint.json")
    electricity = warehouse["lines"][0]  # 380,000 kWh on the East China grid: 213,446 kg
    electricity["site_allocation"] = {
        "allocation_basis": "pallet_days",
        "site_amount": "292000",
        "customers": [
            {"shipment_ref": site_ref, "amount": "36500"},
            {"shipment_ref": salted_ref(other_salt, "site:LINGANG-DC1:2024"), "amount": "90000"},
        ],
    }
    shipper = copy.deepcopy(SHIPPER)
    (site_share,) = [line for line in shipper["lines"] if line["activity"] == "site_share"]
    site_share["shipment_ref"] = site_ref  # the same site, period and pallet-days share

    a = shipment_emissions(parse_claim(warehouse), STANDARD)
    b = shipment_emissions(parse_claim(shipper), STANDARD)
    overlap = match(a, b)

    assert overlap is not None
    assert overlap.refs == (site_ref,)
    assert overlap.buckets == (("scope2",), ("scope3.cat4",))
    # the operator counts its customer's share of the line, the customer its site_share line:
    # 213,446 x 36,500 / 292,000 both
    assert overlap.kg == (Decimal("26680.750000"), Decimal("26680.750"))
    assert overlap.overlap_kgco2e == 26681
    assert overlap.default_shares() == (5000, 5000)
    # the other customer's share is not this shipper's
    assert len(a.refs) == 2 and len(b.refs & a.refs) == 1


def test_a_carrier_and_its_shipper_overlap_on_their_shared_shipments() -> None:
    salt = new_pair_salt()
    carrier = shipment_emissions(parse_claim(salted(CARRIER, salt, WAYBILLS)), STANDARD)
    shipper = shipment_emissions(parse_claim(salted(SHIPPER, salt, WAYBILLS)), STANDARD)
    overlap = match(shipper, carrier)
    assert overlap is not None
    assert overlap.refs == tuple(sorted(salted_ref(salt, w) for w in ("WB-1", "WB-3")))
    # the carrier counts its TTW trip shares in scope 1; the shipper its WTW cat. 4 lines
    assert overlap.buckets == (("scope3.cat4",), ("scope1",))
    shipper_kg = shipper.kg[salted_ref(salt, "WB-1")] + shipper.kg[salted_ref(salt, "WB-3")]
    carrier_kg = carrier.kg[salted_ref(salt, "WB-1")] + carrier.kg[salted_ref(salt, "WB-3")]
    assert overlap.kg == (shipper_kg, carrier_kg)
    assert overlap.kg == (Decimal("396.278400"), Decimal("517.016910"))
    assert overlap.overlap_kgco2e == 396  # both count at least this much: the smaller figure
    assert overlap.default_shares() == (4339, 5661)
    # under another pair's salt nothing matches, and a firm never overlaps with itself
    other = shipment_emissions(parse_claim(salted(SHIPPER, new_pair_salt(), WAYBILLS)), STANDARD)
    assert match(other, carrier) is None
    assert match(carrier, carrier) is None


def test_lines_without_a_shipment_ref_are_left_out() -> None:
    emissions = shipment_emissions(parse_claim(example("warehouse_footprint.json")), STANDARD)
    assert emissions.kg == {}


def fold_root(leaves: list[bytes]) -> bytes:
    """Reference: pairwise commutative keccak, odd node carried up."""
    level = leaves
    while len(level) > 1:
        nxt = [hash_pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = nxt + ([level[-1]] if len(level) % 2 else [])
    return level[0]


@given(st.sets(st.binary(min_size=32, max_size=32), min_size=1, max_size=40))
def test_the_shipment_root_is_the_sorted_double_hashed_tree_and_proofs_verify(
    raw: set[bytes],
) -> None:
    refs = ["0x" + r.hex() for r in raw]
    root = shipment_root(refs)
    leaves = [keccak256(keccak256(r)) for r in sorted(raw)]
    assert root == fold_root(leaves)
    assert shipment_root(list(reversed(refs))) == root  # order-independent
    for ref in refs:
        proof = shipment_proof(refs, ref)
        assert verify_shipment(proof, root, ref)
        assert shipment_leaf(ref) == keccak256(keccak256(bytes.fromhex(ref[2:])))
    outsider = "0x" + keccak256(b"not a shipment").hex()
    if outsider not in refs:
        assert not verify_shipment(shipment_proof(refs, refs[0]), root, outsider)
        with pytest.raises(OverlapError):
            shipment_proof(refs, outsider)


@given(
    st.lists(
        st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False),
        min_size=2,
        max_size=16,
    )
)
def test_the_default_split_sums_to_10000_with_at_least_one_bp_each(
    weights: list[Decimal],
) -> None:
    shares = default_split(weights)
    assert sum(shares) == BPS and all(s >= 1 for s in shares)
    check_split(shares, len(weights))
    total = sum(weights)
    if total > 0 and all(w > 0 for w in weights) and len(weights) <= 100:
        for share, weight in zip(shares, weights, strict=True):
            exact = Decimal(BPS) * weight / total
            assert abs(Decimal(share) - exact) < 1 + len(weights)


def test_default_split_examples_largest_remainder_and_ties() -> None:
    assert default_split([1, 1]) == (5000, 5000)
    assert default_split([1, 1, 1]) == (3334, 3333, 3333)  # tie: the earlier party
    assert default_split([2, 1]) == (6667, 3333)
    assert default_split([0, 0]) == (5000, 5000)
    assert default_split([Decimal("1e-9"), 10**6]) == (1, 9999)  # never a zero share


@pytest.mark.parametrize(
    ("shares", "parties"),
    [((5000, 4000), 2), ((10_000,), 2), ((10_000, 0), 2), ((6000, 5000, -1000), 3), ((1, 2), 2)],
)
def test_invalid_splits_are_refused(shares: tuple[int, ...], parties: int) -> None:
    with pytest.raises(SplitError):
        check_split(shares, parties)


def test_overlap_id_and_project_hash_are_deterministic() -> None:
    a, b = "0x" + "11" * 32, "0x" + "22" * 32
    assert overlap_id(a, b) == overlap_id(b, a.upper().replace("0X", "0x"))
    assert project_hash({"description": "电动重卡", "overlap_id": a}) == project_hash(
        {"overlap_id": a, "description": "电动重卡"}
    )
