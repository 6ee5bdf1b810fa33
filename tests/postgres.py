"""A throw-away PostgreSQL server for the tests (``.ci/run`` installs the package).

The server runs from Debian's ``postgresql`` binaries in a temporary directory, on a free
port, with trust authentication on loopback only. As root it runs as the ``postgres`` user,
since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from carbonledger.chain.node import free_port


def postgres_bin() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl``, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


@contextmanager
def postgres_server(workdir: Path) -> Iterator[str]:
    """Start PostgreSQL in ``workdir``; yield a SQLAlchemy URL of an empty database."""
    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser") or next(
            (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.path.exists(p)), "runuser"
        )
        as_user = [runuser, "-u", "postgres", "--"]
        shutil.chown(workdir, "postgres")
        workdir.chmod(0o700)
    data = workdir / "pgdata"
    port = free_port()

    def run(*cmd: str) -> None:
        subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(workdir / "log"),
        "-w",
        "start",
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            done = subprocess.run(
                [*as_user, str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                 "postgres", "carbonledger"],
                capture_output=True,
                timeout=30,
            )  # fmt: skip
            if done.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"createdb failed: {done.stderr.decode(errors='replace')}")
            time.sleep(0.2)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/carbonledger"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
            timeout=60,
        )


def fresh_database(url: str, name: str) -> str:
    """Create an empty database ``name`` on the server of ``url``; its URL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.rsplit("/", 1)[0] + f"/{name}"
