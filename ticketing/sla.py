"""Service-level policies and a ticket's clocks: which policy applies, when each target is due,
and whether it is on track, in warning, breached, met or paused.

One pure computation from the policy, its calendar (:mod:`ticketing.business_time`) and the
ticket's history (status changes and public replies), so the server, which stores due times and
escalates, and the offline desktop, which counts them down, agree to the minute. Nothing is
accumulated on the ticket: a changed policy is applied by computing again from the history, so
time already paused is never lost.

**The clocks.** A target's clock runs in the calendar's working time while the ticket is in a
status that is neither one of the policy's pause statuses nor Resolved/Closed.

- *First response* starts when the ticket is created; the first public reply by support staff
  meets it.
- *Next response* starts when the requester writes again after a staff reply, and the next
  public staff reply meets it; with no such wait open there is no next-response due time.
- *Resolution* starts when the ticket is created; it is met while the ticket is Resolved or
  Closed (a reopened ticket's clock goes on from where it stopped).

**Due times.** A target is due when its clock reaches the target. Until then the due time is
where the clock would reach it if it ran from now on: a paused ticket's due times move later as
the pause lasts; a met target keeps the due time it had when met.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from ticketing.business_time import Calendar, add_business_time
from ticketing.domain import Status

#: Statuses in which no clock runs: the work is done (a reply reopens Resolved).
FINISHED = frozenset({Status.RESOLVED, Status.CLOSED})
DEFAULT_PAUSE_STATUSES = frozenset({Status.ON_HOLD})
DEFAULT_WARNING_PERCENT = 80
#: "Breaching soon" (the queue's built-in filter, the API's ``breaching_soon``): an open, running
#: ticket whose nearest target is in warning, missed, or due within this long (wall-clock time,
#: so an index on the due time answers it).
BREACHING_SOON_WITHIN = dt.timedelta(hours=2)
_ZERO = dt.timedelta(0)


class SlaState(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"


class TargetKind(enum.StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class PolicyError(ValueError):
    """A policy that cannot be used; ``field`` names the part that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Policy:
    """Targets in business minutes of a calendar (``None``: no target), for the tickets whose
    priority and category match (an empty set matches any); the lowest ``position`` that
    matches applies."""

    id: str
    name: str
    position: int = 0
    priorities: frozenset[str] = frozenset()
    category_ids: frozenset[str] = frozenset()
    calendar_id: str | None = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    pause_statuses: frozenset[Status] = DEFAULT_PAUSE_STATUSES
    warning_percent: int = DEFAULT_WARNING_PERCENT

    def __post_init__(self) -> None:
        for kind in TargetKind:
            minutes = self.target_minutes(kind)
            if minutes is not None and minutes < 0:
                raise PolicyError(f"{kind}_minutes", f"the {_words(kind)} target cannot be negative")
        if not 1 <= self.warning_percent <= 100:
            raise PolicyError("warning_percent", "the warning comes at 1 to 100 percent of a target")
        if self.pause_statuses & FINISHED:
            raise PolicyError("pause_statuses", "Resolved and Closed stop the clocks already; pause others")

    def target_minutes(self, kind: TargetKind) -> int | None:
        targets = {
            TargetKind.FIRST_RESPONSE: self.first_response_minutes,
            TargetKind.NEXT_RESPONSE: self.next_response_minutes,
            TargetKind.RESOLUTION: self.resolution_minutes,
        }
        return targets[kind]

    def matches(self, priority: str, category_id: str | None) -> bool:
        return (not self.priorities or priority in self.priorities) and (
            not self.category_ids or (category_id is not None and category_id in self.category_ids)
        )


def check_has_a_target(policy: Policy) -> None:
    """Refuse a policy without any target when it is written (by the server and the editor): it
    would match tickets and promise nothing. One already stored still reads."""
    if all(policy.target_minutes(kind) is None for kind in TargetKind):
        raise PolicyError(
            "first_response_minutes", "set at least one target: a policy without any does nothing"
        )


def matching_policy(policies: Iterable[Policy], priority: str, category_id: str | None) -> Policy | None:
    """The policy that applies to a ticket: the first by position (then id) that matches."""
    matching = [p for p in policies if p.matches(priority, category_id)]
    return min(matching, key=lambda p: (p.position, p.id), default=None)


# --- a ticket's history -------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusChange:
    at: dt.datetime
    status: Status


@dataclass(frozen=True)
class Reply:
    """A public reply (internal notes never count) and whether support staff wrote it."""

    at: dt.datetime
    by_staff: bool


@dataclass(frozen=True)
class History:
    """What the clocks are computed from; changes and replies in any order."""

    created_at: dt.datetime
    changes: Sequence[StatusChange] = ()
    replies: Sequence[Reply] = ()
    initial_status: Status = Status.OPEN

    def status_at(self, at: dt.datetime) -> Status:
        status = self.initial_status
        for change in sorted(self.changes, key=lambda c: c.at):
            if change.at > at:
                break
            status = change.status
        return status


def is_staff_reply(author_is_staff: bool, author_id: object, submitter_id: object) -> bool:
    """A reply that answers the requester: by support staff other than the requester (a staff
    member's own ticket is answered by a colleague)."""
    return author_is_staff and author_id != submitter_id


def history_from(
    created_at: dt.datetime,
    status_changes: Iterable[tuple[dt.datetime, str]],
    public_replies: Iterable[tuple[dt.datetime, bool]],
) -> History:
    """A history from stored rows: ``(at, new status)`` of the ticket's status events and
    ``(at, by_staff)`` of its public comments (internal notes never count), as the server and
    the desktop cache both keep them."""
    return History(
        created_at=created_at,
        changes=tuple(StatusChange(at, Status(status)) for at, status in status_changes),
        replies=tuple(Reply(at, by_staff) for at, by_staff in public_replies),
    )


# --- the answer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One clock of a ticket: when it is due, when it warns, whether and when it was met."""

    kind: TargetKind
    due_at: dt.datetime
    warning_at: dt.datetime
    met_at: dt.datetime | None
    state: SlaState


@dataclass(frozen=True)
class TicketSla:
    """What a ticket answers: its policy, due times, whether it is paused, and one state."""

    policy_id: str | None
    first_response_due_at: dt.datetime | None = None
    next_response_due_at: dt.datetime | None = None
    resolution_due_at: dt.datetime | None = None
    paused: bool = False
    state: SlaState | None = None
    targets: tuple[Target, ...] = field(default=())
    #: Next-response waits that ended before the current one (for reports and breaches).
    earlier_waits: tuple[Target, ...] = field(default=())

    def target(self, kind: TargetKind) -> Target | None:
        return next((t for t in self.targets if t.kind == kind), None)

    @property
    def pending(self) -> tuple[Target, ...]:
        """The targets still owed (not met), nearest due first."""
        return tuple(
            sorted(
                (t for t in self.targets if t.met_at is None and t.state != SlaState.MET),
                key=lambda t: t.due_at,
            )
        )

    @property
    def nearest(self) -> Target | None:
        """What the queue's "Due" column shows: the pending target due first."""
        pending = self.pending
        return pending[0] if pending else None


NO_POLICY = TicketSla(policy_id=None)


def evaluate(policy: Policy | None, calendar: Calendar, history: History, now: dt.datetime) -> TicketSla:
    """The ticket's service level at ``now`` under ``policy`` (``None``: no policy)."""
    if policy is None:
        return NO_POLICY
    segments = _segments(history, now)
    status = history.status_at(now)
    resolved_at = _finished_at(history, now)
    #: an open clock of a resolved ticket is judged when it was resolved: nothing is owed since
    until = resolved_at if resolved_at is not None else now
    running_now = resolved_at is None and _running(policy, status)
    replies = sorted(history.replies, key=lambda r: r.at)
    staff = [r.at for r in replies if r.by_staff and history.created_at <= r.at <= now]
    targets: list[Target] = []
    earlier: list[Target] = []

    ticket = _Ticket(policy, calendar, segments, running_now)

    def clock(kind: TargetKind, start: dt.datetime, met_at: dt.datetime | None) -> Target | None:
        if policy.target_minutes(kind) is None:
            return None
        judged = _clock(ticket, kind, start, met_at, now if met_at is not None else until)
        return _settled(judged) if met_at is None and resolved_at is not None else judged

    first = clock(TargetKind.FIRST_RESPONSE, history.created_at, staff[0] if staff else None)
    if first is not None:
        targets.append(first)
    waits = list(_waits(replies, now))
    for index, (start, met_at) in enumerate(waits):
        wait = clock(TargetKind.NEXT_RESPONSE, start, met_at)
        if wait is None:
            break
        if index == len(waits) - 1 and met_at is None:
            targets.append(wait)
        else:
            earlier.append(wait)
    resolution = clock(TargetKind.RESOLUTION, history.created_at, resolved_at)
    if resolution is not None:
        targets.append(resolution)
    paused = status in policy.pause_statuses
    finished = resolved_at is not None
    return TicketSla(
        policy_id=policy.id,
        first_response_due_at=_due(targets, TargetKind.FIRST_RESPONSE),
        next_response_due_at=_due(targets, TargetKind.NEXT_RESPONSE),
        resolution_due_at=_due(targets, TargetKind.RESOLUTION),
        paused=paused,
        state=_overall([*targets, *earlier], paused=paused, finished=finished),
        targets=tuple(targets),
        earlier_waits=tuple(earlier),
    )


def _due(targets: Sequence[Target], kind: TargetKind) -> dt.datetime | None:
    return next((t.due_at for t in targets if t.kind == kind), None)


def _overall(targets: Sequence[Target], *, paused: bool, finished: bool) -> SlaState | None:
    if not targets:
        return None
    states = {t.state for t in targets}
    if SlaState.BREACHED in states:
        return SlaState.BREACHED
    if paused:
        return SlaState.PAUSED
    if SlaState.WARNING in states:
        return SlaState.WARNING
    if finished and states == {SlaState.MET}:
        return SlaState.MET
    return SlaState.OK


def _settled(target: Target) -> Target:
    """A target still open when the ticket was resolved: nothing is owed any more, so it is met
    unless it had already run out."""
    if target.state == SlaState.BREACHED:
        return target
    return Target(target.kind, target.due_at, target.warning_at, None, SlaState.MET)


# --- the arithmetic -----------------------------------------------------------------------------


def _running(policy: Policy, status: Status) -> bool:
    return status not in FINISHED and status not in policy.pause_statuses


def _segments(history: History, now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime, Status]]:
    """``[from, to)`` spans of one status from creation to ``now``."""
    spans: list[tuple[dt.datetime, dt.datetime, Status]] = []
    at, status = history.created_at, history.initial_status
    for change in sorted(history.changes, key=lambda c: c.at):
        if change.at > now:
            break
        if change.at > at:
            spans.append((at, change.at, status))
            at = change.at
        status = change.status
    if now > at:
        spans.append((at, now, status))
    return spans


def _waits(replies: Sequence[Reply], now: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime | None]]:
    """``(start, met_at)`` of each next-response wait: the requester wrote after a staff reply."""
    answered_once = False
    waiting_since: dt.datetime | None = None
    for reply in replies:
        if reply.at > now:
            break
        if reply.by_staff:
            if waiting_since is not None:
                yield waiting_since, reply.at
                waiting_since = None
            answered_once = True
        elif answered_once and waiting_since is None:
            waiting_since = reply.at
    if waiting_since is not None:
        yield waiting_since, None


def _finished_at(history: History, now: dt.datetime) -> dt.datetime | None:
    """When the ticket became Resolved or Closed, if it is so at ``now``."""
    if history.status_at(now) not in FINISHED:
        return None
    finished: dt.datetime | None = history.created_at if history.initial_status in FINISHED else None
    for change in sorted(history.changes, key=lambda c: c.at):
        if change.at > now:
            break
        finished = (finished or change.at) if change.status in FINISHED else None
    return finished


@dataclass(frozen=True)
class _Ticket:
    """What every clock of one evaluation shares."""

    policy: Policy
    calendar: Calendar
    segments: Sequence[tuple[dt.datetime, dt.datetime, Status]]
    running_now: bool


def _clock(
    ticket: _Ticket, kind: TargetKind, start: dt.datetime, met_at: dt.datetime | None, now: dt.datetime
) -> Target:
    """Walk the running working time from ``start`` to the horizon (met, or now) for the moments
    the clock reaches the warning and the target; beyond the horizon, as if it ran on."""
    policy, calendar = ticket.policy, ticket.calendar
    minutes = policy.target_minutes(kind)
    assert minutes is not None
    target = dt.timedelta(minutes=minutes)
    warning = target * policy.warning_percent / 100
    horizon = met_at if met_at is not None else now
    elapsed = _ZERO
    due_at: dt.datetime | None = None
    warning_at: dt.datetime | None = None
    if target == _ZERO:
        due_at = warning_at = start
    for begin, end, status in ticket.segments:
        if due_at is not None or end <= start or begin >= horizon:
            continue
        if not _running(policy, status):
            continue
        for a, b in calendar.intervals(max(begin, start), min(end, horizon)):
            span = b - a
            if warning_at is None and elapsed + span >= warning:
                warning_at = a + (warning - elapsed)
            if elapsed + span >= target:
                due_at = a + (target - elapsed)
                break
            elapsed += span
        if due_at is not None:
            break
    resume = max(horizon, start)
    if warning_at is None:
        warning_at = add_business_time(calendar, resume, warning - elapsed)
    if due_at is None:
        due_at = add_business_time(calendar, resume, target - elapsed)
    if met_at is not None:
        state = SlaState.MET if met_at <= due_at else SlaState.BREACHED
    elif now >= due_at:
        state = SlaState.BREACHED
    elif not ticket.running_now:
        state = SlaState.PAUSED
    elif now >= warning_at:
        state = SlaState.WARNING
    else:
        state = SlaState.OK
    return Target(kind, due_at, warning_at, met_at, state)


def _words(kind: TargetKind) -> str:
    return kind.value.replace("_", " ")
