"""How the API's HTTP server is configured: one place for ``up``, ``serve``, the demo, the
PACT host, the benchmark and the tests, so each measures and tests the server the product runs.

uvicorn parses HTTP with httptools and runs its event loop on uvloop (both C extensions,
declared in pyproject.toml) rather than its pure-Python h11 parser and asyncio's own loop.
In ``scripts/bench.py``'s single mode the event loop's thread held the GIL about 45 % of the
time; h11's parsing and asyncio's loop were part of it (docs/performance.md, "Single mode,
session 5").
"""

from __future__ import annotations

from typing import Any

import uvicorn

#: uvicorn's parser and event loop (named, not "auto": a missing extension is an install error,
#: not a silent fallback to the slower pure-Python ones)
HTTP = "httptools"
LOOP = "uvloop"


def server_config(app: Any, host: str, port: int, **options: Any) -> uvicorn.Config:
    """A :class:`uvicorn.Config` for ``app`` (an ASGI app, or an import string with
    ``factory=True``) on ``host:port``; ``options`` are uvicorn's own (``workers``,
    ``ssl_certfile``, ...). Warnings only in the log, as everywhere in the service."""
    options.setdefault("log_level", "warning")
    return uvicorn.Config(app, host=host, port=port, http=HTTP, loop=LOOP, **options)
