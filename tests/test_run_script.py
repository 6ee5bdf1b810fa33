"""``./run``: a second ``./run`` started while another installs waits for it, then goes on;
the lock is the installation's only, not held by the command it starts."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.skipif(shutil.which("flock") is None, reason="no flock(1) here")


def test_a_run_started_while_another_installs_waits_for_it_then_goes_on() -> None:
    lock = PROJECT_ROOT / ".toolchain" / "setup.lock"
    lock.parent.mkdir(exist_ok=True)
    # another ./run installing: the lock held for 3 s
    holder = subprocess.Popen(["flock", str(lock), "sleep", "3"])
    try:
        time.sleep(0.5)
        started = time.monotonic()
        done = subprocess.run(
            ["./run", "setup"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
            env=os.environ,
        )  # fmt: skip
        waited = time.monotonic() - started
    finally:
        holder.wait(timeout=30)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "waiting for another ./run to finish installing" in done.stderr
    assert waited >= 2, f"it went on after {waited:.1f} s, with the lock still held"


def test_the_command_run_starts_does_not_hold_the_installation_lock(tmp_path: Path) -> None:
    """``./run test`` running a test that takes the lock itself: it gets it at once."""
    lock = PROJECT_ROOT / ".toolchain" / "setup.lock"
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "import subprocess\n\n\n"
        "def test_the_lock_is_free_while_the_command_runs() -> None:\n"
        f"    taken = subprocess.run(['flock', '-n', {str(lock)!r}, 'true'], check=False)\n"
        "    assert taken.returncode == 0\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        ["./run", "test", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(probe)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 passed" in done.stdout
