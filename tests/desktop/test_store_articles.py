"""Articles in the cache without a server: pulled rows (tags as the wire carries them), offline
commands through the outbox with shadows and replay, the search index's article documents
(kept apart from the ticket search), and removal when the last bucket lets go."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from desktop.store import article_commands, article_queries, outbox, queries, search
from desktop.store.errors import ActionRefused
from tests.helpers.store import article_row, category_row, open_store, pull, put, remove, ticket_row, user_row
from ticketing.domain import ArticleStatus, Role, new_id
from ticketing.protocol import MutationName
from ticketing.schemas import TicketQuery
from ticketing.visibility import DIRECTORY, KB_ALL, KB_PUBLISHED, QUEUE


def test_pulled_articles_keep_their_tags_and_leave_with_their_last_bucket(tmp_path: Path) -> None:
    me = new_id()
    store = open_store(tmp_path, me, Role.USER)
    article = article_row(new_id())
    pull(store, put(KB_PUBLISHED, "article", article))
    row = article_queries.article(store, article["id"])
    assert row is not None and row.tags == ("printer", "hardware") and row.status == ArticleStatus.PUBLISHED
    with store.read() as conn:
        assert json.loads(conn.exec_driver_sql("SELECT tags FROM articles").scalar()) == [
            "printer",
            "hardware",
        ]
        assert search.article_ids(conn, "tray") == [article["id"]]
        assert search.article_ids(conn, "tra") == [article["id"]]  # a prefix while typing

    pull(store, remove(KB_PUBLISHED, "article", article["id"]))  # unpublished
    assert article_queries.article(store, article["id"]) is None
    with store.read() as conn:
        assert search.article_ids(conn, "tray") == []
        assert conn.exec_driver_sql("SELECT count(*) FROM search_docs WHERE kind = 'article'").scalar() == 0
    store.close()


def test_articles_stay_out_of_the_ticket_search(tmp_path: Path) -> None:
    me = new_id()
    store = open_store(tmp_path, me, Role.AGENT)
    category = category_row()
    ticket = ticket_row(me, category["id"], title="Monitor flickers")
    article = article_row(me, title="Monitor flickers often", status="draft")
    pull(
        store,
        put(DIRECTORY, "category", category),
        put(QUEUE, "ticket", ticket),
        put(KB_ALL, "article", article),
    )
    assert queries.ticket_ids(store, TicketQuery(q="flickers"), ranked=True) == [ticket["id"]]
    with store.read() as conn:
        assert search.article_ids(conn, "flickers") == [article["id"]]
    store.close()


def _agent_store(tmp_path: Path) -> tuple[Any, uuid.UUID, dict[str, Any]]:
    me = new_id()
    store = open_store(tmp_path, me, Role.AGENT)
    category = category_row()
    pull(
        store, put(DIRECTORY, "user", user_row(me, "Alice", Role.AGENT)), put(DIRECTORY, "category", category)
    )
    return store, me, category


def test_offline_article_commands_show_at_once_and_queue_their_mutations(tmp_path: Path) -> None:
    store, me, category = _agent_store(tmp_path)
    article_id = article_commands.create_article(
        store,
        title="  VPN  ",
        body="<p>Renew<script>x</script></p>",
        tags=["VPN", "vpn "],
        category_id=category["id"],
    )
    article_commands.edit_article(store, article_id, title="VPN drops", tags=["vpn", "remote"])
    assert article_commands.edit_article(store, article_id, title="VPN drops") is None  # no change
    article_commands.publish(store, article_id)
    assert article_commands.publish(store, article_id) is None
    row = article_queries.article(store, article_id)
    assert row is not None and row.pending
    assert (row.title, row.tags, row.status, row.author_id) == (
        "VPN drops",
        ("vpn", "remote"),
        ArticleStatus.PUBLISHED,
        str(me),
    )
    assert "script" not in row.body
    with store.read() as conn:
        queued = outbox.for_ticket(conn, article_id)
        assert search.article_ids(conn, "renew") == [article_id]
    assert [m.name for m in queued] == [
        MutationName.CREATE_ARTICLE,
        MutationName.UPDATE_ARTICLE,
        MutationName.SET_ARTICLE_STATUS,
    ]
    assert queued[1].args["changes"]["tags"] == {"base": ["vpn"], "new": ["vpn", "remote"]}

    # the server's row arrives (an older version): the pending mutations stay on top of it
    served = article_row(me, id=article_id, title="VPN", body="<p>Renew</p>", tags=["vpn"], status="draft")
    pull(store, put(KB_ALL, "article", served), last_mutation_id=0)
    row = article_queries.article(store, article_id)
    assert row is not None and (row.title, row.status) == ("VPN drops", ArticleStatus.PUBLISHED)
    store.close()


def test_article_commands_refuse_users_and_bad_input(tmp_path: Path) -> None:
    user = open_store(tmp_path / "user", new_id(), Role.USER)
    with pytest.raises(ActionRefused):
        article_commands.create_article(user, title="Mine", body="<p>x</p>")
    user.close()
    store, _me, _category = _agent_store(tmp_path)
    with pytest.raises(ActionRefused):
        article_commands.create_article(store, title="T", body="<script>only</script>")
    with pytest.raises(ActionRefused):
        article_commands.create_article(store, title="T", body="<p>x</p>", tags=["x" * 41])
    with pytest.raises(ActionRefused):
        article_commands.create_article(store, title="T", body="<p>x</p>", category_id=new_id())
    with pytest.raises(ActionRefused):
        article_commands.edit_article(store, new_id(), title="Nope")
    with store.read() as conn:
        assert outbox.count(conn) == 0
    store.close()
