"""The PACT store on SQLite and on a real PostgreSQL (the stores' ``engine`` fixture): a firm's
transport activity data."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, insert, text

from carbonledger.pact.store import PactStore, pact_activities

FIRM = "0x00000000000000000000000000000000000000F1"


def tad(activity_id: str, mass: int) -> dict[str, object]:
    return {"activityId": activity_id, "massKg": mass}


def test_republishing_an_activity_replaces_it_and_moves_it_last(engine: Engine) -> None:
    store = PactStore(engine)
    store.put_activities(FIRM, [tad("a", 1), tad("b", 2)], [])
    store.put_activities(FIRM, [tad("a", 3)], ["client-1"])
    rows = store.activities_of(FIRM)
    assert [(r["activity_id"], r["data"]["massKg"], r["clients"]) for r in rows] == [
        ("b", 2, []),
        ("a", 3, ["client-1"]),
    ]


def test_publishes_of_one_activity_at_once_leave_one_row_for_it(engine: Engine) -> None:
    """Two transactions each deleting, then inserting, left two rows of one activity on
    PostgreSQL (neither saw the other's row); the table now has one row per firm and id."""
    store = PactStore(engine)
    writers, rounds = 6, 15
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def publish(n: int) -> None:
        try:
            for r in range(rounds):
                barrier.wait()
                store.put_activities(FIRM, [tad("shared", 100 * r + n), tad(f"own-{n}", r)], [])
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ids = [r["activity_id"] for r in store.activities_of(FIRM)]
    assert sorted(ids) == sorted(["shared", *(f"own-{n}" for n in range(writers))])


def test_a_database_holding_duplicate_activities_keeps_the_newest_of_each(
    engine: Engine,
) -> None:
    """A database written before the table had its unique key may hold duplicates: the store
    keeps the newest row of each (firm, activity id) when it opens the database."""
    pact_activities.create(engine, checkfirst=True)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX IF EXISTS uq_pact_activities_firm_activity"))
        for mass in (1, 2, 3):
            conn.execute(
                insert(pact_activities).values(
                    firm=FIRM, activity_id="dup", data=tad("dup", mass), clients=[],
                    published_at="2026-12-01T00:00:00Z",
                )
            )  # fmt: skip
    store = PactStore(engine)
    rows = store.activities_of(FIRM)
    assert [(r["activity_id"], r["data"]["massKg"]) for r in rows] == [("dup", 3)]
    store.put_activities(FIRM, [tad("dup", 4)], [])
    assert [r["data"]["massKg"] for r in store.activities_of(FIRM)] == [4]
