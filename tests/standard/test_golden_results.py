"""The standard computes exactly what it computed before session 5's speed work, on a varied
set of documents (every activity type; passing and failing; reductions with baselines)."""

from __future__ import annotations

import json

import pytest

from carbonledger.standard.lines import ACTIVITY_SPECS

from .golden_results import GOLDEN, cases, digests

CASES = cases()
EXPECTED = json.loads((GOLDEN / "expected.json").read_text("utf-8"))


def test_the_golden_set_covers_every_activity_type_of_the_standard() -> None:
    seen = {
        line.get("activity")
        for case in CASES
        for line in (case["document"].get("lines") or [])
        if isinstance(line, dict)
    }
    assert set(ACTIVITY_SPECS) <= seen
    assert len(EXPECTED) == len(CASES)


@pytest.mark.parametrize("index", range(len(CASES)))
def test_reports_and_results_are_bit_identical_to_the_recorded_ones(index: int) -> None:
    case = CASES[index]
    assert digests(case) == EXPECTED[index], case["document"].get("claim_id")
