"""The dependency rules of DESIGN.md, checked: logic packages never import Qt, and the
windows never talk HTTP or SQL themselves."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QT_FREE = ["ticketing", "desktop.store", "desktop.sync", "desktop.api", "sync_server.app"]


@pytest.mark.parametrize("package", QT_FREE)
def test_logic_never_imports_qt(package: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"root = importlib.import_module({package!r})\n"
        "for info in pkgutil.walk_packages(getattr(root, '__path__', []), root.__name__ + '.'):\n"
        "    if '.migrations' not in info.name:\n"
        "        importlib.import_module(info.name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('PySide6')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]", f"{package} pulls in Qt: {result.stdout}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


FORBIDDEN_IN_UI = ("requests", "httpx", "sqlalchemy", "sqlite3", "psycopg", "sync_server")


def test_windows_use_the_store_and_tasks_only() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for folder in ("desktop/ui", "desktop/models")
        for path in (ROOT / folder).glob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN_IN_UI
    }
    assert not offenders


def test_server_and_shared_rules_never_import_the_client() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for folder in ("ticketing", "sync_server")
        for path in (ROOT / folder).rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] == "desktop"
    }
    assert not offenders


def test_no_test_module_imports_another() -> None:
    """Shared test code lives in helper modules, so each test module stands alone."""
    tests = Path(__file__).parent
    offenders = [
        f"{path.name}: {line.strip()}"
        for path in sorted(tests.glob("test_*.py"))
        for line in path.read_text().splitlines()
        if line.startswith(("from tests.test_", "import tests.test_"))
    ]
    assert offenders == []
