"""Knowledge-base articles written offline: create, edit, publish and unpublish.

As for tickets (:mod:`desktop.store.commands`), each action is checked first, then in ONE
transaction the article gets a shadow, its mutation goes to the outbox (queued under the
article's own id: an article is a family of its own) and the row is rebuilt as shadow + pending
mutations, so the change shows at once. Only support staff write articles.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from desktop.store import records, schema, shadows
from desktop.store.command_checks import Id, check_category, now_or, refusals, rich_text
from desktop.store.database import ChangeSet, Store
from desktop.store.errors import ActionRefused
from desktop.store.rows import Row, id_text, tags_of
from ticketing import knowledge
from ticketing.domain import STAFF_ROLES, ArticleStatus, Status, new_id
from ticketing.protocol import CreateArticleArgs, SetArticleStatusArgs, UpdateArticleArgs
from ticketing.schemas import normalize_tags

ENTITY = "article"


def _staff_only(conn: Connection, store: Store) -> None:
    if not store.actor(conn).is_staff:
        raise ActionRefused("forbidden", "Only support staff can write knowledge-base articles.")


def _article(conn: Connection, article_id: Id) -> Row:
    article = records.read(conn, ENTITY, str(article_id))
    if article is None:
        raise ActionRefused("not_found", "This article is not in the local cache.")
    return article


def _announce(store: Store, article_id: str | None) -> None:
    if article_id is None:
        store.announce(ChangeSet(outbox=True))
    else:
        store.announce(ChangeSet(articles=frozenset({article_id}), outbox=True, queued=True))


def _tags(tags: Iterable[str]) -> list[str]:
    try:
        return normalize_tags(list(tags))
    except ValueError as error:
        raise ActionRefused("invalid", str(error)) from error


def create_article(
    store: Store,
    *,
    title: str,
    body: str,
    category_id: Id | None = None,
    tags: Iterable[str] = (),
    status: ArticleStatus = ArticleStatus.DRAFT,
    source_ticket_id: Id | None = None,
    now: dt.datetime | None = None,
) -> str:
    """A new article (a draft unless ``status`` says published); its id."""
    with refusals(), store.write() as conn:
        _staff_only(conn, store)
        if category_id is not None:
            check_category(conn, str(id_text(category_id)))
        args = CreateArticleArgs(
            id=new_id(),
            title=title,
            body=rich_text(body, "body"),
            category_id=None if category_id is None else uuid.UUID(str(category_id)),
            tags=_tags(tags),
            status=status,
            source_ticket_id=None if source_ticket_id is None else uuid.UUID(str(source_ticket_id)),
        )
        article_id = str(args.id)
        shadows.queue_alone(conn, ENTITY, article_id, args, at=now_or(now), actor=store.actor(conn))
    _announce(store, article_id)
    return article_id


def _resolver(conn: Connection, ticket_id: str) -> str | None:
    """Who set the ticket's latest Resolved, from its history in the cache."""
    e = schema.ticket_events
    return conn.scalar(
        select(e.c.actor_id)
        .where(e.c.ticket_id == ticket_id, e.c.field == "status", e.c.new_value == Status.RESOLVED.value)
        .order_by(e.c.created_at.desc(), e.c.id.desc())
        .limit(1)
    )


def _solution(conn: Connection, ticket_id: str) -> str | None:
    """The resolver's last public reply, or else the last public reply by support staff (as
    the server chooses it)."""
    c, u = schema.comments, schema.users
    replies = (
        select(c.c.content)
        .join(u, u.c.id == c.c.author_id)
        .where(c.c.ticket_id == ticket_id, c.c.is_internal.is_(False), u.c.role.in_(STAFF_ROLES))
        .order_by(c.c.created_at.desc(), c.c.id.desc())
        .limit(1)
    )
    resolver = _resolver(conn, ticket_id)
    if resolver is not None:
        found = conn.scalar(replies.where(c.c.author_id == resolver))
        if found is not None:
            return str(found)
    found = conn.scalar(replies)
    return None if found is None else str(found)


def _active_category(conn: Connection, category_id: str | None) -> uuid.UUID | None:
    """The ticket's category for its article, unless it was deactivated (as on the server)."""
    if category_id is None:
        return None
    active = conn.scalar(select(schema.categories.c.is_active).where(schema.categories.c.id == category_id))
    return uuid.UUID(category_id) if active else None


def create_from_ticket(store: Store, ticket_id: Id, now: dt.datetime | None = None) -> str:
    """A draft from a Resolved or Closed ticket in the cache: its title, its description and the
    resolving agent's last public reply, in the ticket's category while it is active, linked to
    the ticket (offline, like the server's
    ``POST /api/kb/articles/from-ticket``); the new article's id."""
    with refusals(), store.write() as conn:
        _staff_only(conn, store)
        ticket = records.read(conn, "ticket", str(ticket_id))
        if ticket is None:
            raise ActionRefused("not_found", "This ticket is not in the local cache.")
        if not knowledge.may_become_article(ticket["status"]):
            raise ActionRefused("not_solved", "Only a Resolved or Closed ticket can become an article.")
        args = CreateArticleArgs(
            id=new_id(),
            title=ticket["title"],
            body=rich_text(
                knowledge.draft_body(ticket["description"], _solution(conn, ticket["id"])), "body"
            ),
            category_id=_active_category(conn, ticket.get("category_id")),
            source_ticket_id=uuid.UUID(ticket["id"]),
        )
        article_id = str(args.id)
        shadows.queue_alone(conn, ENTITY, article_id, args, at=now_or(now), actor=store.actor(conn))
    _announce(store, article_id)
    return article_id


_UNCHANGED: Any = object()


def edit_article(
    store: Store,
    article_id: Id,
    *,
    title: str | None = None,
    body: str | None = None,
    category_id: Id | None = _UNCHANGED,
    tags: Iterable[str] | None = None,
    now: dt.datetime | None = None,
) -> int | None:
    """Change any of title, body, category (``None`` removes it) and tags, with the values this
    cache holds as the base of each field; ``None`` if nothing changed."""
    fields: dict[str, Any] = {"title": title, "body": body, "tags": tags}
    fields = {name: value for name, value in fields.items() if value is not None}
    if category_id is not _UNCHANGED:
        fields["category_id"] = category_id
    with refusals(), store.write() as conn:
        mutation_id = edit_in(conn, store, article_id, fields, now_or(now))
    _announce(store, None if mutation_id is None else str(article_id))
    return mutation_id


def edit_in(
    conn: Connection, store: Store, article_id: Id, fields: dict[str, Any], at: dt.datetime
) -> int | None:
    """:func:`edit_article` inside the caller's write transaction (also how a conflict's values
    are applied again): ``fields`` maps title, body, category_id and tags to their new values."""
    _staff_only(conn, store)
    article = _article(conn, article_id)
    changes: dict[str, dict[str, Any]] = {}
    title = fields.get("title")
    if title is not None and title.strip() != article["title"]:
        changes["title"] = {"base": article["title"], "new": title.strip()}
    if fields.get("body") is not None:
        cleaned = rich_text(fields["body"], "body")
        if cleaned != article["body"]:
            changes["body"] = {"base": article["body"], "new": cleaned}
    if "category_id" in fields:
        new_category = id_text(fields["category_id"])
        if new_category != article["category_id"]:
            if new_category is not None:
                check_category(conn, new_category)
            changes["category_id"] = {"base": article["category_id"], "new": new_category}
    if fields.get("tags") is not None:
        new_tags, old_tags = _tags(fields["tags"]), tags_of(article["tags"])
        if new_tags != old_tags:
            changes["tags"] = {"base": old_tags, "new": new_tags}
    if not changes:
        return None
    args = UpdateArticleArgs.model_validate({"article_id": article["id"], "changes": changes})
    return shadows.queue_alone(conn, ENTITY, article["id"], args, at=at, actor=store.actor(conn))


def set_article_status(
    store: Store, article_id: Id, status: ArticleStatus, now: dt.datetime | None = None
) -> int | None:
    """Publish or unpublish; ``None`` if the article already has that status."""
    with refusals(), store.write() as conn:
        _staff_only(conn, store)
        article = _article(conn, article_id)
        mutation_id: int | None = None
        if article["status"] != status.value:
            args = SetArticleStatusArgs(article_id=uuid.UUID(article["id"]), status=status)
            actor = store.actor(conn)
            mutation_id = shadows.queue_alone(conn, ENTITY, article["id"], args, at=now_or(now), actor=actor)
    _announce(store, None if mutation_id is None else str(article_id))
    return mutation_id


def publish(store: Store, article_id: Id, now: dt.datetime | None = None) -> int | None:
    return set_article_status(store, article_id, ArticleStatus.PUBLISHED, now)


def unpublish(store: Store, article_id: Id, now: dt.datetime | None = None) -> int | None:
    return set_article_status(store, article_id, ArticleStatus.DRAFT, now)
