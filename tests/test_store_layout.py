"""The store's facade stays a facade: `store/store.py` composes the parts that hold the SQL and holds none
itself, so that a new area adds a module of its own instead of growing the hub (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

STORE = Path(__file__).resolve().parents[1] / "src" / "accomplice" / "store"
# What the facade may take from SQLAlchemy: the types of its seam (an engine, a connection) and URL parsing.
FACADE_SQLALCHEMY = {"Connection", "Engine", "make_url"}


def _imports(path: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.setdefault(node.module, set()).update(alias.name for alias in node.names)
    return found


def test_the_store_facade_reads_no_table_and_builds_no_query() -> None:
    imports = _imports(STORE / "store.py")
    assert not [m for m in imports if m.startswith("accomplice.store.schema")], "the facade names a table"
    taken = set().union(*(names for module, names in imports.items() if module.startswith("sqlalchemy")))
    assert taken <= FACADE_SQLALCHEMY, f"the facade builds SQL with {sorted(taken - FACADE_SQLALCHEMY)}"


def test_every_store_method_hands_off_in_one_statement() -> None:
    tree = ast.parse((STORE / "store.py").read_text("utf-8"))
    store = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Store")
    for method in store.body:
        if not isinstance(method, ast.FunctionDef) or method.name == "__init__":
            continue
        body = [s for s in method.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        long_ones = {"file_path"}  # reads the URL's parts: no part of the database is involved
        if method.name not in long_ones:
            assert len(body) == 1, f"Store.{method.name} does work of its own; give it to a part"
