"""``carbonledger verify``: table, summary, exit codes 0 / 1 / 2 with one clear line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from carbonledger.chain.node import free_port
from carbonledger.cli.main import app
from tests.verify.conftest import Consortium, History

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["verify", *args], env={"COLUMNS": "250"})
    return result.exit_code, result.stdout, result.stderr


def test_an_honest_firm_exits_0_with_a_table_and_summary(
    consortium: Consortium, history: History
) -> None:
    code, out, _ = run(
        "--rpc", consortium.rpc, "--manifest", str(consortium.manifest),
        "--firm", history.firm.address, "--documents", str(history.directory),
    )  # fmt: skip
    assert code == 0, out
    assert "everything holds" in out and "5 claim(s)" in out
    assert "signature" in out and "check re-run" in out


def test_claim_mode_with_discovered_addresses_exits_0(
    consortium: Consortium, history: History
) -> None:
    f1 = consortium.filed["footprint-2024"]
    code, out, _ = run(
        "--rpc", consortium.rpc, "--claim-ledger", consortium.dev.ledger,
        "--claim", "0x" + f1.claim_id.hex(),
        "--document", str(history.directory / "footprint-2024.json"),
    )  # fmt: skip
    assert code == 0, out


def test_a_tampered_document_exits_1_naming_the_claim(
    consortium: Consortium, history: History, tmp_path: Path
) -> None:
    f1 = consortium.filed["footprint-2024"]
    path = tmp_path / "f.json"
    path.write_text(f1.document.decode().replace("2024", "2O24", 1), encoding="utf-8")
    code, out, _ = run(
        "--rpc", consortium.rpc, "--manifest", str(consortium.manifest), "--json",
        "--claim", "0x" + f1.claim_id.hex(), "--document", str(path),
    )  # fmt: skip
    assert code == 1
    assert '"result": "FAILS"' in out and f"0x{f1.claim_id.hex()}" in out


def test_bad_input_exits_2_with_one_line_saying_what_and_where(
    consortium: Consortium, history: History, tmp_path: Path
) -> None:
    f1 = "0x" + consortium.filed["footprint-2024"].claim_id.hex()
    base = ["--rpc", consortium.rpc, "--manifest", str(consortium.manifest), "--claim", f1]
    missing = tmp_path / "nope.json"
    code, _, err = run(*base, "--document", str(missing))
    assert code == 2 and "document not found" in err and str(missing) in err
    assert len(err.strip().splitlines()) == 1

    not_claim = tmp_path / "x.json"
    not_claim.write_text('{"hello": 1}', encoding="utf-8")
    code, _, err = run(*base, "--document", str(not_claim))
    assert code == 2 and "is not a claim document" in err and "x.json" in err

    dead = f"http://127.0.0.1:{free_port()}"
    code, _, err = run(
        "--rpc", dead, "--claim-ledger", consortium.dev.ledger,
        "--claim", f1, "--document", str(history.directory / "footprint-2024.json"),
    )  # fmt: skip
    assert code == 2 and "cannot reach a JSON-RPC node" in err and dead in err

    # no manifest given nor in the data directory (an empty one: not the working tree's own)
    code, _, err = run("--rpc", consortium.rpc, "--claim", f1, "--data-dir", str(tmp_path))
    assert code == 2 and "--manifest" in err
