"""The overlap finder and the shipment index, with the in-memory claim store, vault and chain:
a footprint's refs are written with it when accepted, footprints stored without them are read
from their documents once, and after a process's first look only the claims accepted since are
looked at."""

from __future__ import annotations

import dataclasses
import threading
import time

from carbonledger.overlaps import shipment_emissions
from carbonledger.services.overlap_finder import OverlapFinder
from carbonledger.standard import parse_claim
from tests.services.conftest import Pipeline
from tests.support.fakes import FakeShipmentIndex


def _finder(pipeline: Pipeline, index: FakeShipmentIndex) -> OverlapFinder:
    return OverlapFinder(pipeline.claims, index, catch_up=lambda: 0)


def _submit(pipeline: Pipeline, n: int) -> str:
    carrier = pipeline.firms[0]
    row = pipeline.claims.submit(pipeline.submission(carrier, n), carrier.address, wait=0)
    return row.claim_id


def test_a_footprints_refs_are_written_in_the_transaction_that_accepts_it(
    pipeline: Pipeline,
) -> None:
    index = FakeShipmentIndex(pipeline.store)
    pipeline.claims = dataclasses.replace(pipeline.claims, shipments=index)
    claim_id = _submit(pipeline, 0)
    carrier = pipeline.firms[0]
    expected = shipment_emissions(parse_claim(pipeline.document(carrier, 0)), pipeline.standard)
    assert expected.kg  # the carrier example's trips carry shipment refs
    read = index.read[claim_id]
    assert (read.firm, read.emissions.kg if read.emissions else None) == (
        carrier.address,
        expected.kg,
    )
    assert index.unread(10) == []  # nothing for the finder to open again


def test_footprints_stored_without_refs_are_read_once_then_only_new_claims_are_looked_at(
    pipeline: Pipeline,
) -> None:
    index = FakeShipmentIndex(pipeline.store)  # the claim service does not write it here
    first, second = _submit(pipeline, 0), _submit(pipeline, 1)
    finder = _finder(pipeline, index)
    assert finder.read_new() == 2 and set(index.read) == {first, second}
    assert index.read[first].emissions is not None
    newest = pipeline.store.rows[second].seq

    index.looked_after.clear()
    assert finder.read_new() == 0
    assert index.looked_after == [newest]  # not every claim again: those since the last look
    third = _submit(pipeline, 2)
    assert finder.read_new() == 1 and third in index.read

    # a claim an older process committed below this process's last look waits for a new one
    del index.read[first]
    assert finder.read_new() == 0 and first not in index.read
    assert _finder(pipeline, index).read_new() == 1 and first in index.read


@dataclasses.dataclass
class _Lock:
    holding: bool


def test_the_background_reader_reads_only_while_its_process_holds_the_indexers_lock(
    pipeline: Pipeline,
) -> None:
    index = FakeShipmentIndex(pipeline.store)
    claim_id = _submit(pipeline, 0)
    finder = _finder(pipeline, index)
    lock = _Lock(holding=False)  # a standby indexer's process
    stop = threading.Event()
    reader = threading.Thread(target=finder.run_forever, args=(stop, 0.01, lock))
    reader.start()
    try:
        time.sleep(0.2)
        assert index.read == {}
        lock.holding = True  # it took over
        deadline = time.monotonic() + 10
        while claim_id not in index.read:
            assert time.monotonic() < deadline, "the new holder's reader read nothing"
            time.sleep(0.01)
    finally:
        stop.set()
        reader.join()


def test_a_firms_overlaps_pair_its_claims_with_other_firms_claims_on_chain(
    pipeline: Pipeline,
) -> None:
    index = FakeShipmentIndex(pipeline.store)
    pipeline.claims = dataclasses.replace(pipeline.claims, shipments=index)
    carrier, shipper = pipeline.firms
    mine = _submit(pipeline, 0)
    # the shipper files the same document shape with the same refs: the same shipments
    theirs_doc = pipeline.document(carrier, 0).replace(
        carrier.address.lower().encode(), shipper.address.lower().encode()
    )
    pipeline.document = lambda firm, n=0: theirs_doc  # type: ignore[method-assign]
    theirs = pipeline.claims.submit(pipeline.submission(shipper, 0), shipper.address, wait=0)
    finder = _finder(pipeline, index)
    assert finder.overlaps_of(carrier.address) == []  # neither on chain yet
    pipeline.rounds()
    [view] = finder.overlaps_of(carrier.address)
    assert {p.claim_id for p in view.parties} == {mine, theirs.claim_id}
    assert view.shipments == len(index.read[mine].emissions.kg)  # type: ignore[union-attr]
    [same] = finder.overlaps_of(shipper.address)
    assert same.overlap_id == view.overlap_id
