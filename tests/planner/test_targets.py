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
    from_record,
    gap_to_target,
    sign_target,
    signer_of,
    to_struct,
    track,
)
from carbonledger.vocab import target_registry_domain

ACCOUNT = Account.from_key("0x" + "11" * 32)
BASE = "0x" + "ab" * 32
REGISTRY = "0x" + "33" * 20
DOMAIN = target_registry_domain(31337, REGISTRY)


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
    struct = to_struct(_target(), nonce=0, deadline=2**40)
    signature = sign_target(ACCOUNT, struct, DOMAIN)
    assert signer_of(struct, signature, DOMAIN) == ACCOUNT.address


def test_a_target_changed_after_signing_no_longer_recovers_to_its_firm() -> None:
    signature = sign_target(ACCOUNT, to_struct(_target(), 0, 2**40), DOMAIN)
    changed = to_struct(_target(reduction_bps=4_000), 0, 2**40)
    assert signer_of(changed, signature, DOMAIN) != ACCOUNT.address
    other_chain = target_registry_domain(1, REGISTRY)
    assert signer_of(to_struct(_target(), 0, 2**40), signature, other_chain) != ACCOUNT.address


def test_a_firm_cannot_sign_a_target_for_another_firm() -> None:
    other = to_struct(_target(firm="0x" + "22" * 20), 0, 2**40)
    with pytest.raises(PlannerError, match="is not the signer"):
        sign_target(ACCOUNT, other, DOMAIN)


def test_the_on_chain_struct_round_trips_to_the_commitment() -> None:
    target = _target(scopes=(1, 2, 3), categories=(4, 9), kind="net_zero", audited_only=True)
    s = to_struct(target, 3, 2**40)
    assert (s.coverage, s.kind) == (0b111 | 1 << 6 | 1 << 11, 1)
    back = from_record(
        s.firm, "0x" + s.base_claim_id.hex(), s.base_year, s.target_year, s.reduction_bps,
        s.kind, s.coverage, s.audited_only,
    )  # fmt: skip
    assert back == target


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
