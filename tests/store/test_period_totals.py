"""A firm's footprints summed per period in the database equal, to the last digit, the sums
read from every report (``reports.periods.in_force_by_period``, what the service answered
before): footprints in force only, written to the gram or not. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from carbonledger.reports.periods import in_force_by_period
from carbonledger.standard.calc import SCOPE3_NAMES
from carbonledger.store import period_totals
from carbonledger.store.claims import REFUSED, ClaimStore, claims
from carbonledger.store.db import chain_events
from carbonledger.store.period_totals import PeriodTotalsStore, Settled, footprint_totals
from tests.store.conftest import claim_values

FIRM = "0x" + "f1" * 20
OTHER = "0x" + "f2" * 20
DAY = 86_400


def _figure(rng: random.Random, decimals: int = 3) -> str:
    return f"{rng.randint(0, 10**7) / 10**decimals:.{decimals}f}"


def _report(rng: random.Random, exact: bool) -> str:
    decimals = 3 if exact else rng.choice([1, 2])  # another quantum: summed from the report
    scope3 = {
        str(c): {"name": SCOPE3_NAMES[c], "kgco2e": _figure(rng, decimals)}
        for c in rng.sample(range(1, 16), rng.randint(0, 3))
    }
    totals: dict[str, Any] = {
        "scope1": _figure(rng, decimals),
        "scope2_location": _figure(rng, decimals),
        "scope2_market": _figure(rng, decimals),
        "scope3": scope3,
        "scope3_total": "0",
    }
    if not exact and rng.random() < 0.3:
        del totals["scope2_market"]  # a figure missing
    return json.dumps({"totals": totals, "checks": []})


def _history(engine: Engine, rng: random.Random) -> tuple[list[dict[str, Any]], set[str]]:
    """60 claims of FIRM (and some of OTHER) over 4 periods: footprints written to the gram
    or not, failed checks, refused, reductions; some superseded or revoked on chain."""
    store = ClaimStore(engine)
    rows = []
    for n in range(80):
        firm = FIRM if n < 60 else OTHER
        values = claim_values(firm, n, tag=f"period-{n}", passed=rng.random() > 0.1)
        start = rng.choice([0, 1, 2, 3]) * 30 * DAY
        values.update(
            period_start=start,
            period_end=start + rng.choice([30, 365]) * DAY,
            kind="footprint" if rng.random() > 0.1 else "reduction",
            report=_report(rng, exact=rng.random() > 0.2),
        )
        rows.append(values)
    with store.transaction() as conn:
        store.add_many(rows, conn)
    refused = [r["claim_id"] for r in rows if rng.random() < 0.1]
    for claim_id in refused:
        store.mark_refused(claim_id, "refused by the ClaimLedger: test")
    ended = {r["claim_id"] for r in rows if rng.random() < 0.15}
    firm_of = {r["claim_id"]: r["firm"] for r in rows}
    with engine.begin() as conn:
        for i, claim_id in enumerate(sorted(ended)):
            conn.execute(
                insert(chain_events).values(
                    chain_id=31337, block_number=i + 1, block_hash="0x" + "bb" * 32,
                    tx_hash="0x" + f"{i:064x}", log_index=0, contract="ClaimLedger",
                    address="0x" + "c1" * 20,
                    event=rng.choice(["ClaimSuperseded", "ClaimRevoked"]),
                    args={}, claim_id=claim_id, account=firm_of[claim_id],
                )
            )  # fmt: skip
    return rows, ended


def _oracle(engine: Engine, firm: str, ended: set[str]) -> tuple[list[Any], int]:
    c = claims.c
    query = (
        select(c.claim_id, c.period_start, c.period_end, c.report)
        .where(c.firm == firm, c.kind == "footprint", c.check_passed, c.state != REFUSED)
        .order_by(c.seq)
    )
    with engine.connect() as conn:
        passed = [tuple(r) for r in conn.execute(query)]
    periods, left_out = in_force_by_period(passed, ended)  # type: ignore[arg-type]
    return [p.as_json() for p in periods], left_out


def test_the_databases_sums_per_period_equal_the_reports_to_the_last_digit(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(period_totals, "FILL_BATCH", 7)  # the totals written in many pages
    rng = random.Random(15)
    _rows, ended = _history(engine, rng)
    store = PeriodTotalsStore(engine)

    for firm in (FIRM, OTHER):
        periods, left_out = store.period_totals(firm)
        expected, expected_left_out = _oracle(engine, firm, ended)
        assert [p.as_json() for p in periods] == expected
        assert left_out == expected_left_out
    assert len(expected) >= 3 and expected_left_out > 0  # the history is not trivial

    with engine.connect() as conn:
        written = conn.execute(select(footprint_totals.c.exact)).scalars().all()
    assert True in written and False in written  # both ways of summing were taken
    assert store.fill(FIRM) == 0  # each footprint's totals are written once


def test_a_footprint_accepted_after_a_call_is_summed_at_the_next(engine: Engine) -> None:
    store, claim_store = PeriodTotalsStore(engine), ClaimStore(engine)

    def accept(tag: str, nonce: int, scope1: str) -> None:
        report = json.dumps({"totals": {"scope1": scope1, "scope2_location": "0.000",
                                        "scope2_market": "0.000", "scope3": {}}})  # fmt: skip
        with claim_store.transaction() as conn:
            claim_store.add_many([{**claim_values(FIRM, nonce, tag=tag), "report": report}], conn)

    accept("first", 0, "1.500")
    [first], _ = store.period_totals(FIRM)
    accept("second", 1, "2.250")
    [second], left_out = store.period_totals(FIRM)
    assert (first.claims, first.as_json()["scope1"]) == (1, "1.500")
    assert (second.claims, second.as_json()["scope1"], left_out) == (2, "3.750", 0)
    assert PeriodTotalsStore(engine).fill(FIRM) == 0  # each written once


def test_a_seq_seen_a_window_ago_is_complete_and_a_newer_one_not_yet() -> None:
    settled = Settled(window=30)
    assert settled.complete(10, now=100) == 0  # nothing seen 30 s before
    assert settled.complete(25, now=120) == 0
    assert settled.complete(40, now=130) == 10  # seen at 100
    assert settled.complete(41, now=131) == 10  # 25 was seen at 120: not yet
    assert settled.complete(60, now=151) == 25
    assert settled.complete(60, now=500) == 60  # everything seen long ago


def test_a_claim_committed_late_below_the_newest_seq_is_still_summed(engine: Engine) -> None:
    """On PostgreSQL a claim can commit after one with a higher ``seq``: a look does not
    take the newest ``seq`` it saw as complete until a window has passed (the window
    PostgreSQL gets, here on both: SQLite, one writer at a time, cannot commit out of order)."""
    store = PeriodTotalsStore(engine, settle_seconds=30)
    report = json.dumps({"totals": {"scope1": "1.000", "scope2_location": "0.000",
                                    "scope2_market": "0.000", "scope3": {}}})  # fmt: skip
    stamp = "2026-12-05T00:00:00Z"

    def commit(tag: str, seq: int) -> None:
        values = {**claim_values(FIRM, seq, tag=tag), "report": report, "seq": seq}
        with engine.begin() as conn:
            conn.execute(insert(claims).values(**values, state="accepted", accepted_at=stamp,
                                               updated_at=stamp))  # fmt: skip

    commit("first", 1)
    commit("third", 3)
    [period], _ = store.period_totals(FIRM)
    assert period.claims == 2
    commit("second", 2)  # took its seq before the third, committed after the look
    [period], _ = store.period_totals(FIRM)
    assert period.claims == 3
