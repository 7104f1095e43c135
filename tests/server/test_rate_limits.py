"""How the rate limits work, from the stored cell to the desktop app.

- the GCRA cell: a burst of ``count``, then one per interval; a refusal counts nothing; a check
  that passes for one key but not the other changes neither; expired cells are pruned;
- the one-call API other endpoints use (uploads);
- the sync push: offline work over a limit is delayed, never rejected, and lands exactly once;
- the desktop: the engine waits at least the server's Retry-After (the status bar says so) and
  then sends what waited; the login window says how long to wait and keeps what was typed.

Time "passes" by moving the stored cells back and, for the engine, by a clock the test turns.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, text

from desktop.local.remembered import AccountBook
from desktop.net.api import ApiClient, RateLimited
from desktop.store import commands, queries
from desktop.sync import session as sessions
from desktop.tasks import TaskRunner
from desktop.ui.shell.context import AppContext, CurrentUser
from desktop.ui.shell.login_window import LoginWindow
from desktop.ui.shell.status_bar import SyncStatusBar
from desktop.ui.shell.sync_controller import SyncController
from sync_server.app import create_app
from sync_server.child_server import LiveServer
from sync_server.db.session import make_session_factory
from sync_server.errors import RateLimited as ServerRateLimited
from sync_server.services import rate_limits
from sync_server.services.rate_limits import ADDRESS_FACTOR, Rate, RateAction
from tests.helpers.api import create_account, login, submit
from tests.helpers.limits import set_rate_limits
from tests.helpers.sync import field_of, sync_until
from tests.helpers.sync import submit as submit_rest
from ticketing.domain import Role
from ticketing.protocol import PROTOCOL_VERSION, PushRequest, PushResponse
from ticketing.schemas import RateLimitSettings

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


def let_time_pass(engine: Engine, seconds: float) -> None:
    """Every rate-limit cell as it will be ``seconds`` from now."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE rate_limits SET tat = tat - make_interval(secs => :s)"), {"s": seconds})


def cells(engine: Engine) -> dict[str, dt.datetime]:
    with engine.connect() as conn:
        return {row.key: row.tat for row in conn.execute(text("SELECT key, tat FROM rate_limits"))}


def server_count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


# --- the cell -------------------------------------------------------------------------------------


def test_a_burst_passes_then_one_per_interval(engine: Engine) -> None:
    factory = make_session_factory(engine)
    rate = Rate(3, dt.timedelta(minutes=1))

    def hit() -> float:
        with factory() as session, session.begin():
            return rate_limits.hit(session, "test:burst", rate)

    assert [hit() for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = hit()
    assert 19 < wait <= 20  # the fourth waits for one interval (60 s / 3)
    assert hit() <= wait  # asking again costs nothing
    let_time_pass(engine, wait)
    assert hit() == 0.0
    assert hit() > 0


def test_a_check_refused_for_the_address_leaves_the_account_untouched(engine: Engine) -> None:
    """Account and address move together: the caller's rollback undoes the account's count."""
    factory = make_session_factory(engine)
    set_rate_limits(engine, RateLimitSettings(uploads_per_minute=1))
    address = "10.1.1.1"
    for _ in range(ADDRESS_FACTOR):  # others at the same address use up its allowance
        with factory() as session, session.begin():
            rate_limits.enforce(session, RateAction.UPLOAD, user_id=uuid.uuid4(), address=address)
    me = uuid.uuid4()
    before = cells(engine)
    with pytest.raises(ServerRateLimited) as refused, factory() as session, session.begin():
        rate_limits.enforce(session, RateAction.UPLOAD, user_id=me, address=address)
    assert refused.value.retry_after >= 1
    assert cells(engine) == before  # no cell for me appeared
    with factory() as session, session.begin():  # from elsewhere, my own allowance is intact
        rate_limits.enforce(session, RateAction.UPLOAD, user_id=me, address="10.2.2.2")


def test_uploads_are_limited_through_the_one_call_api(engine: Engine) -> None:
    """The uploads endpoint calls ``enforce(session, RateAction.UPLOAD, user_id=, address=)``."""
    factory = make_session_factory(engine)
    set_rate_limits(engine, RateLimitSettings(uploads_per_minute=2))
    me = uuid.uuid4()

    def upload() -> int | None:
        try:
            with factory() as session, session.begin():
                rate_limits.enforce(session, RateAction.UPLOAD, user_id=me, address="10.0.0.1")
        except ServerRateLimited as error:
            assert error.status_code == 429 and error.headers == {"Retry-After": str(error.retry_after)}
            assert "uploads" in error.detail
            return error.retry_after
        return None

    assert [upload(), upload()] == [None, None]
    wait = upload()
    assert wait is not None and 1 <= wait <= 30


def test_expired_cells_are_pruned(engine: Engine) -> None:
    factory = make_session_factory(engine)
    rate = Rate(10, dt.timedelta(minutes=1))
    with factory() as session, session.begin():
        rate_limits.hit(session, "test:old", rate)
        rate_limits.hit(session, "test:recent", rate)
    with engine.begin() as conn:
        conn.execute(text("UPDATE rate_limits SET tat = tat - interval '1 hour' WHERE key = 'test:old'"))
    with factory() as session, session.begin():
        assert rate_limits.prune(session) == 1
    assert set(cells(engine)) == {"test:recent"}


# --- the sync push ---------------------------------------------------------------------------------


def _push(
    client: TestClient, headers: dict[str, str], client_id: str, mutations: list[dict[str, Any]]
) -> Any:
    body = {"protocol": PROTOCOL_VERSION, "client_id": client_id, "mutations": mutations}
    return client.post("/api/sync/push", json=body, headers=headers)


def test_a_push_over_the_limit_is_delayed_never_rejected(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    user = login(client, engine, "uma@example.com", Role.USER)
    ticket = submit(user)
    limits = RateLimitSettings(comments_per_minute=3).model_dump()
    assert admin.patch("/api/settings", json={"rate_limits": limits}).status_code == 200
    client_id = str(uuid.uuid4())
    mutations = [
        {
            "id": n,
            "name": "add_comment",
            "args": {"id": str(uuid.uuid4()), "ticket_id": ticket["id"], "content": f"<p>offline {n}</p>"},
        }
        for n in range(1, 6)
    ]

    first = _push(client, user.headers, client_id, mutations)
    assert first.status_code == 200, first.text
    answer = PushResponse.model_validate(first.json())
    assert [(r.id, r.status) for r in answer.results] == [(1, "applied"), (2, "applied"), (3, "applied")]
    assert answer.last_mutation_id == 3
    assert 1 <= int(first.headers["Retry-After"]) <= 20  # stopped before the fourth

    rest = _push(client, user.headers, client_id, mutations[3:])  # what the client still holds
    assert rest.status_code == 429
    assert rest.json()["error"] == "rate_limited" and rest.headers["Retry-After"] == str(
        rest.json()["retry_after"]
    )
    assert server_count(engine, "comments") == 3

    let_time_pass(engine, 60)
    again = _push(client, user.headers, client_id, mutations)  # all of it again: nothing twice
    assert again.status_code == 200, again.text
    results = PushResponse.model_validate(again.json()).results
    assert [(r.id, r.status) for r in results] == [(n, "applied") for n in range(1, 6)]
    assert "Retry-After" not in again.headers
    contents = sorted(c["content"] for c in user.get(f"/api/tickets/{ticket['number']}/comments").json())
    assert contents == [f"<p>offline {n}</p>" for n in range(1, 6)]


# --- the desktop app -------------------------------------------------------------------------------


class TurnedClock:
    """A monotonic clock the test turns (the engine schedules its retries with it)."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def turn(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


class CountingApi(ApiClient):
    """The real HTTP client, counting the pushes it sends."""

    pushes = 0

    def push(self, body: PushRequest) -> PushResponse:
        self.pushes += 1
        return super().push(body)


def test_the_engine_waits_for_retry_after_and_the_status_bar_says_so(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, tmp_path: Path
) -> None:
    _id, alice_password = create_account(engine, "alice@example.com", Role.AGENT, "Alice Agent")
    _id, uma_password = create_account(engine, "uma@example.com", Role.USER)
    uma = ApiClient(live_server.url)
    uma.login("uma@example.com", uma_password)
    ticket = submit_rest(uma, "Printer offline")
    set_rate_limits(engine, RateLimitSettings(comments_per_minute=3))

    clock = TurnedClock()
    controller = SyncController()
    api = CountingApi(live_server.url)
    session = sessions.log_in(
        live_server.url,
        "alice@example.com",
        alice_password,
        data_dir=tmp_path,
        api=api,
        interval=3600.0,
        debounce=0.05,
        clock=clock,
        **controller.engine_callbacks(),
    )
    controller.attach(session.engine)
    user = CurrentUser(str(session.user_id), "Alice Agent", "alice@example.com", Role.AGENT)
    context = AppContext(live_server.url, user, session.store, api, TaskRunner(), controller, session)
    bar = SyncStatusBar(context)
    qtbot.addWidget(bar)
    try:
        sync_until(session, lambda: field_of(session, ticket["id"], "title") is not None)
        for n in range(4):
            commands.add_comment(session.store, ticket["id"], f"written offline {n}")

        session.engine.start()
        qtbot.waitUntil(lambda: bar.slow_down.isVisibleTo(bar), timeout=20_000)
        said = re.fullmatch(r"The server asked to slow down; retrying in (\d+) s", bar.slow_down.text())
        assert said is not None, bar.slow_down.text()
        assert 1 <= int(said.group(1)) <= 20
        assert "Slowed down" in bar.connection.text()
        assert server_count(engine, "comments") == 3
        assert queries.sync_counts(session.store).pending == 1  # the rest waits, nothing is lost
        assert queries.problems(session.store) == []

        retry_after = session.engine.status.retry_at
        assert retry_after is not None
        pushes = api.pushes
        session.engine.request_sync()  # "Sync now" does not jump the server's queue
        commands.add_comment(session.store, ticket["id"], "one more")  # nor does a new change
        waiting = session.engine.next_sync_in
        assert waiting is not None and waiting >= 15  # about 20 s: one comment every 20 s
        assert api.pushes == pushes

        let_time_pass(engine, 120)  # the server's clock ...
        clock.turn(waiting + 1)  # ... and ours
        session.engine.request_sync()
        qtbot.waitUntil(lambda: queries.sync_counts(session.store).pending == 0, timeout=20_000)
        qtbot.waitUntil(lambda: not bar.slow_down.isVisibleTo(bar), timeout=10_000)
        assert server_count(engine, "comments") == 5  # each exactly once
        assert queries.problems(session.store) == []
    finally:
        controller.detach()
        session.engine.close()
        session.store.close()


def test_the_login_window_says_how_long_to_wait_and_keeps_what_was_typed(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path
) -> None:
    _id, password = create_account(engine, "uma@example.com", Role.USER)
    for _ in range(5):  # someone guessed uma's password five times
        wrong = {"email": "uma@example.com", "password": "guess"}
        assert requests.post(f"{live_server.url}/api/auth/login", json=wrong, timeout=10).status_code == 401

    window = LoginWindow(TaskRunner(), book=AccountBook(desktop_env / "accounts.json"), data_dir=desktop_env)
    qtbot.addWidget(window)
    window.server.setText(live_server.url)
    window.email.setText("uma@example.com")
    window.password.setText(password)
    window.remember.setChecked(False)
    window.login_button.click()

    qtbot.waitUntil(lambda: "Too many sign-in attempts" in window.message.text(), timeout=15_000)
    said = re.fullmatch(r"Too many sign-in attempts; try again in (\d+) s\.", window.message.text())
    assert said is not None, window.message.text()
    assert 1 <= int(said.group(1)) <= 180
    assert window.message.isVisibleTo(window) and window.login_button.isEnabled()
    assert (window.server.text(), window.email.text(), window.password.text()) == (
        live_server.url,
        "uma@example.com",
        password,
    )


def test_the_client_raises_rate_limited_with_the_wait(live_server: LiveServer, engine: Engine) -> None:
    _id, password = create_account(engine, "uma@example.com", Role.USER)
    set_rate_limits(engine, RateLimitSettings(login_per_minute=1))
    api = ApiClient(live_server.url)
    api.login("uma@example.com", password)
    with pytest.raises(RateLimited) as refused:
        api.login("uma@example.com", password)
    assert 1 <= refused.value.retry_after <= 60
    assert refused.value.transient and "try again in" in refused.value.detail
