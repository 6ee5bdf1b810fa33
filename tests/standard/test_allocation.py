"""Allocation of a whole among parts (largest remainder): the parts sum back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.standard import AllocationError, allocate

Q = Decimal("0.000001")


@given(
    st.decimals(0, 10**9, places=9),
    st.lists(st.decimals(0, 10**6, places=3), min_size=1, max_size=30).filter(
        lambda ws: sum(ws) > 0
    ),
)
def test_allocations_sum_back_to_the_whole(whole: Decimal, weights: list[Decimal]) -> None:
    parts = allocate(whole, weights, Q)
    assert sum(parts) == whole.quantize(Q)
    assert all(p >= 0 for p in parts)
    total = sum(weights)
    for p, w in zip(parts, weights, strict=True):  # each part within one quantum of exact
        assert abs(p - whole.quantize(Q) * w / total) < Q


def test_equal_weights_split_the_leftover_quantum_to_the_first_parts() -> None:
    assert allocate(Decimal("1"), [Decimal(1)] * 3, Decimal("0.01")) == [
        Decimal("0.34"),
        Decimal("0.33"),
        Decimal("0.33"),
    ]


@pytest.mark.parametrize("weights", [[], [Decimal(0)], [Decimal(-1), Decimal(2)]])
def test_allocation_without_a_valid_basis_is_refused(weights: list[Decimal]) -> None:
    with pytest.raises(AllocationError):
        allocate(Decimal(10), weights, Q)
