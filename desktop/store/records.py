"""Reading and writing one row of an entity table, by protocol entity name.

Pull application, shadows and replay all handle rows as ``dict``s keyed by entity; this is the
one place that turns those into SQL. The statements are built once per entity (and column set)
with bound parameters: an initial sync writes tens of thousands of rows, and building a
statement per row would cost more than SQLite's work.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, Connection, Delete, Insert, Select, Table, bindparam, delete, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desktop.store.rows import Row
from desktop.store.schema import DERIVED_COLUMNS, ENTITY_TABLES


def _stored(table: Table) -> list[Column[Any]]:
    """The columns of ``table`` that hold a row's fields (not the ones the cache derives)."""
    return [column for column in table.columns if column.name not in DERIVED_COLUMNS]


@functools.cache
def _select(entity: str) -> Select[tuple[object, ...]]:
    table = ENTITY_TABLES[entity]
    return select(*_stored(table)).where(table.c.id == bindparam("row_id"))


@functools.cache
def _upsert(entity: str, columns: frozenset[str]) -> Insert:
    """Insert a row with ``columns``, or update just those columns of the existing row."""
    table = ENTITY_TABLES[entity]
    stmt = sqlite_insert(table)
    changes = {name: stmt.excluded[name] for name in sorted(columns) if name != "id"}
    if not changes:
        return stmt.on_conflict_do_nothing(index_elements=["id"])
    return stmt.on_conflict_do_update(index_elements=["id"], set_=changes)


@functools.cache
def _delete(entity: str) -> Delete:
    table = ENTITY_TABLES[entity]
    return delete(table).where(table.c.id == bindparam("row_id"))


def read(conn: Connection, entity: str, row_id: str) -> Row | None:
    found = conn.execute(_select(entity), {"row_id": row_id}).mappings().one_or_none()
    return None if found is None else dict(found)


def replace(conn: Connection, entity: str, row: Row) -> None:
    """Write a whole row (columns missing from ``row`` become NULL)."""
    table = ENTITY_TABLES[entity]
    values = {column.name: row.get(column.name) for column in _stored(table)}
    conn.execute(_upsert(entity, frozenset(values)), values)


def merge(conn: Connection, entity: str, row: Row) -> None:
    """Insert a row or update only the columns ``row`` has (a bucket may carry a subset)."""
    table = ENTITY_TABLES[entity]
    values = {name: value for name, value in row.items() if name in table.c and name not in DERIVED_COLUMNS}
    conn.execute(_upsert(entity, frozenset(values)), values)


@functools.cache
def _upsert_positional(entity: str, columns: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    """:func:`_upsert` compiled once to SQL with positional parameters, and the column order
    they take: ``executemany`` over plain tuples, because SQLAlchemy's per-row parameter
    processing was most of the cost of a bulk write."""
    stmt = _upsert(entity, columns).values({name: bindparam(name) for name in sorted(columns)})
    compiled = stmt.compile(dialect=sqlite.dialect(paramstyle="qmark"))
    assert compiled.positiontup is not None
    return str(compiled), tuple(compiled.positiontup)


def merge_many(conn: Connection, entity: str, rows: Iterable[Row]) -> None:
    """:func:`merge` for many rows at once: one ``executemany`` per column set, which is what
    makes an initial sync of hundreds of thousands of rows cheap (one statement, many rows)."""
    known = ENTITY_TABLES[entity].c
    groups: dict[frozenset[str], list[Row]] = {}
    for row in rows:
        columns = frozenset(name for name in row if name in known and name not in DERIVED_COLUMNS)
        groups.setdefault(columns, []).append(row)
    for columns, batch in groups.items():
        sql, order = _upsert_positional(entity, columns)
        conn.exec_driver_sql(sql, [tuple(row[name] for name in order) for row in batch])


def remove(conn: Connection, entity: str, row_id: str) -> None:
    conn.execute(_delete(entity), {"row_id": row_id})


def clear_fields(conn: Connection, entity: str, row_id: str, fields: Iterable[str]) -> None:
    """Blank fields the cache may no longer hold (a bucket that carried them has gone)."""
    table = ENTITY_TABLES[entity]
    values = {name: None for name in fields}
    if values:
        conn.execute(update(table).where(table.c.id == row_id).values(values))
