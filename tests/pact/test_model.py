"""The standard's PACT checks and the anchor mapping (pure units)."""

from __future__ import annotations

import copy

from carbonledger.chain.typed_data import ClaimKind
from carbonledger.pact import model
from tests.pact.conftest import footprint


def fields(pf: dict[str, object]) -> set[str]:
    return {p.field for p in model.check_footprint(pf)}


def test_a_complete_footprint_passes() -> None:
    assert model.check_footprint(footprint()) == []


def test_including_uptake_must_equal_excluding_plus_biogenic_uptake() -> None:
    assert "pcf.pcfIncludingBiogenicUptake" in fields(
        footprint(pcf={"pcfIncludingBiogenicUptake": "1.85"})
    )


def test_a_negative_footprint_including_uptake_is_accepted_when_consistent() -> None:
    pf = footprint(
        pcf={
            "pcfExcludingBiogenicUptake": "0.40",
            "biogenicCO2Uptake": "-1.10",
            "pcfIncludingBiogenicUptake": "-0.70",
            "fossilGhgEmissions": "0.30",
        }
    )
    assert model.check_footprint(pf) == []


def test_fossil_emissions_above_the_total_are_refused() -> None:
    assert "pcf.fossilGhgEmissions" in fields(footprint(pcf={"fossilGhgEmissions": "2.0"}))


def test_numbers_must_be_decimal_strings() -> None:
    pf = footprint()
    pf["pcf"]["fossilCarbonContent"] = 0.01
    assert "pcf.fossilCarbonContent" in fields(pf)
    pf = footprint(pcf={"fossilCarbonContent": "1e-2"})
    assert "pcf.fossilCarbonContent" in fields(pf)


def test_an_unknown_declared_unit_and_a_missing_mandatory_field_are_named() -> None:
    pf = footprint(pcf={"declaredUnitOfMeasurement": "tonne"})
    del pf["productNameCompany"]
    got = fields(pf)
    assert "pcf.declaredUnitOfMeasurement" in got
    assert "$" in got  # 'productNameCompany' is a required property (reported at the root)


def test_a_positive_biogenic_uptake_is_refused() -> None:
    assert "pcf.biogenicCO2Uptake" in fields(footprint(pcf={"biogenicCO2Uptake": "0.05"}))


def test_the_validity_period_must_lie_within_three_years_of_the_reference_end() -> None:
    got = fields(
        footprint(
            validityPeriodStart="2024-06-01T00:00:00Z", validityPeriodEnd="2029-01-01T00:00:00Z"
        )
    )
    assert {"validityPeriodStart", "validityPeriodEnd"} <= got


def test_the_anchor_hash_ignores_status_and_the_anchor_extension_only() -> None:
    pf = footprint()
    base = model.anchor_hash(pf)
    served = copy.deepcopy(pf)
    served["status"] = "Deprecated"
    served["extensions"] = [
        {
            "specVersion": "2.0.0",
            "dataSchema": "https://x/carbonledger-anchor/1.0.0/schema.json",
            "data": {},
        }
    ]
    assert model.anchor_hash(served) == base
    other = copy.deepcopy(pf)
    other["extensions"] = [
        {"specVersion": "2.0.0", "dataSchema": "https://other/schema.json", "data": {}}
    ]
    assert model.anchor_hash(other) != base
    changed = copy.deepcopy(pf)
    changed["pcf"]["fossilGhgEmissions"] = "1.71"
    assert model.anchor_hash(changed) != base


def test_the_anchor_claim_is_a_zero_total_footprint_claim_marked_as_pact() -> None:
    pf = footprint()
    claim = model.anchor_claim(
        pf, firm="0x" + "11" * 20, standard_version=1, nonce=3, deadline=10**10
    )
    assert claim.kind is ClaimKind.FOOTPRINT
    assert claim.activity_root == model.PACT_MARKER
    assert (claim.scope1, claim.scope2_market, claim.scope3, claim.biogenic) == (0, 0, 0, 0)
    assert claim.document_hash == model.anchor_hash(pf)
    assert (claim.period_start, claim.period_end) == (1704067200, 1735689600)


def test_filters_or_within_and_between_criteria() -> None:
    pf = footprint()
    assert model.matches(pf, model.Filters(product_ids=["urn:x", "URN:GTIN:4712345060507"]))
    assert not model.matches(
        pf, model.Filters(product_ids=["urn:gtin:4712345060507"], geography=["FR"])
    )
    assert model.matches(pf, model.Filters(status="active"))
