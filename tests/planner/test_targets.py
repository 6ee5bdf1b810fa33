"""Targets: signed by the firm (EIP-712), tracked against the linear path."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eth_account import Account

from carbonledger.planner.errors import PlannerError
from carbonledger.planner.targets import (
    Target,
    YearFigure,
    covered_kg,
    gap_to_target,
    sign_target,
    signer_of,
    track,
)

ACCOUNT = Account.from_key("0x" + "11" * 32)
BASE = "0x" + "ab" * 32


def _target(**overrides: object) -> Target:
    fields: dict[str, object] = {
        "firm": ACCOUNT.address,
        "base_claim_id": BASE,
        "base_year": 2024,
        "target_year": 2030,
        "reduction_bps": 5_000,
        "scopes": (1, 2),
    }
    fields.update(overrides)
    return Target(**fields)  # type: ignore[arg-type]


def test_a_signed_target_recovers_to_its_firm() -> None:
    target = _target()
    signature = sign_target(ACCOUNT, target, 31337)
    assert signer_of(target, signature, 31337) == ACCOUNT.address


def test_a_target_changed_after_signing_no_longer_recovers_to_its_firm() -> None:
    signature = sign_target(ACCOUNT, _target(), 31337)
    assert signer_of(_target(reduction_bps=4_000), signature, 31337) != ACCOUNT.address
    assert signer_of(_target(), signature, 1) != ACCOUNT.address  # another chain


def test_a_firm_cannot_sign_a_target_for_another_firm() -> None:
    other = _target(firm="0x" + "22" * 20)
    with pytest.raises(PlannerError, match="is not the signer"):
        sign_target(ACCOUNT, other, 31337)


def test_a_malformed_target_names_each_field() -> None:
    with pytest.raises(PlannerError) as err:
        _target(base_year=2031, reduction_bps=0, kind="someday", scopes=(4,))
    for field in ("base_year", "reduction_bps", "kind", "scopes"):
        assert field in str(err.value)


def test_the_trajectory_sets_verified_years_against_the_linear_path() -> None:
    rows = track(
        _target(),
        Decimal(120_000),
        [YearFigure(2025, Decimal(100_000), "base less verified reductions")],
    )
    assert [r.year for r in rows] == list(range(2024, 2031))
    assert rows[0].path_kg == 120_000 and rows[0].actual_kg == 120_000
    assert rows[1].path_kg == 110_000  # 120 t to 60 t over six years: 10 t a year
    assert rows[1].gap_kg == -10_000  # ahead of the path
    assert rows[-1].path_kg == 60_000 and rows[-1].actual_kg is None
    assert gap_to_target(rows) == 40_000


def test_covered_figures_follow_the_target_scopes_with_scope_2_market_based() -> None:
    onchain = {"scope1": 10, "scope2_location": 50, "scope2_market": 20, "scope3": 300}
    assert covered_kg(_target(), onchain) == 30
    assert covered_kg(_target(scopes=(1, 2, 3)), onchain) == 330
