"""The command line starts without the libraries only the ledger's own processes need: a
member's commands (claims, audits, settlements, ...) talk to the API over HTTP, so web3, the
database libraries and the service layer are imported by the commands that run the ledger
(``up``, ``chain``, ``status``, ``serve``, ...) and the admins' chain commands, not by every
start: they were 1.3 s of the 2.5 s the import of ``carbonledger.cli.main`` took."""

from __future__ import annotations

import subprocess
import sys

#: modules no member command needs at start-up
HEAVY = ("web3", "sqlalchemy", "psycopg", "carbonledger.services", "carbonledger.store")


def test_the_command_line_starts_without_web3_the_database_or_the_services() -> None:
    probe = (
        "import sys, carbonledger.cli.main\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
