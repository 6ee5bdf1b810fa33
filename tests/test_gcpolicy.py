"""settle_heap: a process's start-up heap frozen once, what comes after collected as before;
the libraries (the API app, the verifier) never freeze the process that imports them."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from collections.abc import Iterator

import pytest

from carbonledger.gcpolicy import YOUNG_THRESHOLD, settle_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_collector")
def test_settling_freezes_what_is_alive_and_raises_the_young_threshold() -> None:
    gc.unfreeze()
    kept = _Node()
    settle_heap()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert not any(o is kept for o in gc.get_objects())  # frozen: out of the collector's reach


@pytest.mark.usefixtures("restored_collector")
def test_garbage_from_start_up_is_collected_before_the_freeze_not_kept_forever() -> None:
    gc.unfreeze()
    before = weakref.ref(_Node())
    settle_heap()
    assert before() is None


@pytest.mark.usefixtures("restored_collector")
def test_cycles_made_after_settling_are_still_collected() -> None:
    settle_heap()
    after = weakref.ref(_Node())
    assert after() is not None
    gc.collect()
    assert after() is None


def test_importing_the_api_and_the_verifier_leaves_the_collector_alone() -> None:
    code = (
        "import gc\n"
        "import carbonledger.api.app, carbonledger.verify, carbonledger.verify.parallel\n"
        "from carbonledger.standard import load_default_standard\n"
        "load_default_standard()\n"
        "print(gc.get_freeze_count(), gc.get_threshold()[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "0" and int(out[1]) != YOUNG_THRESHOLD
