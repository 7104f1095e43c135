"""The sync progress bar during a long pull: rows received of the total and a time estimate
from the rate so far, started again for each phase."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop.models.formatting import time_left
from desktop.sync.status import SyncProgress
from desktop.ui.shell.status_bar import SyncProgressBar


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("done", "total", "elapsed", "text"),
    [
        (0, 100, 5.0, ""),  # no rate yet
        (50, 100, 0.5, ""),  # too early to tell
        (100, 100, 5.0, ""),  # finished
        (90, 100, 9.0, "a few seconds left"),
        (50, 100, 40.0, "about 40 s left"),
        (10_000, 600_000, 6.0, "about 6 min left"),
        (1_000, 600_000, 60.0, "about 10 h left"),
    ],
)
def test_time_left_follows_the_rate_so_far(done: int, total: int, elapsed: float, text: str) -> None:
    assert time_left(done, total, elapsed) == text


def test_a_pull_shows_rows_of_the_total_and_the_time_left(qtbot: QtBot) -> None:
    clock = Clock()
    bar = SyncProgressBar(clock=clock)
    qtbot.addWidget(bar)
    bar.show_progress(SyncProgress("pull", 0, 0))
    assert bar.maximum() == 0  # busy until the server says how much there is

    bar.show_progress(SyncProgress("pull", 5_000, 600_000))
    assert bar.text() == "Receiving 5,000 of 600,000"  # the first page: no rate yet
    clock.now += 10.0
    bar.show_progress(SyncProgress("pull", 105_000, 600_000))
    assert (bar.maximum(), bar.value()) == (600_000, 105_000)
    # 100,000 rows in 10 s since the first page: 495,000 more take about 50 s
    assert bar.text() == "Receiving 105,000 of 600,000 · about 50 s left"
    assert "105,000 of 600,000 rows, about 50 s left" in bar.toolTip()


def test_the_estimate_starts_again_with_each_phase(qtbot: QtBot) -> None:
    clock = Clock()
    bar = SyncProgressBar(clock=clock)
    qtbot.addWidget(bar)
    bar.show_progress(SyncProgress("pull", 1_000, 100_000))
    clock.now += 1_000.0  # a slow pull...
    bar.show_progress(SyncProgress("push", 1, 40))  # ...says nothing about the push that follows
    assert bar.text() == "Sending 1 of 40"
    clock.now += 2.0
    bar.show_progress(SyncProgress("push", 21, 40))
    assert bar.text() == "Sending 21 of 40 · a few seconds left"
