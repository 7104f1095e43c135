"""The sync engine: push then pull, on demand or from a plain-Python background thread.

:meth:`SyncEngine.sync_once` does one complete sync synchronously (tests drive it directly).
:meth:`SyncEngine.start` runs a worker thread that syncs at start, every ``interval`` seconds,
shortly after a local change, at once on request or when the network comes back, and after a
failure with exponential backoff. Failures that need the user (log in again, update the app)
stop the automatic retries until :meth:`request_sync`. When the server asks to slow down (429),
nothing is sent before its ``Retry-After`` has passed, whoever asks; what it did not take stays
in the outbox, and the pull still runs so the cache stays current meanwhile.

Callbacks run on the thread that syncs; the Qt layer re-emits them as signals:
``on_status(SyncStatus)`` whenever the status changes, ``on_progress(SyncProgress)`` while
pushing and pulling, ``on_presence(PresenceOut)`` for each presence event on the live stream
(on the stream's thread).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from desktop.net.api import ApiError, AuthError, RateLimited, ServerError, Unreachable, UpgradeRequired
from desktop.store import queries
from desktop.store.database import ChangeSet, Store
from desktop.sync.backoff import Backoff
from desktop.sync.live import EventSource, LiveStream
from desktop.sync.pull import PullProgress, PullStalled, PullSummary, pull_all
from desktop.sync.push import PushStalled, PushSummary, push_all
from desktop.sync.status import RETRIED, ErrorKind, SyncProgress, SyncStatus
from desktop.sync.transport import SyncTransport
from ticketing.presence import PresenceOut

log = logging.getLogger(__name__)

#: Extra pulls (and the first pause between them, doubled each time) when the server says our
#: answered mutations are not yet visible to pulls.
CONFIRM_ATTEMPTS = 4
CONFIRM_DELAY = 0.05
#: Seconds a live notice waits before its pull, so a burst of notices makes one pull.
REMOTE_COALESCE = 0.02
#: A notice comes at commit, but a pull delivers a change only below the server's xid horizon,
#: which a transaction running elsewhere on the cluster holds back for a moment: a pull after a
#: notice that brings nothing is tried again this many times, after 0.05 s, doubling.
REMOTE_CHECKS = 5
REMOTE_CHECK_DELAY = 0.05

StatusCallback = Callable[[SyncStatus], None]
ProgressCallback = Callable[[SyncProgress], None]
PresenceCallback = Callable[[PresenceOut], None]


@dataclass(frozen=True)
class SyncReport:
    pushed: PushSummary
    pulled: PullSummary


#: Failure types and their kind, subclasses before their bases: the first match decides.
_KINDS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], ErrorKind], ...] = (
    (Unreachable, ErrorKind.OFFLINE),
    (RateLimited, ErrorKind.RATE_LIMITED),
    (ServerError, ErrorKind.SERVER),
    (AuthError, ErrorKind.AUTH),
    (UpgradeRequired, ErrorKind.UPGRADE),
    ((ApiError, PushStalled, PullStalled), ErrorKind.REFUSED),
)


def classify(error: BaseException) -> ErrorKind:
    """The kind of a sync failure, which decides whether and when to retry."""
    return next((kind for types, kind in _KINDS if isinstance(error, types)), ErrorKind.INTERNAL)


def _retry_at(seconds: float) -> dt.datetime:
    """The wall-clock time (UTC) ``seconds`` from now, for the status bar."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)


class SyncEngine:
    """Keeps one account's cache in sync with its server (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        transport: SyncTransport,
        *,
        interval: float = 30.0,
        debounce: float = 0.3,
        page_size: int | None = None,
        backoff: Backoff | None = None,
        on_status: StatusCallback | None = None,
        on_progress: ProgressCallback | None = None,
        on_presence: PresenceCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
        live: bool = True,
        live_interval: float = 60.0,
    ) -> None:
        self.store = store
        self.transport = transport
        self.interval = interval
        self.debounce = debounce
        self.page_size = page_size
        self.backoff = backoff or Backoff()
        self._on_status = on_status
        self._on_progress = on_progress
        self._clock = clock
        self._sync_lock = threading.Lock()  # one sync at a time, whoever asks
        self._wake = threading.Condition()
        self._due_at: float | None = None
        self._not_before: float | None = None  # the server's Retry-After: no sync before it
        self._failing = False  # in backoff: local changes wait for the retry time
        self._halted = False  # needs the user: only request_sync() resumes
        self._stopping = False
        #: Pulls left to find what a live notice announced (see :data:`REMOTE_CHECKS`).
        self._remote_checks = 0
        self._thread: threading.Thread | None = None
        self._status_lock = threading.Lock()
        counts = queries.sync_counts(store)
        self._status = SyncStatus(
            pending=counts.pending, problems=counts.problems, last_sync_at=counts.last_sync_at
        )
        self._unlisten = store.add_listener(self._on_store_change)
        #: While the live stream is up, polling is only a safety net every ``live_interval``.
        self.live_interval = live_interval
        self.live: LiveStream | None = None
        if live and hasattr(transport, "open_events"):
            self.live = LiveStream(
                cast(EventSource, transport),
                self.notify_remote_change,
                self._on_live_state,
                on_presence=on_presence,
            )

    # --- status -----------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        with self._status_lock:
            return self._status

    def _update(self, **changes: Any) -> None:
        with self._status_lock:
            self._status = dataclasses.replace(self._status, **changes)
            status = self._status
        if self._on_status is not None:
            self._on_status(status)

    def _progress(self, progress: SyncProgress) -> None:
        self._update(progress=progress)
        if self._on_progress is not None:
            self._on_progress(progress)

    def _counts(self) -> dict[str, Any]:
        counts = queries.sync_counts(self.store)
        return {"pending": counts.pending, "problems": counts.problems, "last_sync_at": counts.last_sync_at}

    # --- one sync ---------------------------------------------------------------------------

    def sync_once(self) -> SyncReport:
        """Push the outbox, then pull until the server has nothing more. Raises on failure
        (after recording it in :attr:`status`)."""
        with self._sync_lock:
            self._update(syncing=True)
            try:
                pushed, pulled = self._push_and_pull()
                if pulled.resets:  # the server's database was restored: answers may be lost, ask again
                    again = self._push_and_pull()
                    pushed, pulled = pushed + again[0], pulled + again[1]
            except BaseException as error:
                kind = classify(error)
                answered = {ErrorKind.OFFLINE: False, ErrorKind.INTERNAL: self.status.online}
                self._update(
                    syncing=False,
                    progress=None,
                    online=answered.get(kind, True),  # any answer from the server means online
                    last_error=str(error),
                    error_kind=kind,
                    retry_at=_retry_at(error.retry_after) if isinstance(error, RateLimited) else None,
                    **self._counts(),
                )
                raise
            self._update(
                syncing=False,
                progress=None,
                online=True,
                last_error=None,
                error_kind=None,
                retry_at=None,
                **self._counts(),
            )
            return SyncReport(pushed, pulled)

    def _push_and_pull(self) -> tuple[PushSummary, PullSummary]:
        self._progress(SyncProgress("push"))
        limited: RateLimited | None = None
        try:
            pushed = push_all(self.store, self.transport, on_upload=self._upload_progress)
        except RateLimited as error:  # the server took what it could; the rest stays queued
            limited, pushed = error, PushSummary()
        self._progress(SyncProgress("pull"))
        pulled = self._pull()
        for attempt in range(CONFIRM_ATTEMPTS):
            if not pulled.unconfirmed:
                break
            # a transaction older than ours was still running on the server, so the pull could
            # not include our changes yet: they stay shown as pending; look again very soon
            time.sleep(CONFIRM_DELAY * 2**attempt)
            pulled = pulled + self._pull()
        if limited is not None:
            raise limited
        return pushed, pulled

    def _pull(self) -> PullSummary:
        return pull_all(self.store, self.transport, page_size=self.page_size, on_progress=self._pull_progress)

    def _upload_progress(self, sent: int, size: int) -> None:
        self._progress(SyncProgress("upload", sent, size))

    def _pull_progress(self, progress: PullProgress) -> None:
        self._progress(SyncProgress("pull", progress.done, progress.total))

    # --- background worker ------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread; it syncs at once."""
        if self._thread is not None:
            return
        with self._wake:
            self._stopping = False
            self._due_at = self._clock()
        self._thread = threading.Thread(target=self._run, name="ticketdesk-sync", daemon=True)
        self._thread.start()
        if self.live is not None:
            self.live.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the worker (a sync in progress finishes first) and the live stream."""
        if self.live is not None:
            self.live.stop()
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def close(self) -> None:
        """Stop the worker and stop listening to the store."""
        self.stop()
        self._unlisten()

    @property
    def next_sync_in(self) -> float | None:
        """Seconds until the worker's next sync (None: none scheduled, e.g. halted)."""
        with self._wake:
            return None if self._due_at is None else max(0.0, self._due_at - self._clock())

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def request_sync(self) -> None:
        """Sync now ("Sync now" button, app back in front); also resumes after a halt."""
        with self._wake:
            self._halted = False
            self._due_at = self._not_sooner(self._clock())
            self._wake.notify_all()

    def notify_local_change(self) -> None:
        """A mutation was queued: sync soon (changes made in a burst go up together).

        Called for every command through the store's listener; call it by hand only for
        changes made behind the store's back."""
        self._update(**self._counts())
        with self._wake:
            if self._halted:
                return
            due = self._not_sooner(self._clock() + self.debounce)
            if self._failing:  # offline or failing: the backoff decides when to try again
                due = max(due, self._due_at if self._due_at is not None else due)
            elif self._due_at is not None:
                due = min(due, self._due_at)
            self._due_at = due
            self._wake.notify_all()

    def notify_remote_change(self) -> None:
        """The live stream says something changed on the server: pull soon (a burst of notices
        makes one sync). Does not resume a halted engine, nor cut a backoff short."""
        with self._wake:
            if self._halted or self._failing or self._stopping:
                return
            due = self._not_sooner(self._clock() + REMOTE_COALESCE)
            self._due_at = due if self._due_at is None else min(self._due_at, due)
            self._remote_checks = REMOTE_CHECKS
            self._wake.notify_all()

    def _on_live_state(self, connected: bool) -> None:
        """Stream lost: poll at the normal interval again (from now), until it is back."""
        if connected:
            return
        with self._wake:
            if self._halted or self._stopping or self._due_at is None:
                return
            self._due_at = min(self._due_at, self._clock() + self.interval)
            self._wake.notify_all()

    def _poll_interval(self) -> float:
        if self.live is not None and self.live.connected:
            return max(self.interval, self.live_interval)
        return self.interval

    def _not_sooner(self, due: float) -> float:
        """``due``, or later if the server asked us to wait (call with ``_wake`` held)."""
        return due if self._not_before is None else max(due, self._not_before)

    def _on_store_change(self, change: ChangeSet) -> None:
        if change.queued:
            self.notify_local_change()

    def notify_network_available(self) -> None:
        """The OS says the network is back: forget the backoff and sync now."""
        self.backoff.reset()
        self.request_sync()

    def _wait_until_due(self) -> bool:
        """Sleep until a sync is due; False when stopping."""
        with self._wake:
            while not self._stopping:
                now = self._clock()
                if self._due_at is not None and self._due_at <= now:
                    self._due_at = None
                    return True
                self._wake.wait(None if self._due_at is None else self._due_at - now)
            return False

    def _run(self) -> None:
        while self._wait_until_due():
            try:
                report = self.sync_once()
            except Exception as error:
                self._after_failure(error)
            else:
                self._after_success(report)

    def _after_success(self, report: SyncReport) -> None:
        self.backoff.reset()
        with self._wake:
            self._failing = False
            self._not_before = None
            periodic = self._clock() + self._poll_interval()
            self._due_at = periodic if self._due_at is None else min(self._due_at, periodic)
            if report.pulled.changes:
                self._remote_checks = 0
            elif self._remote_checks > 0:  # noticed, but held back by the server's horizon
                delay = REMOTE_CHECK_DELAY * 2 ** (REMOTE_CHECKS - self._remote_checks)
                self._remote_checks -= 1
                self._due_at = min(self._due_at, self._clock() + delay)

    def _after_failure(self, error: Exception) -> None:
        kind = classify(error)
        if kind == ErrorKind.INTERNAL:
            log.exception("sync failed", exc_info=error)
        else:
            log.info("sync failed (%s): %s", kind, error)
        retry_after = float(error.retry_after) if isinstance(error, RateLimited) else 0.0
        delay: float | None = None
        with self._wake:
            if kind in RETRIED:
                self._failing = True
                delay = self.backoff.next_delay(at_least=retry_after)
                now = self._clock()
                self._due_at = now + delay
                self._not_before = now + retry_after if retry_after else None
            else:
                self._halted = True
                self._due_at = None
        if delay is not None:
            self._update(retry_at=_retry_at(delay))
