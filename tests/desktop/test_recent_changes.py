"""Which rows a table marks as just changed: someone else's change, for a moment; never this
window's own change, nor the server's echo of it shortly after."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.models.recent_changes import MARK_MS, OWN_QUIET_S, RecentChanges
from desktop.store.database import ChangeSet


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def remote(*ids: str) -> ChangeSet:
    return ChangeSet(tickets=frozenset(ids), remote=True)


def test_a_pulled_change_is_marked_and_the_mark_goes(qtbot: QtBot) -> None:
    clock = Clock()
    changes = RecentChanges(clock=clock)
    assert changes.note(remote("a", "b")) == {"a", "b"}
    assert changes.is_marked("a") and changes.is_marked("b")
    clock.now += MARK_MS / 1000 + 0.01
    with qtbot.waitSignal(changes.expired, timeout=MARK_MS + 2000) as gone:
        pass
    assert gone.args == [{"a", "b"}]
    assert not changes.marked


def test_a_change_made_here_and_its_echo_are_not_marked(qtbot: QtBot) -> None:
    clock = Clock()
    changes = RecentChanges(clock=clock)
    assert changes.note(ChangeSet(tickets=frozenset({"a"}), outbox=True, queued=True)) == frozenset()
    assert changes.note(remote("a", "b")) == {"b"}  # the echo of "a" comes back with b's change
    assert not changes.is_marked("a")
    clock.now += OWN_QUIET_S + 1
    assert changes.note(remote("a")) == {"a"}  # later, someone else's change to it again


def test_local_writes_and_resets_mark_nothing(qtbot: QtBot) -> None:
    changes = RecentChanges(clock=Clock())
    assert changes.note(ChangeSet(tickets=frozenset({"a"}), outbox=True)) == frozenset()  # a push answer
    assert changes.note(ChangeSet(tickets=frozenset({"a"}), everything=True, remote=True)) == frozenset()
    assert not changes.marked
