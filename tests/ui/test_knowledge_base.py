"""The knowledge base in the app with real widgets on real caches: what a user and an agent see,
offline writing through the outbox, search and filters, the ticket view's articles and "Create
article from ticket", the reply's link picker, and article links in a conversation."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop.store import outbox
from desktop.ui.knowledge import reader as reader_module
from desktop.ui.knowledge.editor import FROM_TICKET_WARNING, ArticleEditor
from desktop.ui.knowledge.window import KnowledgeBaseWindow
from desktop.ui.portal.user_portal import UserPortal
from desktop.ui.queue.agent_console import AgentConsole
from desktop.ui.shell.context import AppContext
from desktop.ui.ticket.detail import TicketDetailView
from tests.helpers.store import World, article_row, comment_row, pull, put
from tests.helpers.ui import offline_context, requester_bucket, world_store
from ticketing import visibility
from ticketing.domain import ArticleStatus, Role, new_id
from ticketing.knowledge import article_url
from ticketing.protocol import MutationName

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


@pytest.fixture(autouse=True)
def discard_on_teardown(monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor a test leaves with typed text asks what to do when pytest-qt closes it: discard
    (a test that answers the question itself patches it again)."""
    monkeypatch.setattr(QMessageBox, "question", lambda *_args: QMessageBox.StandardButton.Discard)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def tickets(world: World) -> dict[str, dict[str, Any]]:
    return {
        "open": world.ticket(1001, title="Printer jams", description="<p>On page two.</p>"),
        "resolved": world.ticket(1002, title="VPN drops hourly", status="Resolved"),
        "closed": world.ticket(1003, title="Old laptop", status="Closed"),
    }


@pytest.fixture
def articles(world: World, tickets: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        "printer": article_row(
            world.agent,
            title="Clearing a printer jam",
            body="<p>Open the <b>tray</b> and pull gently.</p>",
            category_id=world.category["id"],
            tags=["printer"],
            updated_at="2026-11-27T10:00:00+00:00",
        ),
        "vpn": article_row(
            world.agent,
            title="Renewing the VPN certificate",
            body="<p>Use the portal to renew it.</p>",
            category_id=world.other_category["id"],
            tags=["vpn"],
            source_ticket_id=tickets["resolved"]["id"],
            updated_at="2026-11-27T11:00:00+00:00",
        ),
        "draft": article_row(
            world.agent,
            title="Printer firmware draft",
            body="<p>Not ready.</p>",
            status="draft",
            category_id=world.category["id"],
            updated_at="2026-11-27T12:00:00+00:00",
        ),
    }


def _close(context: AppContext) -> None:
    context.tasks.wait()
    context.sync.detach()
    context.session.engine.close()
    context.store.close()


@pytest.fixture
def user(
    desktop_env: Path,
    tmp_path: Path,
    world: World,
    tickets: dict[str, dict[str, Any]],
    articles: dict[str, dict[str, Any]],
) -> Iterator[AppContext]:
    """The requester's cache: their tickets and the published articles only (as the server
    syncs them: drafts never reach a user's cache)."""
    store = world_store(tmp_path / "cache", world)
    bucket = requester_bucket(world)
    pull(
        store,
        *(put(bucket, "ticket", ticket) for ticket in tickets.values()),
        *(
            put(visibility.KB_PUBLISHED, "article", a)
            for a in articles.values()
            if a["status"] == "published"
        ),
    )
    context = offline_context(store, world.requester, "Uma", Role.USER)
    yield context
    _close(context)


@pytest.fixture
def agent(
    desktop_env: Path,
    tmp_path: Path,
    world: World,
    tickets: dict[str, dict[str, Any]],
    articles: dict[str, dict[str, Any]],
) -> Iterator[AppContext]:
    """An agent's cache: the queue and every article."""
    store = world_store(tmp_path / "cache", world, as_staff=True)
    pull(
        store,
        *(put(visibility.QUEUE, "ticket", ticket) for ticket in tickets.values()),
        put(
            visibility.QUEUE,
            "comment",
            comment_row(tickets["resolved"], world.agent, "<p>Renew the certificate.</p>"),
        ),
        *(put(visibility.KB_ALL, "article", a) for a in articles.values()),
    )
    context = offline_context(store, world.agent, "Alice", Role.AGENT)
    yield context
    _close(context)


def answering(asked: list[str], reply: QMessageBox.StandardButton) -> Any:
    """A stand-in for ``QMessageBox.question`` that notes each question's title in ``asked``
    and answers ``reply``."""

    def question(_parent: object, title: str, *_args: object) -> QMessageBox.StandardButton:
        asked.append(title)
        return reply

    return question


def kb_window(qtbot: QtBot, context: AppContext) -> KnowledgeBaseWindow:
    window = KnowledgeBaseWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.library.library is not None)
    return window


def listed(window: KnowledgeBaseWindow) -> list[str]:
    return window.library.article_ids()


def queued(context: AppContext, article_id: str) -> list[outbox.QueuedMutation]:
    with context.store.read() as conn:
        return outbox.for_ticket(conn, article_id)


def shown_detail(qtbot: QtBot, context: AppContext, ticket: dict[str, Any]) -> TicketDetailView:
    view = TicketDetailView(context)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=5000):
        view.show_ticket(ticket["id"])
    return view


# --- the window -----------------------------------------------------------------------------------


def test_a_user_reads_published_articles_only_and_sees_no_editor_controls(
    qtbot: QtBot, user: AppContext, articles: dict[str, dict[str, Any]]
) -> None:
    window = kb_window(qtbot, user)
    assert listed(window) == [articles["vpn"]["id"], articles["printer"]["id"]]  # newest change first
    assert window.toolbar is None
    assert not window.library.status.isVisibleTo(window)
    assert window.library.list.isColumnHidden(2)  # no status column
    visible_buttons = [b.text() for b in window.findChildren(QPushButton) if b.isVisibleTo(window)]
    assert not any(word in " ".join(visible_buttons) for word in ("Edit", "Publish", "New", "Save"))

    window.library.select(articles["vpn"]["id"])
    window.library.current_changed.emit(articles["vpn"]["id"])
    qtbot.waitUntil(lambda: window.reader.article_id == articles["vpn"]["id"])
    assert window.reader.title.text() == "Renewing the VPN certificate"
    assert "Use the portal to renew it." in window.reader.body.toPlainText()
    assert "Category: Network" in window.reader.facts.text() and "Tags: vpn" in window.reader.facts.text()
    assert "By Alice" in window.reader.facts.text()
    assert not window.reader.source.isVisibleTo(window)  # the source ticket is for staff
    assert not window.reader.status.isVisibleTo(window)
    assert not window.edit_action.isEnabled()
    assert window.new_article() is None  # even asked directly, a user gets no editor
    window.edit_article(articles["printer"]["id"])
    qtbot.waitUntil(lambda: window.reader.article_id == articles["printer"]["id"])
    user.tasks.wait()
    assert window.editors == {}


def test_search_and_filters_narrow_the_list_from_the_cache(
    qtbot: QtBot, agent: AppContext, articles: dict[str, dict[str, Any]], world: World
) -> None:
    window = kb_window(qtbot, agent)
    assert len(listed(window)) == 3  # staff see drafts too
    draft_item = window.library.list.topLevelItem(0)
    assert draft_item is not None and draft_item.text(2) == "Draft"

    window.library.search.setText("printe")  # a prefix, while typing
    qtbot.waitUntil(lambda: len(listed(window)) == 2)
    assert set(listed(window)) == {articles["printer"]["id"], articles["draft"]["id"]}
    window.library.search.setText("certificate")
    qtbot.waitUntil(lambda: listed(window) == [articles["vpn"]["id"]])
    window.library.search.setText("nothing like this")
    qtbot.waitUntil(lambda: listed(window) == [])
    assert window.library.stack.currentWidget() is window.library.empty
    assert "No article matches" in window.library.empty.text()

    window.library.search.clear()
    window.library.status.setCurrentIndex(window.library.status.findData(ArticleStatus.DRAFT.value))
    window.library.query_changed.emit()
    qtbot.waitUntil(lambda: listed(window) == [articles["draft"]["id"]])
    window.library.status.setCurrentIndex(0)
    window.library.category.setCurrentIndex(window.library.category.findData(world.other_category["id"]))
    window.library.query_changed.emit()
    qtbot.waitUntil(lambda: listed(window) == [articles["vpn"]["id"]])


def test_an_empty_knowledge_base_says_what_to_do(qtbot: QtBot, desktop_env: Path, tmp_path: Path) -> None:
    world = World()
    store = world_store(tmp_path / "empty", world)
    context = offline_context(store, world.requester, "Uma", Role.USER)
    try:
        window = kb_window(qtbot, context)
        assert window.library.stack.currentWidget() is window.library.empty
        assert "No articles have been published yet" in window.library.empty.text()
        assert "Select an article" in window.reader.empty.text()
    finally:
        window.close()
        _close(context)


def test_staff_write_edit_and_publish_offline_through_the_outbox(
    qtbot: QtBot, agent: AppContext, world: World
) -> None:
    window = kb_window(qtbot, agent)
    editor = window.new_article()
    assert editor is not None
    qtbot.addWidget(editor)
    editor.body.edit.setPlainText("Hold the power button for ten seconds.")
    editor.save_button.click()  # no title: refused, the text stays
    assert editor.message.text() == "An article needs a title."
    assert editor.body.edit.toPlainText() == "Hold the power button for ten seconds."
    assert editor.article_id is None

    editor.title.setText("Restarting a frozen laptop")
    editor.tags.setText("Laptop, laptop , Power")
    editor.category.setCurrentIndex(editor.category.findData(world.category["id"]))
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.article_id is not None)
    article_id = editor.article_id
    assert article_id is not None
    created = queued(agent, article_id)
    assert [m.name for m in created] == [MutationName.CREATE_ARTICLE]
    assert created[0].args["tags"] == ["laptop", "power"]
    assert created[0].args["status"] == ArticleStatus.DRAFT
    qtbot.waitUntil(lambda: article_id in listed(window))  # the list follows the store's announcement
    assert window.editors.get(article_id) is editor

    editor.title.setText("Restarting a frozen laptop safely")
    editor.save_button.click()
    qtbot.waitUntil(lambda: len(queued(agent, article_id)) == 2)
    assert queued(agent, article_id)[1].name == MutationName.UPDATE_ARTICLE
    qtbot.waitUntil(editor.publish_button.isEnabled)  # one action at a time: the save is done

    assert not editor.warning.isVisibleTo(editor)  # not from a ticket: publishing needs no warning
    editor.publish_button.click()
    qtbot.waitUntil(lambda: len(queued(agent, article_id)) == 3)
    assert queued(agent, article_id)[2].name == MutationName.SET_ARTICLE_STATUS
    qtbot.waitUntil(lambda: editor.unpublish_button.isVisibleTo(editor))
    assert not editor.publish_button.isVisibleTo(editor)
    qtbot.waitUntil(
        lambda: window.reader.article_id == article_id and not window.reader.status.isVisibleTo(window)
    )
    assert window.reader.title.text() == "Restarting a frozen laptop safely"


def test_a_bad_tag_is_explained_and_nothing_is_queued(qtbot: QtBot, agent: AppContext) -> None:
    window = kb_window(qtbot, agent)
    editor = window.new_article()
    assert editor is not None
    qtbot.addWidget(editor)
    editor.title.setText("Too long a tag")
    editor.tags.setText("x" * 41)
    editor.save_button.click()
    assert editor.message.text().startswith("Tags:")
    assert editor.tags.text() == "x" * 41
    assert editor.article_id is None


# --- the ticket view ------------------------------------------------------------------------------


def test_create_article_from_ticket_is_offered_on_resolved_and_closed_tickets_only(
    qtbot: QtBot, agent: AppContext, tickets: dict[str, dict[str, Any]]
) -> None:
    view = shown_detail(qtbot, agent, tickets["open"])
    assert not view.articles.create_button.isVisibleTo(view)
    for name in ("resolved", "closed"):
        with qtbot.waitSignal(view.loaded, timeout=5000):
            view.show_ticket(tickets[name]["id"])
        assert view.articles.create_button.isVisibleTo(view), name


def test_a_user_gets_neither_the_button_nor_the_link_picker(
    qtbot: QtBot, user: AppContext, tickets: dict[str, dict[str, Any]]
) -> None:
    view = shown_detail(qtbot, user, tickets["resolved"])
    assert not view.articles.isVisibleTo(view)
    assert not view.reply.article_link_button.isVisibleTo(view)


def test_a_draft_from_a_ticket_opens_in_the_editor_with_the_warning_and_publishing_asks(
    qtbot: QtBot, agent: AppContext, tickets: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    console = AgentConsole(agent)
    qtbot.addWidget(console)
    console.show()
    with qtbot.waitSignal(console.detail.loaded, timeout=5000):
        console.detail.show_ticket(tickets["closed"]["id"])
    console.detail.articles.create_button.click()
    qtbot.waitUntil(lambda: console.knowledge_base is not None and bool(console.knowledge_base.editors))
    kb = console.knowledge_base
    assert kb is not None
    editor: ArticleEditor = next(iter(kb.editors.values()))
    article_id = editor.article_id
    assert article_id is not None
    assert editor.title.text() == "Old laptop"
    assert editor.warning.isVisibleTo(editor) and editor.warning.text() == FROM_TICKET_WARNING
    assert [m.name for m in queued(agent, article_id)] == [MutationName.CREATE_ARTICLE]
    assert queued(agent, article_id)[0].args["source_ticket_id"] == tickets["closed"]["id"]

    asked: list[str] = []
    answer = functools.partial(answering, asked)

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    editor.publish_button.click()
    assert asked == ["Publish this draft?"]
    agent.tasks.wait()
    assert len(queued(agent, article_id)) == 1  # not published, nothing more queued
    assert editor.title.text() == "Old laptop"

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    editor.title.setText("Replacing an old laptop")
    editor.publish_button.click()
    qtbot.waitUntil(lambda: queued(agent, article_id)[-1].name == MutationName.SET_ARTICLE_STATUS)
    qtbot.waitUntil(lambda: not editor.warning.isVisibleTo(editor))  # published: the draft warning goes

    # the ticket lists its article now
    qtbot.waitUntil(lambda: console.detail.articles.article_ids() == [article_id])
    console.close_for_app()


def test_the_ticket_lists_its_articles_as_links_that_open_them(
    qtbot: QtBot, agent: AppContext, tickets: dict[str, dict[str, Any]], articles: dict[str, dict[str, Any]]
) -> None:
    console = AgentConsole(agent)
    qtbot.addWidget(console)
    with qtbot.waitSignal(console.detail.loaded, timeout=5000):
        console.detail.show_ticket(tickets["resolved"]["id"])
    assert console.detail.articles.article_ids() == [articles["vpn"]["id"]]
    assert "Renewing the VPN certificate" in console.detail.articles.links.text()
    assert article_url(articles["vpn"]["id"]) in console.detail.articles.links.text()

    console.detail.articles.links.linkActivated.emit(article_url(articles["vpn"]["id"]))
    kb = console.knowledge_base
    assert kb is not None
    qtbot.waitUntil(lambda: kb.reader.article_id == articles["vpn"]["id"])
    assert kb.reader.source.isVisibleTo(kb) and "TKT-1002" in kb.reader.source.text()
    assert kb.library.current_id == articles["vpn"]["id"]

    qtbot.waitUntil(lambda: console.model.row_of(tickets["open"]["id"]) is not None)
    console.select_ticket(tickets["open"]["id"])
    qtbot.waitUntil(lambda: console.detail.ticket_id == tickets["open"]["id"])
    kb.reader.source.linkActivated.emit(f"ticket:{tickets['resolved']['id']}")  # "From ticket TKT-1002"
    qtbot.waitUntil(lambda: console.detail.ticket_id == tickets["resolved"]["id"])
    console.close_for_app()


def test_the_picker_inserts_a_link_to_the_article_chosen_published_first(
    qtbot: QtBot, agent: AppContext, tickets: dict[str, dict[str, Any]], articles: dict[str, dict[str, Any]]
) -> None:
    view = shown_detail(qtbot, agent, tickets["open"])
    assert view.reply.article_link_button.isVisibleTo(view)
    picker = view.pick_article_link()
    qtbot.waitUntil(lambda: picker.results.count() == 3)
    first = picker.results.item(0)
    last = picker.results.item(2)
    assert first is not None and last is not None
    assert "draft" not in first.text() and "draft" in last.text()  # published first

    picker.search.setText("printer")
    qtbot.waitUntil(lambda: picker.results.count() == 2)
    picker.search.setText("certif")
    qtbot.waitUntil(lambda: picker.results.count() == 1)
    view.reply.editor.edit.setPlainText("See ")
    view.reply.editor.edit.moveCursor(view.reply.editor.edit.textCursor().MoveOperation.End)
    picker.insert_button.click()
    html = view.reply.editor.html()
    assert f'<a href="{article_url(articles["vpn"]["id"])}">Renewing the VPN certificate</a>' in html


# --- links in a conversation ----------------------------------------------------------------------


def test_a_link_in_the_conversation_opens_the_article_for_a_user(
    qtbot: QtBot,
    user: AppContext,
    world: World,
    tickets: dict[str, dict[str, Any]],
    articles: dict[str, dict[str, Any]],
) -> None:
    link = article_url(articles["printer"]["id"])
    gone = article_url(new_id())  # a draft or an unpublished article: not in a user's cache
    pull(
        user.store,
        put(
            requester_bucket(world),
            "comment",
            comment_row(
                tickets["open"],
                world.agent,
                f'<p>See <a href="{link}">this</a> or <a href="{gone}">that</a>.</p>',
            ),
        ),
    )
    portal = UserPortal(user)
    qtbot.addWidget(portal)
    assert portal.knowledge_action.shortcut().toString() == "Ctrl+Shift+K"
    assert portal.new_article_action is None  # users never write articles
    with qtbot.waitSignal(portal.detail.loaded, timeout=5000):
        portal.detail.show_ticket(tickets["open"]["id"])
    html = portal.detail.timeline.toHtml()
    assert link in html  # the sanitizer kept the link

    portal.detail.timeline.anchorClicked.emit(QUrl(link))
    kb = portal.knowledge_base
    assert kb is not None and kb.isVisible()
    qtbot.waitUntil(lambda: kb.reader.article_id == articles["printer"]["id"])
    assert kb.reader.title.text() == "Clearing a printer jam"

    portal.detail.timeline.anchorClicked.emit(QUrl(gone))
    assert portal.knowledge_base is kb  # one window per main window
    qtbot.waitUntil(lambda: kb.reader.empty.text() == reader_module.MISSING)
    assert kb.reader.article_id is None
    assert "not available (it may have been unpublished)" in kb.reader.empty.text()

    portal.knowledge_action.trigger()
    assert portal.knowledge_base is kb
    portal.close_for_app()


def test_closing_with_unsaved_changes_asks_and_keeps_them_until_told(
    qtbot: QtBot, agent: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = kb_window(qtbot, agent)
    editor = window.new_article()  # owned by the window, deleted when it closes
    assert editor is not None
    asked: list[str] = []
    answer = functools.partial(answering, asked)

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    editor.close_button.click()  # nothing typed: closes without asking
    assert asked == []
    qtbot.waitUntil(lambda: None not in window.editors)

    editor = window.new_article()
    assert editor is not None
    editor.title.setText("Printer offline after an update")
    editor.body.edit.setPlainText("Switch it off and on; then print a test page.")
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    editor.close_button.click()
    assert asked == ["Save this article?"] and editor.isVisible()
    assert editor.title.text() == "Printer offline after an update"

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Save))
    with qtbot.waitSignal(editor.saved) as saved:
        editor.reject()  # Escape
    article_id = saved.args[0]
    qtbot.waitUntil(lambda: not window.editors)  # saved, then closed
    assert [m.name for m in queued(agent, article_id)] == [MutationName.CREATE_ARTICLE]

    window.edit_article(article_id)  # loaded again: its fields are what was saved
    qtbot.waitUntil(lambda: article_id in window.editors)
    editor = window.editors[article_id]
    assert not editor.has_unsaved_changes
    editor.title.setText("Printer offline")
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Discard))
    editor.close_button.click()
    qtbot.waitUntil(lambda: not window.editors)
    assert len(queued(agent, article_id)) == 1  # discarded: no edit queued
