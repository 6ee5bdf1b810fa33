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


def test_a_carriers_overlaps_are_summed_per_partner_and_listed_for_one_partner(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = new_pair_salt().hex()[:6]  # names of their own: the chain outlives a database
    carrier = api.admit(f"Per Partner Linehaul {tag}")
    one, two = api.admit(f"Per Partner Shipper One {tag}"), api.admit(f"Per Partner Two {tag}")
    carrier_client = api.client(carrier)
    salts = {one.address: new_pair_salt(), two.address: new_pair_salt()}
    for shipper, footprints in ((one, 1), (two, 2)):
        salt = salts[shipper.address]
        carrier_client.submit_claim(as_bytes(carrier_document(carrier.address, salt)))
        client = api.client(shipper)
        for _ in range(footprints):  # each shares WB-1 and WB-3 with the carrier's claim
            client.submit_claim(as_bytes(shipper_document(shipper.address, salt)))

    summed = carrier_client.overlap_partners()
    assert [p["partner"] for p in summed] == [two.address, one.address]  # the largest first
    assert [(p["overlaps"], p["shipments"], p["overlap_kgco2e"]) for p in summed] == [
        (2, 4, 792),
        (1, 2, 396),
    ]
    assert [(p["my_kgco2e"], p["partner_kgco2e"]) for p in summed] == [
        ("1034.034", "792.557"),  # exact sums, then rounded: 2 x 396.2785...
        ("517.017", "396.278"),
    ]
    everything = carrier_client.overlaps()
    for shipper, count in ((one, 1), (two, 2)):
        listed = carrier_client.overlaps(shipper.address.lower())  # any spelling of it
        assert len(listed) == count and {o["partner"] for o in listed} == {shipper.address}
        assert listed == [o for o in everything if o["partner"] == shipper.address]
        for o in listed:
            assert carrier_client.overlap(o["overlap_id"]) == o
    [theirs] = api.client(one).overlap_partners()
    assert (theirs["partner"], theirs["overlaps"], theirs["my_kgco2e"]) == (
        carrier.address,
        1,
        "396.278",
    )
    assert carrier_client.overlaps(api.admit(f"Per Partner Stranger {tag}").address) == []
    with pytest.raises(ApiError) as bad:
        carrier_client.overlaps("not-an-address")
    assert bad.value.status == 422 and [p["field"] for p in bad.value.problems] == ["partner"]

    password = "per partner password"
    keystore = tmp_path / "carrier.json"
    keystore.write_text(json.dumps(Account.encrypt(bytes(carrier.key), password)))
    monkeypatch.setenv("CARBONLEDGER_KEY_PASSWORD", password)
    common = ["--key", str(keystore), "--api", api.url]
    runner = CliRunner()
    shown = runner.invoke(app, ["overlaps", "partners", *common])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert f"Per Partner Two {tag}" in lines[0] and "2 overlap(s)  4 shipment(s)" in lines[0]
    assert "counted by both 792 kgCO2e (you 1,034.034, they 792.557)" in lines[0]
    assert f"Per Partner Shipper One {tag}" in lines[1]
    by_name = runner.invoke(
        app, ["overlaps", "list", *common, "--partner", f"Per Partner Two {tag}", "-q"]
    )
    assert by_name.exit_code == 0, by_name.output
    assert sorted(by_name.stdout.split()) == sorted(
        o["overlap_id"] for o in everything if o["partner"] == two.address
    )
