"""The login window opens before the rest of the app is imported (see bench/cold_start.py).

Loading SQLAlchemy, the pydantic schemas, requests, the sync engine and the consoles took most
of a second before the first window; these tests keep them out of the way of the login window
and check the startup milestones the benchmark reads. Behaviour only: timings live in the
benchmark.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

import desktop.store as store_package
from desktop import startup_trace
from desktop.store.database import Store

ROOT = Path(__file__).resolve().parents[2]

#: Needed only once someone is logged in (or never, for QtCharts and the self-check).
LATER = (
    "sqlalchemy",
    "requests",
    "pydantic",
    "desktop.store.database",
    "desktop.store.queries",
    "desktop.net.api",
    "desktop.sync.session",
    "desktop.sync.engine",
    "desktop.models",
    "desktop.self_check",
    "desktop.ui.admin",
    "desktop.ui.queue",
    "desktop.ui.portal",
    "desktop.ui.ticket",
    "desktop.ui.knowledge",
    "desktop.ui.widgets.rich_text_editor",
    "desktop.ui.shell.main_window",
    "PySide6.QtCharts",
)

#: Shows the login window as ``python -m desktop`` does, then lists the loaded modules.
_SHOW_LOGIN = """
import json, sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
import desktop.__main__
from desktop.app import Application, create_qapplication

qapp = create_qapplication(["ticketdesk"])
window = Application(data_dir=Path(sys.argv[1])).start()
QApplication.processEvents()
assert window.isVisible()
print(json.dumps(sorted(sys.modules)))
"""


def _loaded_modules(data_dir: Path, tmp_path: Path) -> list[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
    }
    result = subprocess.run(
        [sys.executable, "-c", _SHOW_LOGIN, str(data_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    modules: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return modules


def test_the_login_window_opens_without_the_cache_the_network_or_any_console(tmp_path: Path) -> None:
    modules = _loaded_modules(tmp_path / "app", tmp_path)
    early = [m for m in modules if any(m == name or m.startswith(name + ".") for name in LATER)]
    assert early == []
    assert "desktop.ui.shell.login_window" in modules


def test_the_store_package_names_its_classes_on_first_use() -> None:
    assert store_package.Store is Store
    with pytest.raises(AttributeError):
        _ = store_package.NoSuchThing


def test_startup_milestones_are_printed_only_when_asked(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    printed: list[str] = []

    def shown(milestone: str) -> bool:
        printed.append(capsys.readouterr().err)
        return any(milestone in text for text in printed)

    monkeypatch.delenv(startup_trace.ENV, raising=False)
    quiet = QWidget()
    qtbot.addWidget(quiet)
    startup_trace.mark_first_paint(quiet, "quiet-shown")
    with qtbot.waitExposed(quiet):
        quiet.show()

    monkeypatch.setenv(startup_trace.ENV, "1")
    traced = QWidget()
    qtbot.addWidget(traced)
    startup_trace.mark_first_paint(traced, "traced-shown")
    traced.show()
    qtbot.waitUntil(lambda: shown("traced-shown"))

    assert not shown("quiet-shown")
    line = next(line for text in printed for line in text.splitlines() if "traced-shown" in line)
    prefix, milestone, stamp = line.split()
    assert (prefix, milestone) == (startup_trace.PREFIX, "traced-shown")
    assert float(stamp) > 0
