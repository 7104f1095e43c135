"""The checks every offline command makes before it queues a mutation, shared by the ticket
commands (:mod:`desktop.store.commands`) and the article commands
(:mod:`desktop.store.article_commands`): rich text that says something, an active category or
priority, and the shared rules' refusals turned into :class:`ActionRefused`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError
from sqlalchemy import Connection, select

from desktop.store import schema
from desktop.store.errors import ActionRefused
from ticketing import workflow
from ticketing.richtext import has_content, sanitize_html

#: A row's id as commands take it.
Id = uuid.UUID | str


def now_or(now: dt.datetime | None) -> dt.datetime:
    """``now`` (tests give one) or the current time."""
    return now or dt.datetime.now(dt.UTC)


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the shared rules' and the schemas' refusals into :class:`ActionRefused`."""
    try:
        yield
    except workflow.WorkflowError as error:
        raise ActionRefused.from_workflow(error) from error
    except ValidationError as error:
        raise ActionRefused.from_validation(error) from error


def rich_text(text: str, what: str) -> str:
    """``text`` sanitized as the server will; refused if nothing is left to read."""
    cleaned = sanitize_html(text)
    if not has_content(cleaned):
        raise ActionRefused("invalid", f"The {what} cannot be empty.")
    return cleaned


def check_category(conn: Connection, category_id: str) -> None:
    active = conn.scalar(select(schema.categories.c.is_active).where(schema.categories.c.id == category_id))
    if not active:
        raise ActionRefused("invalid", "Choose one of the active categories.")


def check_priority(conn: Connection, key: str) -> None:
    active = conn.scalar(select(schema.priorities.c.is_active).where(schema.priorities.c.key == key))
    if not active:
        raise ActionRefused("invalid", "Choose one of the active priorities.")
