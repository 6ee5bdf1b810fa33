"""The state folders the contract tests' anvil pages out are told apart from other anvils'."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.contracts.anvil_states import ANVIL_TMP, left_by, state_folders


def test_the_folder_this_sessions_anvil_pages_out_is_found_and_no_other(
    chain: Any, first_blocks: Callable[[], list[str]], tmp_path: Path
) -> None:
    chain.mine(600)  # past the states anvil keeps in memory: the oldest go to disk
    ours = left_by(first_blocks(), before=set())
    assert ours and all(folder.parent == ANVIL_TMP for folder in ours)
    assert left_by(first_blocks(), before=state_folders()) == []  # none new since
    other = tmp_path / "anvil-state-04-12-2026-16-40other"
    other.mkdir()
    (other / f"0x{'ab' * 32}.json").write_text("{}")  # another chain's block
    assert left_by(first_blocks(), before=set(), root=tmp_path) == []
