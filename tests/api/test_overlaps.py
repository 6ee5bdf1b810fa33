"""GET /overlaps and ``carbonledger overlaps list``: partners find the emissions they share."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import delete
from typer.testing import CliRunner

from carbonledger.cli.main import app
from carbonledger.client import ApiError
from carbonledger.overlaps import new_pair_salt, salted_ref, shipment_root
from carbonledger.store.shipments import shipment_refs
from tests.api.conftest import Api, as_bytes
from tests.api.partners import Partners, carrier_document, partners, shipper_document


@pytest.fixture(scope="module")
def pair(api: Api) -> Partners:
    return partners(api, "Overlap")


def test_both_partners_see_their_overlap_and_nobody_else_does(api: Api, pair: Partners) -> None:
    [seen_by_shipper] = [
        o for o in pair.shipper_client.overlaps() if o["partner"] == pair.carrier.address
    ]
    [seen_by_carrier] = [
        o for o in pair.carrier_client.overlaps() if o["partner"] == pair.shipper.address
    ]
    assert seen_by_shipper["overlap_id"] == seen_by_carrier["overlap_id"]
    assert seen_by_shipper["my_claim"] == pair.shipper_claim
    assert seen_by_shipper["partner_claim"] == pair.carrier_claim
    assert seen_by_shipper["shipments"] == 2  # WB-1 and WB-3; WB-2 is not the shipper's
    # the shared set's root, from the salted refs only the two partners can compute
    refs = [salted_ref(pair.salt, w) for w in ("WB-1", "WB-3")]
    assert seen_by_shipper["shipment_root"] == "0x" + shipment_root(refs).hex()
    parties = {p["firm"]: p for p in seen_by_shipper["parties"]}
    carrier, shipper = parties[pair.carrier.address], parties[pair.shipper.address]
    assert carrier["counted_in"] == ["scope1"] and shipper["counted_in"] == ["scope3.cat4"]
    # the carrier's TTW shares of the two trips; the shipper's WTW cat. 4 lines
    assert Decimal(carrier["kgco2e"]) == Decimal("517.017")
    assert Decimal(shipper["kgco2e"]) == Decimal("396.278")
    assert seen_by_shipper["overlap_kgco2e"] == 396
    assert carrier["default_share_bps"] + shipper["default_share_bps"] == 10_000
    assert (carrier["default_share_bps"], shipper["default_share_bps"]) == (5661, 4339)
    assert "refs" not in json.dumps(seen_by_shipper) and refs[0] not in json.dumps(seen_by_shipper)

    outsider = api.admit("Overlap Outsider")
    outsider_client = api.client(outsider)
    assert outsider_client.overlaps() == []
    with pytest.raises(ApiError) as hidden:
        outsider_client.overlap(seen_by_shipper["overlap_id"])
    assert hidden.value.status == 404


def test_shipments_salted_with_another_pairs_salt_do_not_match(api: Api, pair: Partners) -> None:
    other = api.admit("Other Salt Shipper")
    client = api.client(other)
    foreign = bytes(reversed(pair.salt))  # the same waybill numbers under another pair's salt
    answer = client.submit_claim(as_bytes(shipper_document(other.address, foreign)))
    assert answer["check"]["passed"]
    assert client.overlaps() == []
    assert all(o["partner"] != other.address for o in pair.carrier_client.overlaps())


def test_the_cli_lists_a_firms_overlaps(
    api: Api, pair: Partners, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = "overlap test password"
    keystore = tmp_path / "shipper.json"
    keystore.write_text(json.dumps(Account.encrypt(bytes(pair.shipper.key), password)))
    monkeypatch.setenv("CARBONLEDGER_KEY_PASSWORD", password)
    runner = CliRunner()
    shown = runner.invoke(
        app, ["overlaps", "list", "--key", str(keystore), "--api", api.url, "--addresses"]
    )
    assert shown.exit_code == 0, shown.output
    assert pair.carrier.address in shown.stdout and "2 shipment(s)" in shown.stdout
    as_json = runner.invoke(
        app, ["overlaps", "list", "--key", str(keystore), "--api", api.url, "--json"]
    )
    assert as_json.exit_code == 0, as_json.output
    [listed] = [o for o in json.loads(as_json.stdout) if o["partner"] == pair.carrier.address]
    assert listed["my_claim"] == pair.shipper_claim


def test_a_footprints_shipment_refs_are_indexed_in_the_request_that_accepts_it(api: Api) -> None:
    carrier = api.admit("Indexed Linehaul")
    salt = new_pair_salt()
    claim_id = api.client(carrier).submit_claim(as_bytes(carrier_document(carrier.address, salt)))[
        "claim_id"
    ]
    index = api.services.settlements.overlaps.index
    assert claim_id not in {c for _, c, _ in index.unread(100_000)}  # nothing left to read later
    refs = index.emissions([claim_id])[claim_id]
    assert refs.refs == {salted_ref(salt, w) for w in ("WB-1", "WB-2", "WB-3")}
    assert {b for r in refs.refs for b in refs.buckets[r]} == {"scope1"}


def test_footprints_stored_before_the_shipment_index_are_read_when_overlaps_are_asked(
    api: Api,
) -> None:
    pair = partners(api, "Before the index")
    claims = [pair.carrier_claim, pair.shipper_claim]
    with api.services.engine.begin() as conn:  # as a database of an older version has them
        conn.execute(delete(shipment_refs).where(shipment_refs.c.claim_id.in_(claims)))
    index = api.services.settlements.overlaps.index
    assert set(claims) <= {c for _, c, _ in index.unread(100_000)}
    [seen] = [o for o in pair.shipper_client.overlaps() if o["partner"] == pair.carrier.address]
    assert (seen["my_claim"], seen["partner_claim"], seen["shipments"]) == (
        pair.shipper_claim,
        pair.carrier_claim,
        2,
    )
    assert not set(claims) & {c for _, c, _ in index.unread(100_000)}
