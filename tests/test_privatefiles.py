"""A private file made on first use holds one value, whichever of the processes started
together made it, and none of them reads it half written."""

from __future__ import annotations

import multiprocessing
import stat
import threading
from multiprocessing.queues import SimpleQueue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from carbonledger.auth.settings import load_or_create_secret
from carbonledger.privatefiles import read_or_create
from carbonledger.services.container import load_service_vault_key


def test_a_file_is_made_private_once_and_then_read(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret"
    assert read_or_create(path, lambda: "first\n") == "first\n"
    assert read_or_create(path, lambda: "second\n") == "first\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret"]  # no file of its own left


def test_a_maker_that_finds_the_file_made_meanwhile_answers_the_made_value(
    tmp_path: Path,
) -> None:
    path = tmp_path / "secret"
    inside, go_on = threading.Event(), threading.Event()
    answers: dict[str, str] = {}

    def slow() -> str:  # the first caller, still writing when the second comes
        inside.set()
        go_on.wait(10)
        return "slow\n"

    first = threading.Thread(target=lambda: answers.update(slow=read_or_create(path, slow)))
    first.start()
    inside.wait(10)
    answers["quick"] = read_or_create(path, lambda: "quick\n")  # never reads half a file
    go_on.set()
    first.join(10)

    assert answers == {"quick": "quick\n", "slow": "quick\n"}
    assert path.read_text() == "quick\n"


def _secret_and_key(data: str, start: Barrier, out: SimpleQueue[str]) -> None:
    try:
        start.wait(30)
        secret = load_or_create_secret(Path(data) / "auth.secret").get_secret_value()
        key = load_service_vault_key(Path(data) / "service-vault.key").private_hex
        out.put(f"{secret} {key}")
    except BaseException as exc:  # what the process would have died of
        out.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.parametrize("trial", range(3))
def test_processes_started_together_on_a_new_data_directory_share_one_secret_and_key(
    tmp_path: Path, trial: int
) -> None:
    context = multiprocessing.get_context("fork")
    start, out = context.Barrier(6), context.SimpleQueue()
    processes = [
        context.Process(target=_secret_and_key, args=(str(tmp_path / "data"), start, out))
        for _ in range(6)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    answers = {out.get() for _ in processes}

    assert len(answers) == 1, answers
    secret, key = answers.pop().split()
    assert (tmp_path / "data/auth.secret").read_text().strip() == secret
    assert (tmp_path / "data/service-vault.key").read_text().strip() == key
