"""The API's OpenAPI document without a chain: ``python -m carbonledger.api.schema``.

The web app generates its TypeScript types from a snapshot of this document
(``web/openapi.json``); ``tests/web/test_openapi_snapshot.py`` fails when the snapshot and the
service differ, so the app's types cannot drift from the routes it calls.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from carbonledger.api.app import create_app
from carbonledger.chain.manifest import Deployment
from carbonledger.config import Settings


class _NoChain:
    """Schema generation reads no chain."""

    rpc_url = ""

    def chain_id(self) -> int:
        raise RuntimeError("no chain")

    def block_number(self) -> int:
        raise RuntimeError("no chain")


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document the service publishes at ``/openapi.json``."""
    deployment = Deployment(
        chain_id=0,
        deployer="0x" + "00" * 20,
        deploy_block=0,
        bytecode_hash="",
        sources_hash="",
        contracts={},
        created_at="",
    )
    settings = Settings(data_dir=Path.cwd() / ".carbonledger")
    document: dict[str, Any] = create_app(settings, _NoChain(), deployment).openapi()
    return document


def main() -> None:
    json.dump(openapi_document(), sys.stdout, indent=1, ensure_ascii=False, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
