"""The mapping from a claim document's totals to the Claim struct (pure)."""

from __future__ import annotations

from carbonledger.claims import ClaimTotals, claim_totals
from carbonledger.standard import OnchainTotals
from carbonledger.vocab import Claim, ClaimKind


def test_the_on_chain_totals_fill_exactly_the_claim_structs_total_fields() -> None:
    totals = OnchainTotals(scope1=1, scope2_location=2, scope2_market=3, scope3=4, biogenic_co2=5)
    fields = claim_totals(totals)
    assert set(fields) == set(ClaimTotals.__annotations__)
    assert set(fields) <= {f.attr for f in Claim.spec()}
    assert fields == {
        "scope1": 1,
        "scope2_location": 2,
        "scope2_market": 3,
        "scope3": 4,
        "biogenic": 5,  # the struct's name for the biogenic CO2 reported apart
    }
    claim = Claim(
        firm="0x" + "11" * 20,
        kind=ClaimKind.FOOTPRINT,
        standard_version=1,
        period_start=0,
        period_end=1,
        document_hash=b"\x01" * 32,
        activity_root=b"\x02" * 32,
        nonce=0,
        deadline=9,
        **fields,
    )
    assert claim.gross_total == 1 + 3 + 4
