"""The task runner with real widgets and a real thread pool: results and errors reach a living
owner on the UI thread, and are dropped without a call once the owner is gone, however late it
went (while the work ran, or after the work was done but before the UI thread took the result)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QThread, QThreadPool
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.tasks import TaskRunner

DROPPED = "dropped a background task's result"


@pytest.fixture
def pool() -> Iterator[QThreadPool]:
    pool = QThreadPool()
    yield pool
    pool.waitForDone(10_000)


@pytest.fixture
def runner(pool: QThreadPool) -> TaskRunner:
    return TaskRunner(pool)


@pytest.fixture
def window(qtbot: QtBot) -> QWidget:
    window = QWidget()
    qtbot.addWidget(window)
    return window


def fail() -> int:
    raise OSError("disk full")


def deliver_pending() -> None:
    """Let the UI thread take the results the workers posted to it."""
    QCoreApplication.sendPostedEvents()


class Recorder:
    """Callbacks that touch their label, as a window's would (raising if it was deleted)."""

    def __init__(self, label: QLabel) -> None:
        self.label = label
        self.calls: list[tuple[str, Any]] = []
        self.threads: list[QThread] = []  # where each callback ran

    def done(self, value: Any) -> None:
        self.label.setText(f"got {value}")
        self.calls.append(("done", value))
        self.threads.append(QThread.currentThread())

    def failed(self, error: BaseException) -> None:
        self.label.setText(f"failed: {error}")
        self.calls.append(("failed", str(error)))
        self.threads.append(QThread.currentThread())


@pytest.mark.parametrize(("work", "expected"), [(lambda: 42, ("done", 42)), (fail, ("failed", "disk full"))])
def test_a_living_owner_gets_the_result_or_the_error_on_the_ui_thread(
    qtbot: QtBot, runner: TaskRunner, window: QWidget, work: Callable[[], int], expected: tuple[str, Any]
) -> None:
    label = QLabel(window)
    recorder = Recorder(label)

    runner.run(work, recorder.done, recorder.failed, owner=label)

    qtbot.waitUntil(lambda: bool(recorder.calls), timeout=5000)
    assert recorder.calls == [expected]
    assert recorder.threads == [window.thread()]  # the UI thread
    assert label.text().startswith("got" if expected[0] == "done" else "failed")


@pytest.mark.parametrize("work", [lambda: 42, fail], ids=["result", "error"])
def test_an_owner_deleted_before_the_ui_thread_takes_the_result_gets_nothing(
    runner: TaskRunner, window: QWidget, work: Callable[[], int], caplog: pytest.LogCaptureFixture
) -> None:
    label = QLabel(window)
    recorder = Recorder(label)
    runner.run(work, recorder.done, recorder.failed, owner=label)
    assert runner.wait()  # the work is done; its result waits for the UI thread

    shiboken6.delete(label)
    with caplog.at_level(logging.DEBUG, logger="desktop.tasks"):
        deliver_pending()

    assert recorder.calls == []
    assert any(DROPPED in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("work", [lambda: 42, fail], ids=["result", "error"])
def test_an_owner_whose_window_closed_while_the_work_ran_gets_nothing(
    runner: TaskRunner, window: QWidget, work: Callable[[], int], caplog: pytest.LogCaptureFixture
) -> None:
    closed = QWidget()  # a window the user closed: Qt deletes it (deleteLater), and its children
    label = QLabel(closed)
    recorder = Recorder(label)
    release = threading.Event()

    def slow() -> int:
        assert release.wait(10)
        return work()

    runner.run(slow, recorder.done, recorder.failed, owner=label)
    closed.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert not shiboken6.isValid(label)
    release.set()
    assert runner.wait()
    with caplog.at_level(logging.DEBUG, logger="desktop.tasks"):
        deliver_pending()

    assert recorder.calls == []
    assert any(DROPPED in record.getMessage() for record in caplog.records)


def test_work_of_the_application_is_delivered_without_an_owner(qtbot: QtBot, runner: TaskRunner) -> None:
    got: list[int] = []
    runner.run(lambda: 7, got.append, owner=None)
    qtbot.waitUntil(lambda: got == [7], timeout=5000)


def test_an_error_nobody_handles_is_logged_even_when_its_owner_is_gone(
    runner: TaskRunner, window: QWidget, caplog: pytest.LogCaptureFixture
) -> None:
    label = QLabel(window)
    runner.run(fail, lambda _value: label.setText("never"), owner=label)
    assert runner.wait()
    shiboken6.delete(label)
    with caplog.at_level(logging.ERROR, logger="desktop.tasks"):
        deliver_pending()

    logged = [r.exc_info[1] for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert [str(error) for error in logged] == ["disk full"]


def test_immediate_runner_delivers_at_once_and_drops_for_a_deleted_owner(window: QWidget) -> None:
    runner = TaskRunner(immediate=True)
    label = QLabel(window)
    recorder = Recorder(label)
    runner.run(lambda: 1, recorder.done, recorder.failed, owner=label)
    assert recorder.calls == [("done", 1)]

    gone = QLabel(window)
    shiboken6.delete(gone)
    runner.run(lambda: 2, recorder.done, recorder.failed, owner=gone)
    runner.run(fail, recorder.done, recorder.failed, owner=gone)
    assert recorder.calls == [("done", 1)]


def test_every_call_says_who_owns_the_work(runner: TaskRunner) -> None:
    run: Any = runner.run  # called as a forgetful caller would; mypy refuses it in the app
    with pytest.raises(TypeError, match="owner"):
        run(lambda: 1)
