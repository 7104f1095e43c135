"""The client's presence logic without Qt or a server: the tracker forgets what is not
refreshed in time (a fake clock), the reporter announces at the right moments, and the live
stream's parser hands a presence event's data on."""

from __future__ import annotations

import uuid

import pytest

from desktop.sync.live import parse_events, parse_presence
from desktop.sync.presence import PresenceTracker
from desktop.sync.presence_reporter import SETTLE, Announcement, PresenceReporter
from ticketing.presence import PRESENCE_REFRESH, REPLY_IDLE, PresenceOut, PresenceState

TICKET, OTHER_TICKET = str(uuid.uuid4()), str(uuid.uuid4())
ME, DANA, BO = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _said(
    user: str, name: str, state: PresenceState, expires_in: float = 15.0, ticket: str = TICKET
) -> PresenceOut:
    return PresenceOut(
        ticket_id=uuid.UUID(ticket), user_id=uuid.UUID(user), name=name, state=state, expires_in=expires_in
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_an_entry_expires_unless_refreshed(clock: FakeClock) -> None:
    tracker = PresenceTracker(me=ME, clock=clock)
    assert tracker.heard(_said(DANA, "Dana Agent", PresenceState.VIEWING))
    clock.now += 10
    assert [c.name for c in tracker.on_ticket(TICKET)] == ["Dana Agent"]
    assert not tracker.heard(_said(DANA, "Dana Agent", PresenceState.VIEWING))  # a refresh: same text
    clock.now += 14.9  # 24.9 s after the first, 14.9 after the refresh
    assert not tracker.expire()
    assert [c.name for c in tracker.on_ticket(TICKET)] == ["Dana Agent"]
    clock.now += 0.2
    assert tracker.on_ticket(TICKET) == []  # gone from view at once, even before expire()
    assert tracker.expire()
    assert len(tracker) == 0
    assert not tracker.expire()


def test_left_removes_at_once_and_my_own_presence_is_ignored(clock: FakeClock) -> None:
    tracker = PresenceTracker(me=ME, clock=clock)
    assert not tracker.heard(_said(ME, "Me", PresenceState.REPLYING))
    tracker.heard(_said(DANA, "Dana Agent", PresenceState.VIEWING))
    tracker.heard(_said(BO, "Bo", PresenceState.VIEWING, ticket=OTHER_TICKET))
    assert tracker.heard(_said(DANA, "Dana Agent", PresenceState.LEFT, expires_in=0))
    assert tracker.on_ticket(TICKET) == []
    assert [c.name for c in tracker.on_ticket(OTHER_TICKET)] == ["Bo"]  # another ticket keeps its own
    assert not tracker.heard(_said(DANA, "Dana Agent", PresenceState.LEFT, expires_in=0))  # nothing to drop


def test_repliers_come_first_then_names(clock: FakeClock) -> None:
    tracker = PresenceTracker(me=ME, clock=clock)
    tracker.heard(_said(BO, "Bo", PresenceState.VIEWING))
    tracker.heard(_said(DANA, "Dana Agent", PresenceState.VIEWING))
    assert [c.name for c in tracker.on_ticket(TICKET)] == ["Bo", "Dana Agent"]
    assert tracker.heard(_said(DANA, "Dana Agent", PresenceState.REPLYING))  # the state changed
    assert [(c.name, c.state) for c in tracker.on_ticket(TICKET)] == [
        ("Dana Agent", PresenceState.REPLYING),
        ("Bo", PresenceState.VIEWING),
    ]


def test_the_reporter_announces_opening_typing_idling_refreshing_and_leaving(clock: FakeClock) -> None:
    reporter = PresenceReporter(clock)
    assert reporter.tick() == []  # no ticket: nothing to say
    assert reporter.open(TICKET) == []  # not at once: it may be passed over
    assert reporter.tick() == []
    clock.now += SETTLE
    assert reporter.tick() == [Announcement(TICKET, PresenceState.VIEWING)]  # it stayed open
    assert reporter.open(TICKET) == []  # shown again: nothing new
    assert reporter.tick() == []

    clock.now += 1
    assert reporter.typed(True) == [Announcement(TICKET, PresenceState.REPLYING)]
    assert reporter.typed(True) == []  # once, not per key
    clock.now += PRESENCE_REFRESH
    assert reporter.typed(True) == []
    assert reporter.tick() == [Announcement(TICKET, PresenceState.REPLYING)]  # a refresh while typing
    clock.now += REPLY_IDLE  # no key for a while: viewing again
    assert reporter.tick() == [Announcement(TICKET, PresenceState.VIEWING)]

    assert reporter.typed(True) == [Announcement(TICKET, PresenceState.REPLYING)]
    assert reporter.typed(False) == [Announcement(TICKET, PresenceState.VIEWING)]  # sent: the box is empty
    assert reporter.typed(False) == []

    clock.now += PRESENCE_REFRESH - 0.1
    assert reporter.tick() == []
    clock.now += 0.1
    assert reporter.tick() == [Announcement(TICKET, PresenceState.VIEWING)]

    assert reporter.open(OTHER_TICKET) == [Announcement(TICKET, PresenceState.LEFT)]
    clock.now += SETTLE
    assert reporter.tick() == [Announcement(OTHER_TICKET, PresenceState.VIEWING)]
    assert reporter.open(None) == [Announcement(OTHER_TICKET, PresenceState.LEFT)]
    assert reporter.typed(True) == []
    clock.now += 100
    assert reporter.tick() == []


def test_the_stream_parser_hands_presence_data_on() -> None:
    said = _said(DANA, "Dana Agent", PresenceState.REPLYING)
    lines = [
        ": ping",
        "event: changed",
        "id: 7",
        'data: {"buckets": ["queue"]}',
        "",
        "event: presence",
        f"data: {said.model_dump_json()}",
        "",
    ]
    events = list(parse_events(iter(lines)))
    assert events[0] == ("", None, "")
    assert events[1] == ("changed", "7", '{"buckets": ["queue"]}')
    name, event_id, data = events[2]
    assert (name, event_id) == ("presence", None)
    assert parse_presence(data) == said
    assert parse_presence('{"ticket_id": "nope"}') is None
    assert parse_presence("not json") is None


def test_tickets_passed_over_quickly_are_never_announced(clock: FakeClock) -> None:
    reporter = PresenceReporter(clock)
    for n in range(30):  # the arrow key held down in the queue
        assert reporter.open(f"ticket-{n}") == []
        clock.now += SETTLE / 10
        assert reporter.tick() == []
    clock.now += SETTLE
    assert reporter.tick() == [Announcement("ticket-29", PresenceState.VIEWING)]
    assert reporter.leave() == [Announcement("ticket-29", PresenceState.LEFT)]  # the app quits
    assert reporter.leave() == []


def test_typing_announces_at_once_even_before_the_ticket_settles(clock: FakeClock) -> None:
    reporter = PresenceReporter(clock)
    reporter.open(TICKET)
    assert reporter.typed(True) == [Announcement(TICKET, PresenceState.REPLYING)]
