"""No traceback reaches a user: every command, given bad input or a ledger that is down,
ends with one line saying what and where, and exit code 1 (2 for bad input).

The commands run as the console script runs them (``carbonledger.cli.main.main``), against a
real running ledger where one is needed (non-member, non-admin, wrong password)."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest
from eth_account import Account

from carbonledger.chain.manifest import write_manifest
from carbonledger.chain.node import free_port
from carbonledger.cli.main import main
from tests.api.conftest import Api, as_bytes, example

PASSWORD = "errors password"
pytestmark = pytest.mark.parametrize("api_database", ["sqlite"], indirect=True)


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["carbonledger", *args])
    with pytest.raises(SystemExit) as done:
        main()
    captured = capsys.readouterr()
    code = done.value.code if isinstance(done.value.code, int) else 1
    return code, captured.out + captured.err


def test_every_command_fails_with_one_line_and_no_traceback(
    api: Api,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CARBONLEDGER_KEY_PASSWORD", PASSWORD)
    monkeypatch.delenv("CARBONLEDGER_API_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    firm = api.admit("Errors Firm")
    key = tmp_path / "firm.json"
    key.write_text(json.dumps(Account.encrypt(bytes(firm.key), PASSWORD)))
    stranger = tmp_path / "stranger.json"  # a key that is no member
    stranger.write_text(json.dumps(Account.encrypt(Account.create().key, PASSWORD)))
    wrong = tmp_path / "wrong.json"  # a member's key under another password
    wrong.write_text(json.dumps(Account.encrypt(bytes(firm.key), "another password")))
    data = tmp_path / "data"
    data.mkdir()
    write_manifest(data / "deployment.json", api.chain.deployment)

    good = example("carrier_footprint.json", firm.address)
    files = {
        "malformed": "{ not json",
        "not-a-claim": '{"hello": "world"}',
        "float": json.dumps(good).replace('"0.120"', "0.12", 1),
        "unknown-factor": json.dumps(
            {**good, "lines": [{**good["lines"][0], "factor_id": "no.such.factor"}]}
        ),
    }
    for name, text in files.items():
        (tmp_path / f"{name}.json").write_text(text, encoding="utf-8")
    good_file = tmp_path / "good.json"
    good_file.write_bytes(as_bytes(copy.deepcopy(good)))
    dead_api = f"http://127.0.0.1:{free_port()}"
    dead_rpc = f"http://127.0.0.1:{free_port()}"
    claim = "0x" + "12" * 32
    up = ["--key", str(key), "--api", api.url]
    down = ["--key", str(key), "--api", dead_api]
    sid = "0x" + "34" * 32

    cases: list[tuple[list[str], str]] = [
        # bad files
        (["claim", "check", str(tmp_path / "malformed.json")], "not a valid claim document"),
        (["claim", "check", str(tmp_path / "not-a-claim.json")], "not a valid claim document"),
        (["claim", "check", str(tmp_path / "float.json")], "float"),
        (["claim", "check", str(tmp_path / "missing.json")], "cannot read"),
        (["claim", "submit", str(tmp_path / "malformed.json"), *up], "not a valid claim"),
        (["claim", "submit", str(tmp_path / "float.json"), *up], "float"),
        (["claim", "submit", str(tmp_path / "unknown-factor.json"), *up], "no.such.factor"),
        (["claim", "amend", claim, str(tmp_path / "float.json"), *up], "float"),
        (["standard", "check", str(tmp_path / "malformed.json")], "not a claim document"),
        (["standard", "calc", str(tmp_path / "unknown-factor.json")], "no.such.factor"),
        # bad values
        (["claim", "show", "nope", *up], "not a claim id"),
        (["claim", "revoke", "nope", "--reason", "x", *up], "not a claim id"),
        (["claim", "show", claim, *up], "no claim"),
        (["claim", "list", "--from", "yesterday", *up], "not a date"),
        (["claim", "list", "--firm", "Nobody Inc", *up], "no member named"),
        (["claim", "export", "--format", "pdf", "--out", str(tmp_path / "x"), *up], "--format"),
        (["member", "show", "Nobody Inc", *up], "no member named"),
        (["settlement", "show", sid, *up], "404"),
        (
            [
                "settlement",
                "propose",
                "x",
                "--description",
                "d",
                "--cost",
                "1.001",
                "--currency",
                "EUR",
                "--expected",
                "1",
                *up,
            ],
            "decimals",
        ),
        (["settlement", "pay", sid, "--reference", "r", *up], "404"),
        (
            [
                "settlement",
                "attest",
                sid,
                "--realised",
                "1",
                "--evidence",
                str(tmp_path / "none.txt"),
                *up,
            ],
            "cannot read",
        ),
        (["overlaps", "show", "nope", *up], "404"),
        (["key", "new", "--out", str(key)], "already exists"),
        # wrong password, missing keystore
        (["login", "--key", str(wrong), "--api", api.url], "wrong password"),
        (
            ["claim", "submit", str(good_file), "--key", str(wrong), "--api", api.url],
            "wrong password",
        ),
        (["settlement", "sign", sid, "--key", str(wrong), "--api", api.url], "wrong password"),
        (
            ["claim", "list", "--key", str(tmp_path / "nokey.json"), "--api", api.url],
            "unreadable",
        ),
        # not a member
        (["login", "--key", str(stranger), "--api", api.url], "HTTP 40"),
        (["claim", "list", "--key", str(stranger), "--api", api.url], "HTTP 40"),
        (
            ["claim", "submit", str(good_file), "--key", str(stranger), "--api", api.url],
            "HTTP 40",
        ),
        # not an admin
        (
            [
                "member",
                "admit",
                Account.create().address,
                "--name",
                "X",
                "--key",
                str(key),
                "--data-dir",
                str(data),
                "--rpc-url",
                api.chain.node.url,
            ],
            "not an active admin",
        ),
        (
            [
                "member",
                "approve",
                "1",
                "--key",
                str(key),
                "--data-dir",
                str(data),
                "--rpc-url",
                api.chain.node.url,
            ],
            "not an active admin",
        ),
        (
            [
                "member",
                "admit",
                "0xnope",
                "--name",
                "X",
                "--data-dir",
                str(data),
                "--rpc-url",
                api.chain.node.url,
            ],
            "not an address",
        ),
        # service down
        (["login", *down], "cannot reach the API"),
        (["claim", "list", *down], "cannot reach the API"),
        (["claim", "show", claim, *down], "cannot reach the API"),
        (["claim", "submit", str(good_file), *down], "cannot reach the API"),
        (["claim", "amend", claim, str(good_file), *down], "cannot reach the API"),
        (["claim", "revoke", claim, "--reason", "x", *down], "cannot reach the API"),
        (["claim", "export", "--out", str(tmp_path / "e.csv"), *down], "cannot reach the API"),
        (["member", "list", *down], "cannot reach the API"),
        (["member", "show", firm.address, *down], "cannot reach the API"),
        (["overlaps", "list", *down], "cannot reach the API"),
        (["overlaps", "show", "x", *down], "cannot reach the API"),
        (["settlement", "list", *down], "cannot reach the API"),
        (["settlement", "show", sid, *down], "cannot reach the API"),
        (["settlement", "sign", sid, *down], "cannot reach the API"),
        (["settlement", "decline", sid, *down], "cannot reach the API"),
        (["settlement", "pay", sid, "--reference", "r", *down], "cannot reach the API"),
        (
            [
                "settlement",
                "propose",
                "x",
                "--description",
                "d",
                "--cost",
                "1",
                "--currency",
                "EUR",
                "--expected",
                "1",
                *down,
            ],
            "cannot reach the API",
        ),
        (
            ["audit", "report", "--firm", firm.address, "--out", "r.pdf", *down],
            "cannot reach the API",
        ),
        (
            ["audit", "record", claim, "--verdict", "approved", "--report", str(good_file), *down],
            "cannot reach the API",
        ),
        (["audit", "report", "--claim", claim, "--out", "r.txt", *up], ".html"),
        (["audit", "report", "--claim", claim, "--out", "r.pdf", *up], "403"),
        (
            ["audit", "record", claim, "--verdict", "maybe", "--report", str(good_file), *up],
            "approved or rejected",
        ),
        # chain down
        (
            [
                "member",
                "admit",
                Account.create().address,
                "--name",
                "X",
                "--data-dir",
                str(data),
                "--rpc-url",
                dead_rpc,
            ],
            dead_rpc,
        ),
        (
            ["member", "suspension", firm.address, "--data-dir", str(data), "--rpc-url", dead_rpc],
            dead_rpc,
        ),
        (
            [
                "verify",
                "--rpc",
                dead_rpc,
                "--claim-ledger",
                api.chain.deployment.address("ClaimLedger"),
                "--claim",
                claim,
                "--document",
                str(good_file),
            ],
            dead_rpc,
        ),
        (
            [
                "verify",
                "--rpc",
                api.chain.node.url,
                "--manifest",
                str(data / "deployment.json"),
                "--claim",
                claim,
                "--document",
                str(good_file),
                "--report",
                "r.txt",
            ],
            ".html",
        ),
        (
            [
                "member",
                "list",
                "--key",
                str(key),
                "--data-dir",
                str(tmp_path / "nowhere"),
                "--api",
                dead_api,
            ],
            "cannot reach the API",
        ),
    ]
    problems = []
    for args, expected in cases:
        code, output = run(capsys, monkeypatch, *args)
        if "Traceback" in output or "unexpected" in output or code not in (1, 2):
            problems.append(f"{' '.join(args)} -> exit {code}:\n{output}")
        elif expected not in output:
            problems.append(f"{' '.join(args)}: {expected!r} not in:\n{output}")
        elif code == 2 and len(output.strip().splitlines()) > 12:
            problems.append(f"{' '.join(args)}: too long:\n{output}")
    assert not problems, "\n\n".join(problems)
