"""Benchmark of the desktop app's cold start (run by hand, not a test).

Launches the real app (``python -m desktop --data-dir TMP``) as a new process, again and
again, and measures the wall time from launching it to:

- the login window painted, with nothing remembered (a first start);
- with a remembered agent account and a cache of 100k tickets, the login window painted and
  then the agent queue's first screen painted with real rows (not placeholders).

The remembered account points at a server nobody listens on (``127.0.0.1:9``, refused at
once): the queue must be usable from the cache before any network answer, so no live server is
needed, and the figures do not depend on one. The app reports its milestones through
:mod:`desktop.startup_trace` (``TICKETDESK_STARTUP_TRACE=1``). The token sits in a plain-file
keyring (``keyrings.alt``) in a temporary folder, the cache is built with the store code as
``bench.queue_model`` builds it. Python and Qt start cold each time; the operating system's
file cache is warm (the cache file was just written).

Each figure is printed as a ratio against a baseline measured in the same run: a process that
imports PySide6, creates a ``QApplication`` and shows an empty ``QWidget``, to its first paint.

    .venv/bin/python -m bench.cold_start [--tickets 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from bench.queue_model import fill_cache
from desktop.local.remembered import AccountBook, RememberedAccount
from desktop.startup_trace import ENV, LOGIN_SHOWN, PREFIX, QUEUE_ROWS_SHOWN
from desktop.store import Store, files
from ticketing.domain import Role, new_id

#: Nobody listens there: connections are refused at once, so the app starts offline.
SERVER = "http://127.0.0.1:9"
EMAIL = "agent0@example.com"
TIMEOUT_SECONDS = 120.0

#: The baseline: PySide6 imported, a QApplication, an empty QWidget shown, to its first paint.
_BASELINE = f"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, lambda: print("{PREFIX} {LOGIN_SHOWN}", f"{{time.time():.6f}}",
                                               file=sys.stderr, flush=True))
        return False

app = QApplication([])
window = QWidget()
window.resize(440, 300)
first_paint = FirstPaint()
window.installEventFilter(first_paint)
window.show()
app.exec()
"""


def launch(command: list[str], env: dict[str, str], wanted: list[str]) -> dict[str, float]:
    """Start ``command``; return seconds from launch to each of the ``wanted`` milestones."""
    started = time.time()
    process = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: dict[str, float] = {}
    output: list[str] = []
    deadline = time.monotonic() + TIMEOUT_SECONDS
    try:
        while not all(milestone in seen for milestone in wanted):
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            if line is None:
                raise RuntimeError(f"{command} exited before {wanted}:\n{''.join(output)}")
            output.append(line)
            parts = line.split()
            if len(parts) == 3 and parts[0] == PREFIX:
                seen[parts[1]] = float(parts[2]) - started
    except queue.Empty:
        raise TimeoutError(f"no {wanted} within {TIMEOUT_SECONDS} s:\n{''.join(output)}") from None
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return seen


def _environment(folder: Path) -> dict[str, str]:
    """The app's environment: its user folders and plain-file keyring in ``folder``."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env[ENV] = "1"
    env["XDG_DATA_HOME"] = str(folder / "xdg-data")
    env["XDG_CONFIG_HOME"] = str(folder / "xdg-config")
    env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    return env


def remember_agent(data_dir: Path, env: dict[str, str], tickets: int) -> Path:
    """A remembered agent account in ``data_dir`` with a token in the plain-file keyring and a
    cache of ``tickets`` tickets; returns the cache's path."""
    agent = new_id()
    path = files.cache_path(SERVER, agent, data_dir)
    store = Store.open(
        path, server_url=SERVER, user_id=agent, role=Role.AGENT, name="Bench Agent", email=EMAIL
    )
    fill_cache(store, tickets)
    store.close()
    AccountBook.in_data_dir(data_dir).remember(
        RememberedAccount(SERVER, EMAIL, str(agent), "Bench Agent", Role.AGENT)
    )
    # the keyring of the app's environment, written by a process that has that environment
    save = f"import keyring; keyring.set_password('ticketdesk', {f'{SERVER}|{EMAIL}'!r}, 'bench-token')"
    subprocess.run([sys.executable, "-c", save], env=env, check=True)
    return path


def run(tickets: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        env = _environment(folder)
        first_start, remembered = folder / "first", folder / "remembered"
        started = time.perf_counter()
        cache = remember_agent(remembered, env, tickets)
        size = sum(p.stat().st_size for p in files.cache_files(cache)) / 1e6
        print(f"cache of {tickets} tickets ({size:.0f} MB) built in {time.perf_counter() - started:.1f} s")
        accounts = AccountBook.in_data_dir(remembered).accounts()
        print(f"remembered: {json.dumps([asdict(a) for a in accounts])}")

        app = [sys.executable, "-m", "desktop", "--data-dir"]
        cases = {
            "baseline": ([sys.executable, "-c", _BASELINE], [LOGIN_SHOWN]),
            "first start": ([*app, str(first_start)], [LOGIN_SHOWN]),
            "remembered": ([*app, str(remembered)], [LOGIN_SHOWN, QUEUE_ROWS_SHOWN]),
        }
        timings: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
        for round_ in range(runs + 1):  # round 0 warms the file cache and bytecode: not counted
            for name, (command, wanted) in cases.items():
                seen = launch(command, env, wanted)
                if round_:
                    timings[name].append(seen)

        def median(name: str, milestone: str) -> float:
            return statistics.median(t[milestone] for t in timings[name])

        baseline = median("baseline", LOGIN_SHOWN)
        print(f"median of {runs} launches each, seconds from launch; platform {env['QT_QPA_PLATFORM']}")
        _report("baseline: empty QWidget painted", baseline, baseline)
        _report("login window painted (first start)", median("first start", LOGIN_SHOWN), baseline)
        _report("login window painted (remembered)", median("remembered", LOGIN_SHOWN), baseline)
        _report(
            f"queue rows painted ({tickets // 1000}k cache)", median("remembered", QUEUE_ROWS_SHOWN), baseline
        )


def _report(what: str, measured: float, baseline: float) -> None:
    ratio = measured / baseline if baseline > 0 else float("inf")
    print(f"{what:42} {measured:6.3f} s  = {ratio:5.2f} x baseline")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    run(args.tickets, args.runs)


if __name__ == "__main__":
    main()
