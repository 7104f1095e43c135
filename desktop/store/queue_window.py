"""Windowed reads of one ticket query, so that a table never reads every matching id.

A table over 100k tickets asks for what it shows: how many tickets match (``COUNT`` along an
index), the rows of one window by position (``LIMIT``/``OFFSET`` along the sort's index; a
window past the middle is read from the other end, in the reversed order, so the last rows
cost as little as the first), where some tickets are in that order (to keep a selection), and
the ids of rows a selection covers (for bulk actions, off the UI thread). Filters and orders
are :mod:`desktop.store.queries`' own (``query_conditions`` and ``sort_order``), so whatever
plugs into them (a text search) reaches every read here. A search's results in relevance order
(``ranked``) are read along its own ranked statement (:func:`desktop.store.search.ranked_ids`,
from the matches outward) with a limit and an offset, and the rows of a search carry the
snippet of their match (:attr:`TicketRow.match`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, Select, func, select

from desktop.store import queries, search
from desktop.store.database import Store
from desktop.store.queries import TicketRow
from ticketing.schemas import TicketQuery

t = queries.t
#: Ids whose positions are looked up in one query at most (a bigger selection is kept as rows).
MAX_LOCATE = 5000


@dataclass(frozen=True)
class Window:
    """Rows ``offset`` to ``offset + len(ids) - 1`` of a query, and how many rows it has."""

    total: int
    offset: int
    ids: list[str]
    rows: dict[str, TicketRow]
    positions: dict[str, int] = field(default_factory=dict)  # of the ids asked to locate


def _flipped(sort: str) -> str:
    return sort[1:] if sort.startswith("-") else f"-{sort}"


def _filtered(conn: Connection, query: TicketQuery) -> Select[tuple[str]]:
    return select(t.c.id).where(*queries.query_conditions(conn, query))


def count(conn: Connection, query: TicketQuery) -> int:
    """How many tickets match ``query`` (SQLite counts along the smallest usable index)."""
    stmt = select(func.count()).select_from(t).where(*queries.query_conditions(conn, query))
    return int(conn.scalar(stmt) or 0)


def window_ids(
    conn: Connection, query: TicketQuery, offset: int, limit: int, total: int, *, ranked: bool = False
) -> list[str]:
    """The ids of rows ``offset`` .. ``offset + limit - 1`` in ``query``'s order: read from
    the start, or from the end in the reversed order when that is the shorter walk (the order
    is total, ties broken by id, so the reversed order is exactly the reverse). ``ranked``: a
    search's results best match first, read from the start (the matches are few beside the
    queue, and a rank has no index to walk backwards)."""
    offset, end = max(0, offset), min(total, offset + limit)
    if end <= offset:
        return []
    if queries.is_ranked(query, ranked):
        stmt = queries.ordered_ids(conn, query, ranked=True).limit(end - offset).offset(offset)
        return [str(ticket_id) for ticket_id in conn.scalars(stmt)]
    if offset <= total - end:
        stmt = (
            _filtered(conn, query)
            .order_by(*queries.sort_order(query.sort))
            .limit(end - offset)
            .offset(offset)
        )
        return [str(ticket_id) for ticket_id in conn.scalars(stmt)]
    stmt = (
        _filtered(conn, query)
        .order_by(*queries.sort_order(_flipped(query.sort)))
        .limit(end - offset)
        .offset(total - end)
    )
    return [str(ticket_id) for ticket_id in conn.scalars(stmt)][::-1]


def positions(
    conn: Connection, query: TicketQuery, ids: Iterable[str], *, ranked: bool = False
) -> dict[str, int]:
    """The rows of those ``ids`` that match ``query``, in its order (one walk of the order;
    ``ranked``: a search's rank order)."""
    wanted = list(dict.fromkeys(ids))[:MAX_LOCATE]
    if not wanted:
        return {}
    if queries.is_ranked(query, ranked):
        ranked_rows = queries.ranked_positions(conn, query).subquery()
        stmt = select(ranked_rows.c.id, ranked_rows.c.row).where(ranked_rows.c.id.in_(wanted))
        return {str(values[0]): int(values[1]) for values in conn.execute(stmt)}
    numbered = (
        select(t.c.id, (func.row_number().over(order_by=queries.sort_order(query.sort)) - 1).label("row"))
        .where(*queries.query_conditions(conn, query))
        .subquery()
    )
    stmt = select(numbered.c.id, numbered.c.row).where(numbered.c.id.in_(wanted))
    return {str(values[0]): int(values[1]) for values in conn.execute(stmt)}


def read_window(
    store: Store,
    query: TicketQuery,
    offset: int,
    limit: int,
    *,
    total: int | None = None,
    locate: Sequence[str] = (),
    ranked: bool = False,
) -> Window:
    """One window of ``query`` with its rows, in one snapshot; the count too unless ``total``
    is given, and the positions of the ``locate`` ids (a selection to keep). ``ranked``: a
    search's results best match first; a search's rows carry their match's snippet."""
    with store.read() as conn:
        known = count(conn, query) if total is None else total
        ids = window_ids(conn, query, offset, limit, known, ranked=ranked)
        rows = queries.tickets_by_id_in(conn, ids) if ids else {}
        if query.q and query.q.strip():
            rows = search.with_matches_in(conn, query.q, rows)
        found = positions(conn, query, locate, ranked=ranked) if locate else {}
    return Window(known, max(0, offset), ids, rows, found)


def ids_of_rows(
    store: Store, query: TicketQuery, ranges: Iterable[tuple[int, int]], *, ranked: bool = False
) -> list[str]:
    """The ids of the rows in ``ranges`` (first, last; inclusive), in one snapshot
    (``ranked``: rows of a search's results in rank order)."""
    found: list[str] = []
    with store.read() as conn:
        total = count(conn, query)
        for first, last in ranges:
            if first == 0 and last >= total - 1:
                found.extend(queries.ticket_ids_in(conn, query, ranked=ranked))
            else:
                found.extend(window_ids(conn, query, first, last - first + 1, total, ranked=ranked))
    return found


@dataclass(frozen=True)
class RowSelection:
    """Selected rows of a table over ``query``: ranges of rows, with the ids already known.

    Bulk actions resolve it off the UI thread (:meth:`resolve`), so selecting all of 100k
    tickets costs the UI nothing. A selection of every row means every matching ticket.
    ``ranked``: the rows are a search's results best match first (the order the ranges count
    in, and the order of every matching ticket)."""

    query: TicketQuery
    ranges: tuple[tuple[int, int], ...] = ()
    known: Mapping[int, str] = field(default_factory=dict)
    everything: bool = False
    ranked: bool = False

    @classmethod
    def of_ids(cls, ids: Sequence[str]) -> RowSelection:
        """Tickets named by id (rows 0.. of no particular query)."""
        return cls(TicketQuery(), _runs(range(len(ids))), dict(enumerate(ids)))

    @property
    def count(self) -> int:
        return sum(last - first + 1 for first, last in self.ranges)

    def known_ids(self) -> list[str] | None:
        """The ids in row order, if every selected row's id is known (no query needed)."""
        rows = [row for first, last in self.ranges for row in range(first, last + 1)]
        if len(rows) > len(self.known) or any(row not in self.known for row in rows):
            return None
        return [self.known[row] for row in rows]

    def resolve(self, store: Store) -> list[str]:
        """The selected tickets' ids in table order (reads the cache for rows not loaded)."""
        if not self.everything and (ids := self.known_ids()) is not None:
            return ids
        if self.everything:
            return queries.ticket_ids(store, self.query, ranked=self.ranked)
        return ids_of_rows(store, self.query, self.ranges, ranked=self.ranked)


def _runs(rows: Iterable[int]) -> tuple[tuple[int, int], ...]:
    runs: list[tuple[int, int]] = []
    for row in sorted(rows):
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        elif not runs or runs[-1][1] < row:
            runs.append((row, row))
    return tuple(runs)


def runs_of(rows: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """Row numbers as sorted (first, last) runs of consecutive rows."""
    return _runs(rows)
