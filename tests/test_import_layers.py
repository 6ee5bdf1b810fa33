"""The import layers hold: a route parses, calls a service and answers; it never reaches the
database, web3 or the stores itself. A service reaches the chain only through a port (the
gateway, :mod:`carbonledger.chain.governance`), never through web3. The pure packages import
no adapter.

Read from the modules' source (their ``import`` statements), so a forbidden import fails
here even when it is only used on a path no other test takes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "backend/carbonledger"

#: package (or module) -> what its modules may not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "api/routes": ("sqlalchemy", "web3", "carbonledger.store", "carbonledger.chain"),
    "vocab": ("web3", "sqlalchemy", "carbonledger.chain", "carbonledger.services", "httpx"),
    "standard": ("web3", "sqlalchemy", "carbonledger.chain", "carbonledger.services"),
    "overlaps": ("web3", "sqlalchemy", "carbonledger.chain", "carbonledger.services"),
    "planner": ("web3", "sqlalchemy", "carbonledger.chain", "carbonledger.services", "httpx"),
    "claims.py": ("web3", "sqlalchemy", "carbonledger.chain", "carbonledger.services"),
    "verify": ("carbonledger.chain", "carbonledger.services", "carbonledger.store", "web3"),
    "services": ("web3",),
    "services/claims.py": ("carbonledger.services.anchoring",),
}

#: (module, import) allowed although FORBIDDEN names it, each with its reason
ALLOWED = {
    # GET /chain publishes eip712_types(), which is pure (the declared structs' EIP-712 types)
    # but still lives beside eth-account signing in chain/typed_data.py, not in vocab/
    ("api/routes/chain.py", "carbonledger.chain.typed_data"),
    # the composition root: it builds the chain adapters from the node connection it is given
    ("services/container.py", "web3"),
}


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports (``from a.b import c`` counts as ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(where: str) -> list[Path]:
    target = PACKAGE / where
    return [target] if target.is_file() else sorted(target.rglob("*.py"))


@pytest.mark.parametrize("where", sorted(FORBIDDEN))
def test_no_module_imports_past_its_layer(where: str) -> None:
    offending = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(where)
        for name in sorted(imports_of(path))
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[where])
        and (str(path.relative_to(PACKAGE)), name) not in ALLOWED
    ]
    assert offending == []


@pytest.mark.parametrize("where", sorted(FORBIDDEN))
def test_every_checked_layer_exists(where: str) -> None:
    """A misspelt layer or package path would check nothing and pass."""
    assert _modules(where) and all(path.exists() for path in _modules(where))


def test_the_check_fails_on_a_route_that_imports_the_database(tmp_path: Path) -> None:
    route = tmp_path / "route.py"
    route.write_text("from sqlalchemy import select\nimport web3\n")
    assert {"sqlalchemy", "web3"} <= imports_of(route)
