"""The data directory's private files made on first use (the auth secret, the service's vault
key, the PACT token secret): one value, whichever process makes it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """The text of the private file ``path``, made with ``make()`` (mode 0600) if missing.

    Processes started together on a new data directory (the API processes of ``serve
    --workers N``, ``anchor`` and ``index``) may each find the file missing. Each writes a
    value of its own to a file of its own and links it into place, which only the first can
    do (a link never replaces a file); the others read that one's value. No one reads a file
    still being written: until session 19 the file was created empty, then written, and a
    process that found it in between read nothing (an auth secret "of fewer than 32 bytes")
    or failed with "File exists". Needs a file system with hard links (every local one)."""
    try:
        return path.read_text()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, mine = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another's is in place: that one holds
            os.link(mine, path)
    finally:
        os.unlink(mine)
    return path.read_text()
