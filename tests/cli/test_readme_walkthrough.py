"""The README's "first hour" walkthroughs, run as a reader pastes them: the demo left running
(on free ports, in a temporary directory), then each role's commands in a shell."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from carbonledger.chain.node import free_port
from tests.cli.conftest import CLI, cli_env
from tests.conftest import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def walkthrough(name: str) -> list[str]:
    """The commands of the ``<!-- walkthrough:NAME -->`` block."""
    found = re.search(rf"<!-- walkthrough:{name} -->\s*```sh\n(.*?)```", README, re.DOTALL)
    assert found is not None, f"README has no walkthrough:{name} block"
    return [line for line in found.group(1).splitlines() if line.strip()]


def test_every_command_of_the_cli_is_in_the_readme_table() -> None:
    from typer.main import get_command

    from carbonledger.cli.main import app

    root = get_command(app)
    names: list[str] = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subs = getattr(command, "commands", None)
        names += [f"{name} {sub}" for sub in subs] if subs else [name]
    table = README[README.index("| command | what it does |") : README.index("## Your first hour")]
    missing = [n for n in names if n.split()[-1] not in table or n.split()[0] not in table]
    assert not missing, missing


def test_each_roles_first_hour_runs_as_written(tmp_path: Path) -> None:
    [setup] = walkthrough("setup")
    assert setup.startswith("./run demo ")
    (tmp_path / "backend").symlink_to(PROJECT_ROOT / "backend")
    log = (tmp_path / "demo.log").open("w")
    ports = ["--chain-port", str(free_port()), "--api-port", str(free_port())]
    demo = subprocess.Popen(
        [CLI, *setup.removeprefix("./run ").split(), *ports],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env=cli_env(),
    )
    try:
        deadline = time.monotonic() + 240
        out = ""
        while "Carry the story on" not in out:
            assert demo.poll() is None, f"the demo stopped:\n{out}"
            assert time.monotonic() < deadline, f"the demo did not get there:\n{out}"
            time.sleep(0.5)
            out = (tmp_path / "demo.log").read_text(encoding="utf-8")
        password = re.search(r"CARBONLEDGER_KEY_PASSWORD=(\S+)", out)
        assert password is not None, out
        env = {
            **cli_env(),
            "CARBONLEDGER_KEY_PASSWORD": password.group(1),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
        }
        for role in ("firm", "partner", "auditor"):
            for line in walkthrough(role):
                done = subprocess.run(
                    ["bash", "-euo", "pipefail", "-c", line],
                    cwd=tmp_path,
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=180,
                )
                output = done.stdout + done.stderr
                assert done.returncode == 0 and "Traceback" not in output, f"{line}\n{output}"
                assert "error:" not in output, f"{line}\n{output}"
    finally:
        demo.terminate()
        demo.wait(timeout=60)
        log.close()
    sheet = load_workbook(tmp_path / "carrier-inventory.xlsx").active
    assert sheet is not None and sheet.max_row > 100  # a claim row and a row per trip line
    text = PdfReader(tmp_path / "carrier-audit.pdf").pages[0].extract_text()
    assert "Everything holds" in text
    sample = (tmp_path / "carrier-sample.html").read_text(encoding="utf-8")
    assert "a sample of 1 of the firm" in sample and "first hour" in sample


@pytest.mark.parametrize("role", ["firm", "partner", "auditor"])
def test_the_walkthroughs_use_only_the_demos_keystores(role: str) -> None:
    for line in walkthrough(role):
        assert line.startswith("carbonledger "), line
        for key in re.findall(r"--key (\S+)", line):
            assert key.startswith("demo/keys/"), line
