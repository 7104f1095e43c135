"""Full-text search in the cache: ranking, snippets, hostile input, prefixes, numbers, and an
index that follows every write (pulls, local commands, removals) and the migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.store import Store, commands, migrations, queries, queue_window, search
from desktop.sync import apply
from tests.helpers.store import SERVER, T0, World, comment_row, open_store, page, pull, put, remove
from ticketing import visibility
from ticketing.domain import Role, new_id
from ticketing.schemas import TicketQuery

QUEUE = visibility.QUEUE
T = T0.isoformat()


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def agent(tmp_path: Path, world: World) -> Store:
    store = open_store(tmp_path, world.agent, Role.AGENT)
    pull(store, *world.reference(for_staff=True))
    return store


def _found(store: Store, text: str, *, ranked: bool = True) -> list[int | None]:
    ids = queries.ticket_ids(store, TicketQuery(q=text, sort="number"), ranked=ranked)
    rows = queries.tickets_by_id(store, ids)
    return [rows[i].number for i in ids]


def _snippets(store: Store, text: str) -> dict[int | None, str]:
    ids = queries.ticket_ids(store, TicketQuery(q=text), ranked=True)
    rows = queries.tickets_by_id(store, ids)
    with store.read() as conn:
        found = search.snippets(conn, text, ids)
    return {rows[i].number: snippet for i, snippet in found.items()}


def test_title_ranks_above_description_above_comments(agent: Store, world: World) -> None:
    in_comment = world.ticket(1001, title="Screen flickers", description="<p>Since Monday.</p>")
    in_title = world.ticket(1002, title="Toner empty", description="<p>Nothing prints.</p>")
    in_body = world.ticket(1003, title="Third floor", description="<p>Which <b>toner</b> to order?</p>")
    pull(
        agent,
        *(put(QUEUE, "ticket", row) for row in (in_comment, in_title, in_body)),
        put(QUEUE, "comment", comment_row(in_comment, world.agent, "<p>Maybe the toner cable.</p>")),
    )
    assert _found(agent, "toner") == [1002, 1003, 1001]
    assert _found(agent, "toner", ranked=False) == [1001, 1002, 1003]  # a clicked column's order


def test_every_word_must_match_somewhere_in_the_ticket(agent: Store, world: World) -> None:
    ticket = world.ticket(1001, title="Printer offline", description="<p>In room 4.</p>")
    other = world.ticket(1002, title="Printer jams", description="<p>Paper tray.</p>")
    pull(
        agent,
        put(QUEUE, "ticket", ticket),
        put(QUEUE, "ticket", other),
        put(QUEUE, "comment", comment_row(ticket, world.agent, "<p>Replaced the network cable</p>")),
    )
    assert _found(agent, "printer cable") == [1001]  # title and a comment
    assert _found(agent, "printer -cable") == [1002]  # a word left out
    assert _found(agent, '"paper tray"') == [1002]  # a phrase
    assert _found(agent, '"tray paper"') == []


def test_snippets_mark_the_words_and_render_safely(agent: Store, world: World) -> None:
    ticket = world.ticket(
        1001,
        title="Login fails",
        description="<p>After the update the &lt;b&gt;password&lt;/b&gt; field is greyed out</p>",
    )
    titled = world.ticket(1002, title="Password reset", description="<p>Please.</p>")
    pull(agent, put(QUEUE, "ticket", ticket), put(QUEUE, "ticket", titled))
    found = _snippets(agent, "password")
    body = found[1001]
    assert f"{search.MARK_START}password{search.MARK_END}" in body
    assert search.snippet_plain(body) == "After the update the <b>password</b> field is greyed out"
    # the text a user wrote is escaped; only the markers become bold
    assert search.snippet_html(body) == (
        "After the update the &lt;b&gt;<b>password</b>&lt;/b&gt; field is greyed out"
    )
    assert search.snippet_html(found[1002]) == "<b>Password</b> reset"  # only the title matched


def test_descriptions_are_indexed_as_words_not_tags(agent: Store, world: World) -> None:
    pull(
        agent,
        put(QUEUE, "ticket", world.ticket(1001, description='<p><a href="https://x.example">Docs</a></p>')),
    )
    assert _found(agent, "docs") == [1001]
    assert _found(agent, "href") == []
    assert _found(agent, "example") == []  # an attribute's value is not text either
    with agent.read() as conn:
        assert conn.exec_driver_sql("SELECT body FROM search_docs").scalar() == "Docs"


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"unbalanced quote',
        'say "hi',
        "-",
        "--",
        "-printer",
        "*",
        "print*",
        "**",
        ":",
        "title:printer",
        "comments: x",
        "(",
        ")",
        "printer)",
        "AND",
        "OR printer",
        "printer NOT",
        "NEAR(printer jams)",
        "^printer",
        "+",
        "'",
        "\\",
        "{title body}: printer",
        "%_%",
        "#",
        "# 1001",
        "TKT-",
        "1e5",
        "😀 printer",
        "x" * 200,
        " ".join(["printer"] * 25),
    ],
)
def test_hostile_input_never_raises(agent: Store, world: World, text: str) -> None:
    pull(agent, put(QUEUE, "ticket", world.ticket(1001, title="Printer jams")))
    ids = queries.ticket_ids(agent, TicketQuery(q=text), ranked=True)
    assert queries.ticket_ids(agent, TicketQuery(q=text), ranked=False) == ids or len(ids) == 1
    assert queries.count_tickets(agent, TicketQuery(q=text)) == len(ids)
    with agent.read() as conn:
        search.snippets(conn, text, ids)
    parsed = search.parse(text)
    assert parsed.match is None or parsed.match.count('"') % 2 == 0


def test_operators_typed_are_words(agent: Store, world: World) -> None:
    pull(
        agent,
        put(QUEUE, "ticket", world.ticket(1001, title="Printer jams")),
        put(QUEUE, "ticket", world.ticket(1002, title="Printer and scanner or fax")),
    )
    assert _found(agent, "printer AND") == [1002]  # "and" is a word of 1002's title
    assert _found(agent, "title:printer") == []  # no column filter: the phrase "title printer"
    assert _found(agent, "printer:jams") == [1001]  # words joined by signs are a phrase
    assert _found(agent, "printer -") == [1001, 1002]  # a lone dash is nothing
    assert _found(agent, "-printer") == []  # only words left out: nothing to find


def test_the_last_word_is_a_prefix_while_typing(agent: Store, world: World) -> None:
    pull(
        agent,
        put(QUEUE, "ticket", world.ticket(1001, title="Printer jams")),
        put(QUEUE, "ticket", world.ticket(1002, title="Print server down")),
    )
    assert _found(agent, "pri") == [1001, 1002] or _found(agent, "pri") == [1002, 1001]
    assert _found(agent, "printe") == [1001]
    assert _found(agent, "print ") == [1002]  # a finished word matches whole
    assert _found(agent, "jam printer") == []  # only the last word is a prefix
    assert _found(agent, "jams printe") == [1001]
    assert _found(agent, '"print server"') == [1002]
    assert _found(agent, '"print serv') == [1002]  # an open quote: still typing


def test_a_ticket_number_finds_that_ticket_first(agent: Store, world: World) -> None:
    pull(
        agent,
        put(QUEUE, "ticket", world.ticket(1001, title="Printer jams")),
        put(QUEUE, "ticket", world.ticket(1002, title="Reopened, see 1001")),
        put(QUEUE, "ticket", world.ticket(1003, title="Other")),
    )
    for text in ("1001", "#1001", "TKT-1001", "tkt-1001", "# 1001"):
        assert _found(agent, text)[0] == 1001, text
    assert _found(agent, "1001") == [1001, 1002]  # the number, then tickets that mention it
    assert _found(agent, "#1003") == [1003]


def test_no_result_cap(agent: Store, world: World) -> None:
    rows = [world.ticket(2000 + n, title=f"Printer {n}") for n in range(700)]
    pull(agent, *(put(QUEUE, "ticket", row) for row in rows))
    ids = queries.ticket_ids(agent, TicketQuery(q="printer"), ranked=True)
    assert len(ids) == 700
    with agent.read() as conn:
        assert len(search.snippets(conn, "printer", ids)) == 700


def test_the_index_follows_pulls_commands_and_removals(agent: Store, world: World) -> None:
    ticket = world.ticket(1001, title="Printer jams")
    pull(agent, put(QUEUE, "ticket", ticket))
    assert _found(agent, "printer") == [1001]
    pull(agent, put(QUEUE, "ticket", {**ticket, "title": "Scanner jams", "version": 2}))  # a pull
    assert _found(agent, "printer") == []
    assert _found(agent, "scanner") == [1001]

    commands.add_comment(agent, ticket["id"], "Swapped the fuser unit")  # a local command
    assert _found(agent, "fuser") == [1001]
    commands.edit_ticket(agent, ticket["id"], title="Copier jams")
    assert _found(agent, "copier") == [1001]
    assert _found(agent, "scanner") == []

    comment = comment_row(ticket, world.agent, "<p>Ordered a drum</p>")
    pull(agent, put(QUEUE, "comment", comment))
    assert _found(agent, "drum") == [1001]
    pull(agent, remove(QUEUE, "comment", comment["id"]))
    assert _found(agent, "drum") == []

    other = world.ticket(1002, title="Stapler jams")
    pull(agent, put(QUEUE, "ticket", other))
    assert _found(agent, "stapler") == [1002]
    pull(agent, remove(QUEUE, "ticket", other["id"]))  # the ticket left the cache
    assert _found(agent, "stapler") == []
    assert _found(agent, "jams") == [1001]


def test_a_removed_bucket_takes_its_tickets_out_of_the_index(tmp_path: Path, world: World) -> None:
    store = open_store(tmp_path, world.agent, Role.AGENT)
    mine = visibility.assignee_bucket(world.agent)
    ticket = world.ticket(1001, title="Keyboard sticky", assignee_id=str(world.agent))
    pull(
        store,
        put(mine, "ticket", ticket),
        put(mine, "comment", comment_row(ticket, world.agent, "<p>Cola</p>")),
    )
    assert _found(store, "cola") == [1001]
    pull(store, removed=[mine], cursors={})  # reassigned away: the bucket is no longer ours
    assert _found(store, "cola") == []
    assert _found(store, "keyboard") == []
    with store.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM search_docs").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM search_stale").scalar() == 0


def test_the_migration_indexes_an_existing_cache(tmp_path: Path) -> None:
    user_id = new_id()
    path = tmp_path / "old.sqlite3"
    raw = sqlite3.connect(path)
    for step in migrations.MIGRATIONS[:3]:  # a cache made by the app before search
        for statement in step.statements:
            raw.execute(statement)
    raw.execute("PRAGMA user_version = 3")
    raw.execute(
        "INSERT INTO tickets (id, number, title, description, status, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (str(new_id()), 1001, "Monitor flickers", "<p>Since the <i>upgrade</i></p>", "Open", T, T),
    )
    ticket_id = raw.execute("SELECT id FROM tickets").fetchone()[0]
    raw.execute(
        "INSERT INTO comments (id, ticket_id, content, is_internal) VALUES (?, ?, ?, 0)",
        (str(new_id()), ticket_id, "<p>Tried another cable</p>"),
    )
    raw.commit()
    raw.close()
    store = Store.open(path, server_url=SERVER, user_id=user_id, role=Role.AGENT)
    with store.read() as conn:
        assert migrations.schema_version(conn) == migrations.SCHEMA_VERSION
    assert _found(store, "upgrade") == [1001]
    assert _found(store, "cable") == [1001]
    assert _found(store, "flick") == [1001]
    store.close()


def test_rebuild_recreates_the_index(agent: Store, world: World) -> None:
    pull(agent, put(QUEUE, "ticket", world.ticket(1001, title="Printer jams")))
    with agent.write() as conn:
        conn.exec_driver_sql("DELETE FROM search_docs")
    assert _found(agent, "printer") == []
    with agent.write() as conn:
        search.rebuild(conn)
    assert _found(agent, "printer") == [1001]


def test_a_pull_indexes_its_tickets_on_its_last_page(agent: Store, world: World) -> None:
    ticket = world.ticket(1001, title="Printer jams")
    apply.apply_page(agent, page([put(QUEUE, "ticket", ticket)], has_more=True), final=False)
    assert queries.ticket(agent, ticket["id"]) is not None  # shown at once...
    with agent.read() as conn:  # ...and noted for the index, which the last page brings up to date
        assert conn.exec_driver_sql("SELECT ref_id FROM search_stale").scalars().all() == [ticket["id"]]
    comment = comment_row(ticket, world.agent, "<p>Fuser worn</p>")
    apply.apply_page(agent, page([put(QUEUE, "comment", comment)]), final=True)
    assert _found(agent, "printer fuser") == [1001]
    with agent.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM search_stale").scalar() == 0


def test_windows_of_a_ranked_search_come_in_rank_order_with_snippets(agent: Store, world: World) -> None:
    tickets = [
        world.ticket(1001 + n, title=("Toner " * (n % 3 + 1)) + f"case {n}", description="<p>toner low</p>")
        for n in range(12)
    ]
    pull(agent, *(put(QUEUE, "ticket", row) for row in tickets), put(QUEUE, "ticket", world.ticket(1100)))
    query = TicketQuery(q="toner", sort="number")
    ranked = queries.ticket_ids(agent, query, ranked=True)
    assert len(ranked) == 12 and ranked != queries.ticket_ids(agent, query)
    for offset in (0, 5, 9):  # past the middle too: a rank is read from the start
        window = queue_window.read_window(agent, query, offset, 4, ranked=True, locate=ranked[-2:])
        assert window.total == 12
        assert window.ids == ranked[offset : offset + 4]
        assert all(search.MARK_START in (window.rows[i].match or "") for i in window.ids)
        assert window.positions == {ranked[-2]: 10, ranked[-1]: 11}
    with agent.read() as conn:
        assert queue_window.positions(conn, query, ranked, ranked=True) == {
            t: n for n, t in enumerate(ranked)
        }
    assert (
        queue_window.ids_of_rows(agent, query, [(2, 4), (10, 11)], ranked=True) == ranked[2:5] + ranked[10:]
    )
    selection = queue_window.RowSelection(query, ((0, 11),), everything=True, ranked=True)
    assert selection.resolve(agent) == ranked
    by_number = queue_window.read_window(agent, query, 8, 4)  # a column's order, from the end
    assert by_number.ids == queries.ticket_ids(agent, query)[8:12]
