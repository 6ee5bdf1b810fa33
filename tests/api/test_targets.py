"""POST /targets and GET /targets: a firm's EIP-712 signed target relayed to the
TargetRegistry on a real chain, read back from it; refusals name what is wrong."""

from __future__ import annotations

import pytest

from carbonledger.client import ApiError
from tests.api.conftest import Api
from tests.api.partners import Partners, partners, signed_target


@pytest.fixture(scope="module")
def pair(api: Api) -> Partners:
    return partners(api, "Target")


def test_a_signed_target_is_recorded_on_chain_and_listed(pair: Partners) -> None:
    struct, signature, _ = signed_target(pair)
    recorded = pair.carrier_client.request(
        "POST", "/targets", json={"target": struct.to_json(), "signature": signature}
    )
    assert recorded["target_id"] == "0x" + struct.struct_hash().hex()
    assert recorded["tx_hash"].startswith("0x") and recorded["block_number"] > 0
    listed = pair.shipper_client.request("GET", "/targets", params={"firm": pair.carrier.address})
    [mine] = [t for t in listed if t["target_id"] == recorded["target_id"]]
    assert mine["base_claim_id"] == pair.carrier_claim.lower()
    assert (mine["base_year"], mine["target_year"], mine["reduction_bps"]) == (2024, 2030, 5_000)
    assert (mine["kind"], mine["scopes"], mine["categories"]) == ("near_term", [1, 2], [])
    assert mine["document_hash"] == "0x" + struct.document_hash.hex()
    again = pair.carrier_client.request(
        "GET", "/targets/nonce", params={"firm": pair.carrier.address}
    )
    assert again["nonce"] == struct.nonce + 1


def test_a_replayed_target_is_a_409_naming_the_nonce(pair: Partners) -> None:
    struct, signature, _ = signed_target(pair, target_year=2035)
    body = {"target": struct.to_json(), "signature": signature}
    pair.carrier_client.request("POST", "/targets", json=body)
    with pytest.raises(ApiError) as refused:
        pair.carrier_client.request("POST", "/targets", json=body)
    assert refused.value.status == 409
    assert "nonce" in str(refused.value)


def test_a_target_signed_by_another_key_is_a_401_and_nothing_is_recorded(
    pair: Partners,
) -> None:
    struct, _, domain = signed_target(pair, reduction_bps=4_200)
    forged = "0x" + bytes(pair.shipper.unsafe_sign_hash(struct.digest(domain)).signature).hex()
    before = pair.carrier_client.request("GET", "/targets", params={"firm": pair.carrier.address})
    with pytest.raises(ApiError) as refused:
        pair.shipper_client.request(
            "POST", "/targets", json={"target": struct.to_json(), "signature": forged}
        )
    assert refused.value.status == 401
    after = pair.carrier_client.request("GET", "/targets", params={"firm": pair.carrier.address})
    assert after == before


def test_a_base_claim_of_another_firm_is_refused_by_the_chain_with_a_409(
    pair: Partners,
) -> None:
    struct, signature, _ = signed_target(
        pair, base_claim_id=bytes.fromhex(pair.shipper_claim.removeprefix("0x"))
    )
    with pytest.raises(ApiError) as refused:
        pair.carrier_client.request(
            "POST", "/targets", json={"target": struct.to_json(), "signature": signature}
        )
    assert refused.value.status == 409
    assert "TargetRegistryInvalidBaseClaim" in str(refused.value)


def test_a_target_on_a_revoked_base_claim_is_a_409_naming_the_field_and_its_status(
    api: Api,
) -> None:
    revoked = partners(api, "Revoked base")
    revoked.carrier_client.revoke_claim(revoked.carrier_claim, "wrong meter readings")
    struct, signature, _ = signed_target(revoked)
    with pytest.raises(ApiError) as refused:
        revoked.carrier_client.request(
            "POST", "/targets", json={"target": struct.to_json(), "signature": signature}
        )
    assert refused.value.status == 409
    message = str(refused.value)
    assert "base_claim_id" in message and "is revoked, not active" in message
    assert "TargetRegistryBaseClaimNotActive" in message
    listed = revoked.carrier_client.request(
        "GET", "/targets", params={"firm": revoked.carrier.address}
    )
    assert listed == []


def test_a_malformed_target_is_a_422_naming_the_field(pair: Partners) -> None:
    with pytest.raises(ApiError) as refused:
        pair.carrier_client.request(
            "POST", "/targets", json={"target": {"firm": "x"}, "signature": "0x" + "11" * 65}
        )
    assert refused.value.status == 422
    assert "target" in str(refused.value)
