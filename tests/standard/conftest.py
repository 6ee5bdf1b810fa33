"""Fixtures of the standard's tests (helpers live in standard_helpers.py)."""

from __future__ import annotations

import pytest

from carbonledger.standard import Standard, load_default_standard


@pytest.fixture(scope="session")
def std() -> Standard:
    return load_default_standard()
