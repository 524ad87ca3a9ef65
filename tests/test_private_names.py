"""No module of accomplice uses a private name (`_x`) of another module: each module's seam is public.

The store's modules once wrote through `Store._writer()` and kept their own copies of the clock helpers;
a module that needs something of another's makes it public there (`Store.writer`, `store.clock.utc_now`).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "accomplice"

# Cross-module uses of private names that remain outside the store, each left to the part of issue 11 (or the
# area) that reshapes its package; this set may only shrink.
KNOWN = frozenset(
    {
        ("exposure/engine.py", "_gather"),
        ("exposure/engine.py", "_index_facts"),
        ("exposure/engine.py", "_listed_blocked"),
        ("names/kontsevich.py", "_name_parts"),
        ("names/kontsevich.py", "_phones"),
        # rigour's own tagger normaliser (its Rust core exposes no public one): the phrase table must
        # normalise exactly as rigour does, and the index build checks it against rigour on every text.
        ("store/name_phrases.py", "_normalize"),
    }
)


def _private(name: str) -> bool:
    # `__dunder__` and enum `_sunder_` names are the language's, not a module's.
    return name.startswith("_") and not name.endswith("_")


def _defined_here(tree: ast.Module) -> set[str]:
    """The private names a module defines: functions, classes, assignments, attributes and parameters."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return {name for name in names if _private(name)}


def _foreign_private_uses(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"), str(path))
    own = _defined_here(tree)
    uses: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            uses += [(node.lineno, alias.name) for alias in node.names if _private(alias.name)]
        elif isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in own:
            uses.append((node.lineno, node.attr))
    return uses


def _violations() -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:  # Alembic revisions are frozen history, never edited
            continue
        relative = path.relative_to(SRC).as_posix()
        for line, name in _foreign_private_uses(path):
            found.setdefault((relative, name), line)
    return found


def test_no_module_uses_another_modules_private_names() -> None:
    unexpected = {
        f"{path}:{line} uses {name}"
        for (path, name), line in _violations().items()
        if (path, name) not in KNOWN
    }
    assert not unexpected, "make the name public in its own module instead:\n" + "\n".join(sorted(unexpected))


def test_store_modules_write_through_the_public_writer() -> None:
    for path in sorted((SRC / "store").glob("*.py")):
        text = path.read_text("utf-8")
        assert "._writer(" not in text, f"{path.name} writes through a private writer; use Store.writer()"
        if path.name != "engine.py":
            assert "sqlite_write" not in text, f"{path.name} builds its own writer; use engine.writer()"


def test_store_and_services_keep_one_clock() -> None:
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), str(path))
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        copies = defined & {"_now", "_utc", "_aware", "utc_now", "aware"}
        if path != SRC / "store" / "clock.py":
            assert not copies, f"{path.relative_to(SRC)} defines {sorted(copies)}; use accomplice.store.clock"


def _package_imports(tree: ast.Module, subs: set[str]) -> list[tuple[int, str]]:
    """Where a module imports the `accomplice.services` package itself rather than one of its modules:
    `from accomplice import services`, `import accomplice.services`, or a name the package re-exports."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "accomplice":
            found += [(node.lineno, "accomplice.services") for a in node.names if a.name == "services"]
        elif isinstance(node, ast.ImportFrom) and node.module == "accomplice.services":
            names = [a.name for a in node.names if a.name not in subs]
            found += [(node.lineno, f"accomplice.services.{name}") for name in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name == "accomplice.services"]
    return found


def test_services_modules_import_each_other_never_the_package() -> None:
    # The package's __init__ only re-exports its modules' names for the interfaces; a services module that
    # imported from it would depend on every other one and bring back the import cycle it once had.
    package = SRC / "services"
    subs = {path.stem for path in package.glob("*.py")} - {"__init__"}
    found = {
        f"services/{path.name}:{line} imports {name}"
        for path in sorted(package.glob("*.py"))
        if path.name != "__init__.py"
        for line, name in _package_imports(ast.parse(path.read_text("utf-8"), str(path)), subs)
    }
    assert not found, "import from the module that defines the name:\n" + "\n".join(sorted(found))


def test_services_package_holds_no_logic() -> None:
    # Only imports, `__all__` and its docstring: every use case lives in a module of its own.
    path = SRC / "services" / "__init__.py"
    tree = ast.parse(path.read_text("utf-8"), str(path))
    logic = [
        f"line {node.lineno}: {type(node).__name__}"
        for node in tree.body
        if not isinstance(node, ast.Import | ast.ImportFrom)
        and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
        and not (isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["__all__"])
    ]
    assert not logic, "services/__init__.py re-exports only; move this into a module:\n" + "\n".join(logic)
