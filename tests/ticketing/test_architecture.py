"""The dependency rules of DESIGN.md, checked: logic packages never import Qt, the windows
never talk HTTP or SQL themselves, and imports point one way: ``ticketing`` below both sides,
``desktop`` never into ``sync_server``, nothing below ``desktop/ui`` up into it, ``bench``
never into ``tests``."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QT_FREE = ["ticketing", "desktop.store", "desktop.sync", "desktop.net", "desktop.local", "sync_server.app"]


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


def _python_files(place: Path) -> list[Path]:
    return [place] if place.is_file() else sorted(place.rglob("*.py"))


def _offenders(folders: tuple[str, ...], forbidden: tuple[str, ...]) -> set[str]:
    """``path: module`` for each import in ``folders`` of a module under one of ``forbidden``."""
    return {
        f"{path.relative_to(ROOT)}: {name}"
        for folder in folders
        for path in _python_files(ROOT / folder)
        for name in _imports(path)
        if any(name == banned or name.startswith(banned + ".") for banned in forbidden)
    }


def test_windows_use_the_store_and_tasks_only() -> None:
    assert not _offenders(("desktop/ui", "desktop/models"), FORBIDDEN_IN_UI)


def test_shared_rules_import_neither_side() -> None:
    assert not _offenders(("ticketing",), ("sync_server", "desktop"))


def test_the_desktop_never_imports_the_server() -> None:
    assert not _offenders(("desktop",), ("sync_server",))


def test_nothing_below_the_windows_imports_them() -> None:
    """``desktop/models``, the store, sync, HTTP clients and the rest serve ``desktop/ui``;
    only the entry points (``desktop/app.py``, ``__main__``, ``self_check.py``) sit above it."""
    below = tuple(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "desktop").iterdir()
        if path.name not in {"ui", "app.py", "__main__.py", "self_check.py", "__pycache__"}
        and (path.is_dir() or path.suffix == ".py")
    )
    assert not _offenders(below, ("desktop.ui",))


def test_benchmarks_import_no_tests() -> None:
    assert not _offenders(("bench",), ("tests",))


def test_server_and_shared_rules_never_import_the_client() -> None:
    assert not _offenders(("ticketing", "sync_server"), ("desktop",))


def test_no_test_module_imports_another() -> None:
    """Shared test code lives in helper modules, so each test module stands alone."""
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        for name in _imports(path)
        if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")
    ]
    assert offenders == []


def test_colours_are_written_in_the_palette_only() -> None:
    """A colour written in a window cannot follow the light or dark scheme; ``desktop/palette.py``
    names each one once."""
    colour = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b(?=[;'\")\s])")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _python_files(ROOT / "desktop")
        if path.name != "palette.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if colour.search(line.split("  # ")[0])
    ]
    assert offenders == []
