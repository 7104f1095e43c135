"""A lost answer never logs a field technician out: token refreshes and logins through a real
fault-injecting proxy between a real desktop client and a real server process.

Each case ends with the client syncing on with the login it had (no new login), or, for a
stolen token, with the documented revocation, after which a new login syncs the work that waited.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from desktop.net.api import ApiClient, AuthError, Unreachable
from desktop.store import commands, queries
from desktop.sync import session as sessions
from tests.helpers.fault_proxy import Fault, FaultProxy
from tests.helpers.sync import Desk, comments_of, field_of, submit, sync_until
from ticketing.schemas import TokenOut

REFRESH = b"POST /api/auth/refresh"


@pytest.fixture
def proxy(desk: Desk) -> Iterator[FaultProxy]:
    opened = FaultProxy(desk.server.port, kill_server=desk.server.kill)
    yield opened
    opened.close()


def _logins(engine: Engine, email: str) -> list[tuple[bool, bool]]:
    """(revoked, used) of each login session of ``email``."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.revoked_at IS NOT NULL, a.pair_used_at IS NOT NULL FROM auth_sessions a"
                " JOIN users u ON u.id = a.user_id WHERE u.email = :email ORDER BY a.created_at"
            ),
            {"email": email},
        )
        return [(row[0], row[1]) for row in rows]


def _expire_access_tokens(engine: Engine) -> None:
    """Make the next request refresh, as it does after 15 minutes."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE auth_sessions SET access_expires_at = now() - interval '1 second'"))


def _alice_via(proxy: FaultProxy, desk: Desk) -> sessions.AccountSession:
    alice = sessions.log_in(
        proxy.url, "alice@example.com", desk.passwords["alice@example.com"], data_dir=desk.data_dir
    )
    desk.sessions.append(alice)
    return alice


def _comment_and_sync_after(alice: sessions.AccountSession, desk: Desk, fault_hit: bool) -> str:
    """Queue a comment, then sync until it is on the server: the login held."""
    assert fault_hit, "the fault should have hit the refresh"
    ticket = submit(desk.rest("uma@example.com"), "VPN drops")
    sync_until(alice, lambda: field_of(alice, ticket["id"], "title") is not None)
    commands.add_comment(alice.store, ticket["id"], "checked the tunnel")
    sync_until(alice, lambda: queries.sync_counts(alice.store).pending == 0)
    assert [c.content for c in comments_of(alice, ticket["id"])] == ["checked the tunnel"]
    return str(ticket["id"])


@pytest.mark.parametrize("fault", [Fault.DROP_ANSWER, Fault.CUT_ANSWER, Fault.DROP_REQUEST])
def test_a_refresh_whose_answer_is_lost_keeps_the_login(
    desk: Desk, engine: Engine, proxy: FaultProxy, fault: Fault
) -> None:
    alice = _alice_via(proxy, desk)
    alice.engine.sync_once()
    _expire_access_tokens(engine)
    proxy.arm(REFRESH, fault)
    with pytest.raises(Unreachable):
        alice.engine.sync_once()
    _comment_and_sync_after(alice, desk, proxy.hit_count(fault) == 1)
    assert _logins(engine, "alice@example.com") == [(False, True)]  # the same login, never revoked


def test_the_server_killed_right_after_a_refresh_commits_keeps_the_login(
    desk: Desk, engine: Engine, proxy: FaultProxy
) -> None:
    alice = _alice_via(proxy, desk)
    alice.engine.sync_once()
    _expire_access_tokens(engine)
    proxy.arm(REFRESH, Fault.KILL_AFTER_ANSWER)
    with pytest.raises(Unreachable):
        alice.engine.sync_once()
    with pytest.raises(Unreachable):  # still down
        alice.engine.sync_once()
    desk.server.start()
    _comment_and_sync_after(alice, desk, proxy.hit_count(Fault.KILL_AFTER_ANSWER) == 1)
    assert _logins(engine, "alice@example.com") == [(False, True)]


def test_a_remembered_login_resumes_after_its_refresh_answer_was_lost(
    desk: Desk, engine: Engine, proxy: FaultProxy
) -> None:
    """The app was closed while a refresh was on its way: the token in the keyring is the old
    one, and opening the app again presents it."""
    alice = _alice_via(proxy, desk)
    alice.engine.sync_once()
    remembered = alice.api.refresh_token
    assert remembered is not None
    proxy.arm(REFRESH, Fault.DROP_ANSWER)
    with pytest.raises(Unreachable):
        alice.api.refresh()
    assert alice.api.refresh_token == remembered  # kept, never thrown away
    alice.engine.close()
    alice.store.close()
    desk.sessions.remove(alice)

    stored: list[TokenOut] = []
    again = sessions.resume(
        proxy.url, alice.user_id, remembered, data_dir=desk.data_dir, on_tokens=stored.append
    )
    desk.sessions.append(again)
    assert again.user is not None and again.user.email == "alice@example.com"
    assert [t.refresh_token for t in stored] == [again.api.refresh_token]
    _comment_and_sync_after(again, desk, True)
    assert _logins(engine, "alice@example.com") == [(False, True)]


def test_two_refreshes_racing_from_one_device_both_succeed(desk: Desk, engine: Engine) -> None:
    """The sync engine and a window refresh at the same moment with the same token."""
    first = ApiClient(desk.server.url)
    first.login("alice@example.com", desk.passwords["alice@example.com"])
    token = first.refresh_token
    clients = [ApiClient(desk.server.url, refresh_token=token) for _ in range(4)]
    start = threading.Barrier(len(clients))
    answers: list[TokenOut] = []
    failures: list[BaseException] = []

    def refresh(client: ApiClient) -> None:
        start.wait()
        try:
            answers.append(client.refresh())
        except BaseException as error:  # collected and asserted on below
            failures.append(error)

    threads = [threading.Thread(target=refresh, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len({(a.access_token, a.refresh_token) for a in answers}) == 1  # the same pair for all
    for client in clients:
        assert client.me().email == "alice@example.com"
    assert _logins(engine, "alice@example.com") == [(False, True)]


def test_an_old_token_after_the_new_one_was_used_ends_the_login_and_work_waits(
    desk: Desk, engine: Engine
) -> None:
    alice = desk.desktop("alice@example.com")
    ticket = submit(desk.rest("uma@example.com"), "Printer offline")
    sync_until(alice, lambda: field_of(alice, ticket["id"], "title") is not None)
    copied = alice.api.refresh_token  # a copy of the token leaves the device
    assert copied is not None
    alice.api.refresh()
    alice.engine.sync_once()  # the new pair is used

    with pytest.raises(AuthError) as stolen:
        ApiClient(desk.server.url, refresh_token=copied).me()
    assert stolen.value.code == "token_reused"
    with engine.connect() as conn:
        logged = conn.execute(
            text("SELECT action, details->>'email' FROM admin_audit WHERE target_type = 'login'")
        ).all()
    assert [tuple(row) for row in logged] == [("login.token_reused", "alice@example.com")]

    commands.add_comment(alice.store, ticket["id"], "written after the theft")
    with pytest.raises(AuthError):  # the device's own login ended too: log in again
        alice.engine.sync_once()
    assert queries.sync_counts(alice.store).pending == 1  # the work waits in the outbox
    alice.engine.close()
    alice.store.close()
    desk.sessions.remove(alice)

    again = desk.desktop("alice@example.com")
    sync_until(again, lambda: queries.sync_counts(again.store).pending == 0)
    assert [c.content for c in comments_of(again, ticket["id"])] == ["written after the theft"]


def test_a_lost_login_answer_costs_one_more_login(desk: Desk, engine: Engine, proxy: FaultProxy) -> None:
    proxy.arm(b"POST /api/auth/login", Fault.DROP_ANSWER)
    with pytest.raises(Unreachable):
        _alice_via(proxy, desk)
    alice = _alice_via(proxy, desk)
    _comment_and_sync_after(alice, desk, proxy.hit_count(Fault.DROP_ANSWER) == 1)
    assert _logins(engine, "alice@example.com") == [(False, False), (False, True)]  # the first unused
