"""The only module of the package that reads files: the default standard from package data.

``load_default_standard()`` reads ``data/methodology.json``, the factor tables it lists and the
GWP file with :mod:`importlib.resources`, rejects binary floats in them, and hands the parsed
documents to the pure :func:`~carbonledger.standard.methodology.build_standard`. The result is
cached (the data is immutable package content).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from carbonledger.standard.errors import FactorTableError
from carbonledger.standard.methodology import Standard, build_standard

DATA_PACKAGE = "carbonledger.standard"


def _reject_float(text: str) -> Any:
    raise FactorTableError(f"binary float {text} in a data file; write decimals as strings")


def read_json_resource(path: Traversable) -> Any:
    """Parse one JSON data file, rejecting binary floats."""
    with path.open("rb") as fh:
        return json.loads(fh.read().decode("utf-8"), parse_float=_reject_float)


def load_standard_from(root: Traversable) -> Standard:
    """Load a standard from a directory laid out like the package's ``data/``."""
    methodology = read_json_resource(root / "methodology.json")
    tables = [read_json_resource(root / rel) for rel in methodology["factor_tables"]]
    gwp = read_json_resource(root / methodology["gwp_file"])
    return build_standard(methodology, tables, gwp)


@lru_cache(maxsize=1)
def load_default_standard() -> Standard:
    """The default standard shipped with this package (methodology + factor tables + GWPs)."""
    return load_standard_from(resources.files(DATA_PACKAGE) / "data")


def example_path(name: str) -> Traversable:
    """Path of a shipped example claim document (``examples/<name>``)."""
    return resources.files(DATA_PACKAGE) / "examples" / name
