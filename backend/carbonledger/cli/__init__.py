"""The ``carbonledger`` command line."""

from carbonledger.cli.main import app, main

__all__ = ["app", "main"]
