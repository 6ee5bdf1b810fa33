"""The only module of the package that reads files: the shipped standard versions.

Every version ever published is shipped as a frozen directory ``data/versions/<methodology
version>/``: ``methodology.json``, the factor tables it lists, the GWP file, and

* ``ruleset.json`` -- the rule-set document of the level it names (:func:`.rules.
  ruleset_document`), frozen when the version was made; the loader refuses a version whose
  code tables no longer produce it (a rule, a line field, a scope table or the decimal context
  changed without a new methodology version);
* ``pinned.json`` -- the keccak-256 of every file of the directory, the content hash and the
  version id; the loader refuses a directory whose bytes or hash differ.

``data/versions/index.json`` lists the versions and names the ``current`` one (what new claims
are filed under and what ``carbonledger up`` publishes). Old versions stay loadable, so a claim
is re-checked under the version it names, byte for byte.

Files are read with :mod:`importlib.resources`; binary floats are rejected; the parsed
documents go to the pure :func:`~carbonledger.standard.methodology.build_standard`. Results are
cached (the data is immutable package content).
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from carbonledger.standard.canonical import canonical_bytes, keccak256
from carbonledger.standard.errors import FactorTableError
from carbonledger.standard.methodology import Standard, build_standard, rule_set_level
from carbonledger.standard.rules import ruleset_document

DATA_PACKAGE = "carbonledger.standard"
PINNED = "pinned.json"
RULESET = "ruleset.json"


def _reject_float(text: str) -> Any:
    raise FactorTableError(f"binary float {text} in a data file; write decimals as strings")


def read_json_resource(path: Traversable) -> Any:
    """Parse one JSON data file, rejecting binary floats."""
    with path.open("rb") as fh:
        return json.loads(fh.read().decode("utf-8"), parse_float=_reject_float)


def version_files(methodology: dict[str, Any]) -> list[str]:
    """The data files a version directory is made of (relative paths), pins excluded."""
    return ["methodology.json", methodology["gwp_file"], *methodology["factor_tables"], RULESET]


def load_standard_from(root: Traversable) -> Standard:
    """Build the standard of a directory laid out like ``data/versions/<v>/`` (no pin checks:
    for a version being prepared; shipped versions go through :func:`load_version`)."""
    methodology = read_json_resource(root / "methodology.json")
    tables = [read_json_resource(root / rel) for rel in methodology["factor_tables"]]
    gwp = read_json_resource(root / methodology["gwp_file"])
    return build_standard(methodology, tables, gwp)


def pins_of(root: Traversable, standard: Standard) -> dict[str, Any]:
    """The ``pinned.json`` object of a version directory (what :func:`load_version` checks)."""
    methodology = read_json_resource(root / "methodology.json")
    files = {}
    for rel in version_files(methodology):
        files[rel] = "0x" + keccak256((root / rel).read_bytes()).hex()
    return {
        "methodology_version": standard.methodology_version,
        "rule_set": standard.rule_set.id,
        "version_id": standard.version_id,
        "content_hash": "0x" + standard.content_hash.hex(),
        "files": files,
    }


def ruleset_bytes(level: int) -> bytes:
    """The frozen ``ruleset.json`` bytes of a level (RFC 8785 + newline)."""
    return canonical_bytes(ruleset_document(level)) + b"\n"


def verify_version_dir(root: Traversable) -> Standard:
    """Load a version directory and check its rule set and pins; the standard, or
    :class:`FactorTableError` naming what changed."""
    methodology = read_json_resource(root / "methodology.json")
    where = f"standard version {methodology.get('methodology_version')!r}"
    level = rule_set_level(methodology)
    frozen = (root / RULESET).read_bytes()
    if frozen != ruleset_bytes(level):
        raise FactorTableError(
            f"{where}: the code's rule set cls-rules/{level} no longer matches its frozen "
            f"{RULESET} (a rule, line field, scope table or the decimal context changed): "
            "make a new methodology version instead of changing a published one"
        )
    standard = load_standard_from(root)
    pins = read_json_resource(root / PINNED)
    actual = pins_of(root, standard)
    for rel, digest in actual["files"].items():
        if pins.get("files", {}).get(rel) != digest:
            raise FactorTableError(f"{where}: {rel} differs from its pinned keccak-256")
    if pins.get("content_hash") != actual["content_hash"]:
        raise FactorTableError(
            f"{where}: content hash {actual['content_hash']} differs from the pinned "
            f"{pins.get('content_hash')}"
        )
    return standard


def _versions_root() -> Traversable:
    return resources.files(DATA_PACKAGE) / "data" / "versions"


@lru_cache(maxsize=1)
def _index() -> dict[str, Any]:
    index = read_json_resource(_versions_root() / "index.json")
    if not isinstance(index, dict) or index.get("current") not in index.get("versions", []):
        raise FactorTableError("data/versions/index.json: 'current' must be one of 'versions'")
    return index


def shipped_versions() -> tuple[str, ...]:
    """Methodology versions shipped with this package, oldest first."""
    return tuple(_index()["versions"])


def current_version() -> str:
    """The methodology version new claims are filed under."""
    return str(_index()["current"])


@cache
def load_version(methodology_version: str) -> Standard:
    """A shipped standard version, checked against its frozen rule set and pins."""
    if methodology_version not in shipped_versions():
        raise FactorTableError(
            f"standard version {methodology_version!r} is not shipped "
            f"(shipped: {', '.join(shipped_versions())})"
        )
    return verify_version_dir(_versions_root() / methodology_version)


def load_default_standard() -> Standard:
    """The current standard (methodology + factor tables + GWPs + rule set)."""
    return load_version(current_version())


def shipped_standards() -> tuple[Standard, ...]:
    """Every shipped version, oldest first."""
    return tuple(load_version(v) for v in shipped_versions())


def standard_named(version_id: str) -> Standard | None:
    """The shipped version whose id a claim names (``cls-1.0.0-...``), or None."""
    for std in shipped_standards():
        if std.version_id == version_id:
            return std
    return None


def standard_by_content_hash(content_hash: bytes) -> Standard | None:
    """The shipped version with this content hash (as registered on chain), or None."""
    for std in shipped_standards():
        if std.content_hash == content_hash:
            return std
    return None


def example_path(name: str) -> Traversable:
    """Path of a shipped example claim document (``examples/<name>``)."""
    return resources.files(DATA_PACKAGE) / "examples" / name
