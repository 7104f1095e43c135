"""The write layer for knowledge-base articles: create, edit, publish and unpublish.

Only support staff write. Each change bumps the article's version and logs the row to the sync
change log in the buckets its status puts it in (``visibility.article_buckets``); a status
change also logs a REMOVE in the buckets it left, so unpublishing takes the article out of
every user's cache. Articles are not admin actions and are not in the admin audit log (like
tickets, they carry their author and times).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.db.models import Article, Category, Comment, Ticket, User
from sync_server.errors import Conflict, Forbidden, NotFound
from sync_server.services import clock
from sync_server.services.helpdesk import catalog, tickets
from sync_server.services.identity.principal import Principal
from sync_server.services.sync import changelog
from sync_server.services.sync.readable import readable_articles
from ticketing import knowledge
from ticketing.domain import STAFF_ROLES, ArticleStatus, new_id
from ticketing.schemas import ArticleCreate, ArticlePatch
from ticketing.visibility import article_buckets

ENTITY = "article"


def require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("Only support staff can write knowledge-base articles.")


def find_article(
    session: Session, principal: Principal, article_id: uuid.UUID, *, lock: bool = False
) -> Article:
    """An article the principal may read; a draft is not found for an end user."""
    stmt = readable_articles(principal).where(Article.id == article_id)
    if lock:
        stmt = stmt.with_for_update()
    article = session.scalar(stmt)
    if article is None:
        raise NotFound(f"No article {article_id}.")
    return article


def _source_ticket(session: Session, principal: Principal, ticket_id: uuid.UUID) -> None:
    """The ticket an article comes from must be one the author can read (else a 409)."""
    try:
        tickets.find_ticket(session, principal, str(ticket_id))
    except NotFound:
        raise Conflict("The source ticket does not exist.", code="invalid_ticket") from None


def _log(session: Session, article: Article, before: frozenset[str] = frozenset()) -> None:
    changelog.record(session, ENTITY, article.id, article_buckets(article.status), before)


def create_article(
    session: Session, principal: Principal, data: ArticleCreate, *, written_offline: bool = False
) -> Article:
    """A new article by the caller; ``written_offline`` accepts a category deactivated since."""
    require_staff(principal)
    if data.category_id is not None:
        catalog.active_category(session, data.category_id, allow_inactive=written_offline)
    if data.source_ticket_id is not None:
        _source_ticket(session, principal, data.source_ticket_id)
    article_id = data.id or new_id()
    if session.get(Article, article_id) is not None:
        raise Conflict("An article with this id already exists.", code="duplicate_id")
    now = clock.now()
    article = Article(
        id=article_id,
        title=data.title,
        body=tickets.clean_rich_text(data.body, "body"),
        category_id=data.category_id,
        tags=list(data.tags),
        status=data.status.value,
        author_id=principal.user.id,
        source_ticket_id=data.source_ticket_id,
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(article)
    session.flush()
    _log(session, article)
    return article


def update_article(
    session: Session, principal: Principal, article_id: uuid.UUID, patch: ArticlePatch
) -> Article:
    """Change any fields (status included) as one change; unchanged values change nothing."""
    require_staff(principal)
    article = find_article(session, principal, article_id, lock=True)
    before = article_buckets(article.status)
    fields = patch.model_fields_set
    changed = False
    for name in ("title", "body", "tags", "status"):
        value = getattr(patch, name)
        if name not in fields or value is None:
            continue
        if name == "body":
            value = tickets.clean_rich_text(value, "body")
        elif name == "status":
            value = ArticleStatus(value).value
        elif name == "tags":
            value = list(value)
        if getattr(article, name) != value:
            setattr(article, name, value)
            changed = True
    if "category_id" in fields and patch.category_id != article.category_id:
        if patch.category_id is not None:
            catalog.active_category(session, patch.category_id)
        article.category_id = patch.category_id
        changed = True
    if changed:
        article.updated_at = clock.now()
        article.version += 1
        session.flush()
        _log(session, article, before)
    return article


def set_status(
    session: Session, principal: Principal, article_id: uuid.UUID, status: ArticleStatus
) -> Article:
    """Publish or unpublish."""
    return update_article(session, principal, article_id, ArticlePatch(status=status))


def _resolving_reply(session: Session, ticket: Ticket) -> Comment | None:
    """The last public reply of whoever resolved the ticket; without one (or without a known
    resolver), the last public reply by any support staff member."""
    staff_replies = (
        select(Comment)
        .join(User, User.id == Comment.author_id)
        .where(
            Comment.ticket_id == ticket.id,
            Comment.is_internal.is_(False),
            User.role.in_(STAFF_ROLES),
        )
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(1)
    )
    if ticket.resolved_by_id is not None:
        found = session.scalar(staff_replies.where(Comment.author_id == ticket.resolved_by_id))
        if found is not None:
            return found
    return session.scalar(staff_replies)


def article_from_ticket(session: Session, principal: Principal, ticket_key: str) -> Article:
    """A draft from a Resolved or Closed ticket: its title, its description and the resolving
    agent's last public reply, in the ticket's category (while that is active), linked to the
    ticket."""
    require_staff(principal)
    ticket = tickets.find_ticket(session, principal, ticket_key)
    if not knowledge.may_become_article(ticket.status):
        raise Conflict("Only a Resolved or Closed ticket can become an article.", code="not_solved")
    reply = _resolving_reply(session, ticket)
    body = knowledge.draft_body(ticket.description, None if reply is None else reply.content)
    category = session.get(Category, ticket.category_id) if ticket.category_id is not None else None
    data = ArticleCreate(
        title=ticket.title,
        body=body,
        category_id=category.id if category is not None and category.is_active else None,
        source_ticket_id=ticket.id,
    )
    return create_article(session, principal, data)


def linked_articles(session: Session, principal: Principal, ticket_key: str) -> list[Article]:
    """The articles made from a ticket the principal may read (published ones only for users)."""
    ticket = tickets.find_ticket(session, principal, ticket_key)
    stmt = (
        readable_articles(principal)
        .where(Article.source_ticket_id == ticket.id)
        .order_by(Article.created_at, Article.id)
    )
    return list(session.scalars(stmt))
