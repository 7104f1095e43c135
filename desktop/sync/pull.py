"""Pull: ask for pages after our cursors until the server has nothing more, applying each.

Each page is applied (with its cursors) in one transaction before the next is asked for, so an
initial sync of many pages resumes where it stopped. A reset (the server's database was
restored) wipes the cache's server rows and starts again from empty cursors; a bucket reset
(our cursor predates its pruned tombstones) does the same for one bucket.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from desktop.store import deferred_indexes, outbox, state
from desktop.store.database import Store
from desktop.sync import apply
from desktop.sync.transport import SyncTransport
from ticketing.protocol import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    PROTOCOL_VERSION,
    START_CURSOR,
    PullRequest,
    PullResponse,
)

#: Resets (of everything, or of one bucket) in one pull before we give up: a server that keeps
#: asking for them would keep us busy forever.
MAX_RESETS = 3


class PullStalled(Exception):
    """The server keeps resetting, or says it has more without moving on."""


@dataclass(frozen=True)
class PullProgress:
    """Rows applied so far in this pull, and the total expected (``done + remaining``)."""

    done: int
    total: int


@dataclass(frozen=True)
class PullSummary:
    pages: int
    changes: int
    resets: int
    unconfirmed: int = 0  # answered mutations whose rows this pull did not bring yet

    def __add__(self, other: PullSummary) -> PullSummary:
        return PullSummary(
            self.pages + other.pages,
            self.changes + other.changes,
            self.resets + other.resets,
            other.unconfirmed,
        )


ProgressCallback = Callable[[PullProgress], None]


def _request(store: Store, limit: int, *, count: bool) -> PullRequest:
    with store.read() as conn:
        return PullRequest(
            protocol=PROTOCOL_VERSION,
            client_id=state.client_id(conn),
            db_epoch=state.db_epoch(conn),
            # a bucket not started yet is simply not named: the server starts it anyway, and a
            # start cursor could only look older than the bucket's pruned tombstones
            cursors={b: c for b, c in state.load_cursors(conn).items() if c != START_CURSOR},
            limit=limit,
            count_remaining=count,
        )


def _is_reset(request: PullRequest, page: PullResponse) -> bool:
    return page.reset or (request.db_epoch is not None and page.db_epoch != request.db_epoch)


def _next_request(request: PullRequest, page: PullResponse, limit: int) -> PullRequest | None:
    """The request that will follow ``page`` once it is applied, if it can be sent before: the
    cursors it will save are the page's own. Pages that reset or drop buckets go one by one."""
    if not page.has_more or page.reset or page.reset_buckets or page.removed_buckets:
        return None
    cursors = {b: c for b, c in page.cursors.items() if c != START_CURSOR}
    return request.model_copy(
        update={"db_epoch": page.db_epoch, "cursors": cursors, "limit": limit, "count_remaining": False}
    )


def pull_all(
    store: Store,
    transport: SyncTransport,
    *,
    page_size: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> PullSummary:
    """Pull until the server has no more changes for us.

    ``page_size`` None: ordinary pages, and the biggest the protocol allows while far behind
    (an initial fill). The next page is asked for while the current one is written, so the
    server's reading and the cache's writing overlap; each page is still applied, with its
    cursors, in order and in its own transaction."""
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull-ahead") as prefetch:
            return _pull_pages(store, transport, prefetch, page_size, on_progress)
    finally:  # filled, failed or stopped: the queue needs its indexes
        _restore_deferred_indexes(store)


def _pull_pages(
    store: Store,
    transport: SyncTransport,
    prefetch: ThreadPoolExecutor,
    page_size: int | None,
    on_progress: ProgressCallback | None,
) -> PullSummary:
    pages = done = resets = 0
    # counting what is left costs the server about as much as sending it: it counts once, on
    # the first page, and the total is an estimate from there (changes made meanwhile add to it)
    expected: int | None = None
    bucket_resets: Counter[str] = Counter()
    ahead: Future[PullResponse] | None = None
    ahead_request: PullRequest | None = None

    def limit() -> int:
        if page_size is not None:
            return page_size
        behind = expected is not None and expected - done > MAX_PAGE_SIZE
        return MAX_PAGE_SIZE if behind else DEFAULT_PAGE_SIZE

    while True:
        if ahead is not None and ahead_request is not None:
            request, page = ahead_request, ahead.result()
            ahead = ahead_request = None
        else:
            request = _request(store, limit(), count=expected is None)
            page = transport.pull(request)
        if _is_reset(request, page):
            resets += 1
            if resets > MAX_RESETS:
                raise PullStalled("The server keeps asking for a full resync.")
            apply.reset(store, page.db_epoch)
            done = 0
            expected = None
            continue
        bucket_resets.update(page.reset_buckets)
        if any(count > MAX_RESETS for count in bucket_resets.values()):
            raise PullStalled(f"The server keeps restarting buckets {sorted(bucket_resets)}.")
        if page.remaining is not None:
            expected = done + len(page.changes) + page.remaining
            _defer_indexes_if_far_behind(store, expected - done)
        ahead_request = _next_request(request, page, limit())
        if ahead_request is not None and (page.changes or page.removed_buckets):
            ahead = prefetch.submit(transport.pull, ahead_request)
        else:
            ahead_request = None
        apply.apply_page(store, page, final=not page.has_more)
        pages += 1
        done += len(page.changes)
        if on_progress is not None:
            on_progress(PullProgress(done=done, total=max(done, expected or 0)))
        if not page.has_more:
            with store.read() as conn:
                unconfirmed = outbox.count_answered(conn)
            return PullSummary(pages=pages, changes=done, resets=resets, unconfirmed=unconfirmed)
        if not page.changes and not page.removed_buckets and not page.reset_buckets:
            raise PullStalled("The server says it has more changes but sent none.")


def _defer_indexes_if_far_behind(store: Store, coming: int) -> None:
    """Set the big tables' indexes aside for a fill (``pull_all`` builds them again at its end)."""
    if coming < deferred_indexes.FILL_ROWS:
        return  # the usual small catch-up: no read of the cache's size
    with store.read() as conn:
        worth = deferred_indexes.worth_deferring(conn, coming)
    if worth:
        with store.write() as conn:
            deferred_indexes.defer(conn)


def _restore_deferred_indexes(store: Store) -> None:
    with store.read() as conn:
        held = deferred_indexes.deferred(conn)
    if held:
        with store.write() as conn:
            deferred_indexes.restore(conn)
