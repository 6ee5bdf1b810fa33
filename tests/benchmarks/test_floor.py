"""The benchmark's per-claim floor (``benchmarks/floor.py``) times the real work: every
document parsed and checked, every signature recovered to its signer."""

from __future__ import annotations

import pytest

from benchmarks import e2e, floor
from carbonledger.standard import load_default_standard


def test_the_floor_times_each_part_and_adds_them_up() -> None:
    documents = e2e.documents("0x" + "ab" * 20, "floor", 12)

    measured = floor.measure(documents, load_default_standard(), repeat=2)

    assert measured.claims == 12
    assert min(measured.parse_us, measured.standard_us, measured.signature_us) > 0
    assert measured.total_us == pytest.approx(
        measured.parse_us + measured.standard_us + measured.signature_us
    )
    assert measured.per_second(2) == pytest.approx(2e6 / measured.total_us)


def test_no_documents_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no documents"):
        floor.measure([], load_default_standard())
