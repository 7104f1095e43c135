"""Knowledge-base articles through real caches and a real server: written offline by an agent,
they reach the server and the other agents' caches; published ones reach users' caches and
unpublished ones leave them; a draft never reaches a user's cache file or search index;
concurrent offline edits merge field by field or report a conflict."""

from __future__ import annotations

import pytest

from desktop.store import article_commands, article_queries, problem_commands, queries, search
from desktop.store.errors import ActionRefused
from desktop.sync import session as sessions
from tests.helpers.sync import Desk, comments_of, field_of, submit, sync_until
from ticketing.domain import ArticleStatus
from ticketing.protocol import MutationName

DRAFT_WORD = "quokkadraft"  # a word only the draft says
PUBLIC_WORD = "pelicanfix"  # a word of the published article


def title_in(session: sessions.AccountSession, article_id: str) -> str | None:
    row = article_queries.article(session.store, article_id)
    return None if row is None else row.title


def settled(session: sessions.AccountSession, article_id: str) -> bool:
    row = article_queries.article(session.store, article_id)
    return row is not None and not row.pending


def cache_bytes(session: sessions.AccountSession) -> list[bytes]:
    session.engine.close()
    session.store.close()  # the WAL stays beside the file until the last connection closes
    path = session.store.path
    return [p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name)]


def indexed(session: sessions.AccountSession, text: str) -> list[str]:
    with session.store.read() as conn:
        return search.article_ids(conn, text)


def test_an_article_written_offline_reaches_the_server_and_other_agents(desk: Desk) -> None:
    alice = desk.desktop("alice@example.com")
    sync_until(alice, lambda: bool(queries.categories(alice.store)))
    category = queries.categories(alice.store)[0].id
    article_id = article_commands.create_article(
        alice.store,
        title="VPN drops hourly",
        body="<p>Renew the <b>lease</b>.</p>",
        category_id=category,
        tags=["VPN", " vpn", "Network"],
    )
    local = article_queries.article(alice.store, article_id)
    assert local is not None and local.pending and local.tags == ("vpn", "network")
    sync_until(alice, lambda: settled(alice, article_id))

    served = desk.rest("bob@example.com").request("GET", f"/api/kb/articles/{article_id}")
    assert served["title"] == "VPN drops hourly"
    assert served["author_id"] == desk.ids["alice@example.com"]
    assert served["tags"] == ["vpn", "network"]
    assert served["status"] == "draft"

    bob = desk.desktop("bob@example.com")
    sync_until(bob, lambda: title_in(bob, article_id) == "VPN drops hourly")
    row = article_queries.article(bob.store, article_id)
    assert row is not None and row.status == ArticleStatus.DRAFT and row.category_id == category
    assert row.version == 1 and not row.pending
    assert indexed(bob, "lease") == [article_id]  # staff find drafts


def test_published_articles_reach_users_and_unpublished_ones_leave(desk: Desk) -> None:
    alice = desk.desktop("alice@example.com")
    uma = desk.desktop("uma@example.com")
    sync_until(alice, lambda: bool(queries.categories(alice.store)))
    draft_id = article_commands.create_article(
        alice.store, title=f"Internal {DRAFT_WORD} notes", body=f"<p>{DRAFT_WORD} steps</p>"
    )
    article_id = article_commands.create_article(
        alice.store, title="Printer jams", body=f"<p>Use the {PUBLIC_WORD} tray.</p>"
    )
    sync_until(alice, lambda: settled(alice, article_id) and settled(alice, draft_id))
    uma.engine.sync_once()
    assert article_queries.list_articles(uma.store) == []

    article_commands.publish(alice.store, article_id)
    sync_until(alice, lambda: settled(alice, article_id))
    sync_until(uma, lambda: title_in(uma, article_id) == "Printer jams")
    assert [a.id for a in article_queries.list_articles(uma.store)] == [article_id]
    assert indexed(uma, PUBLIC_WORD) == [article_id]
    assert indexed(uma, DRAFT_WORD) == []
    assert indexed(uma, DRAFT_WORD[:5]) == []  # nor as a prefix

    article_commands.unpublish(alice.store, article_id)
    sync_until(alice, lambda: settled(alice, article_id))
    sync_until(uma, lambda: title_in(uma, article_id) is None)
    assert indexed(uma, PUBLIC_WORD) == []
    with uma.store.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM articles").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM search_docs WHERE kind = 'article'").scalar() == 0
        held = conn.exec_driver_sql("SELECT count(*) FROM row_buckets WHERE entity = 'article'").scalar()
        assert held == 0

    files = cache_bytes(uma)
    assert any(PUBLIC_WORD.encode() in data for data in files)  # the check can see words
    for data in files:
        assert DRAFT_WORD.encode() not in data


def test_offline_edits_of_different_fields_merge_and_of_one_field_conflict(desk: Desk) -> None:
    alice = desk.desktop("alice@example.com")
    bob = desk.desktop("bob@example.com")
    sync_until(alice, lambda: bool(queries.categories(alice.store)))
    article_id = article_commands.create_article(alice.store, title="Wi-Fi", body="<p>Restart it.</p>")
    sync_until(alice, lambda: settled(alice, article_id))
    sync_until(bob, lambda: title_in(bob, article_id) == "Wi-Fi")

    # both offline: Alice edits the title and the tags, Bob the body and (also) the title
    article_commands.edit_article(alice.store, article_id, title="Wi-Fi drops", tags=["wifi"])
    article_commands.edit_article(bob.store, article_id, body="<p>Forget the network.</p>")
    article_commands.edit_article(bob.store, article_id, title="Wireless trouble")
    sync_until(alice, lambda: settled(alice, article_id))
    sync_until(bob, lambda: settled(bob, article_id) and title_in(bob, article_id) == "Wi-Fi drops")

    served = desk.rest("ada@example.com").request("GET", f"/api/kb/articles/{article_id}")
    assert served["title"] == "Wi-Fi drops"  # Alice's came first; Bob's title is a conflict
    assert served["tags"] == ["wifi"]
    assert served["body"] == "<p>Forget the network.</p>"  # a different field: merged
    problems = queries.problems(bob.store)
    assert [(p.name, p.status) for p in problems] == [(MutationName.UPDATE_ARTICLE, "conflict")]
    assert problems[0].server_values == {"title": "Wi-Fi drops"}
    row = article_queries.article(bob.store, article_id)
    assert row is not None and row.body == "<p>Forget the network.</p>" and row.tags == ("wifi",)
    sync_until(alice, lambda: (article_queries.article(alice.store, article_id) or row).body == row.body)
    assert queries.problems(alice.store) == []

    # Bob applies his title again, on top of what the server kept
    assert problem_commands.reapply_problem(bob.store, problems[0].id) is not None
    assert title_in(bob, article_id) == "Wireless trouble"
    sync_until(bob, lambda: settled(bob, article_id))
    sync_until(alice, lambda: title_in(alice, article_id) == "Wireless trouble")
    assert queries.problems(bob.store) == []


def test_a_user_cannot_write_articles_offline(desk: Desk) -> None:
    uma = desk.desktop("uma@example.com")
    sync_until(uma, lambda: bool(queries.categories(uma.store)))
    with pytest.raises(ActionRefused):
        article_commands.create_article(uma.store, title="Mine", body="<p>x</p>")
    with uma.store.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM outbox").scalar() == 0


def test_a_draft_from_a_ticket_written_offline_reads_like_the_servers(desk: Desk) -> None:
    user, agent, admin = (
        desk.rest(who) for who in ("uma@example.com", "alice@example.com", "ada@example.com")
    )
    ticket = submit(user, "Mail bounces")
    open_one = submit(user, "Still open")
    for author, reply in ((agent, "Check the quota"), (agent, "Empty the trash"), (admin, "Admin was here")):
        author.request("POST", f"/api/tickets/{ticket['id']}/comments", {"content": f"<p>{reply}</p>"})
    agent.request("PATCH", f"/api/tickets/{ticket['id']}", {"status": "Resolved"})

    alice = desk.desktop("alice@example.com")
    sync_until(
        alice,
        lambda: (
            len(comments_of(alice, ticket["id"])) == 3
            and field_of(alice, ticket["id"], "status") == "Resolved"
        ),
    )
    with pytest.raises(ActionRefused):
        article_commands.create_from_ticket(alice.store, open_one["id"])
    article_id = article_commands.create_from_ticket(alice.store, ticket["id"])
    sync_until(alice, lambda: settled(alice, article_id))

    offline = admin.request("GET", f"/api/kb/articles/{article_id}")
    online = agent.request("POST", f"/api/kb/articles/from-ticket/{ticket['id']}")
    assert "Empty the trash" in online["body"] and "Admin was here" not in online["body"]
    assert (offline["title"], offline["body"], offline["source_ticket_id"], offline["category_id"]) == (
        online["title"],
        online["body"],
        ticket["id"],
        ticket["category_id"],
    )
    assert offline["status"] == "draft"
