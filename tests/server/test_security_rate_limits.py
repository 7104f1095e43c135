"""Rate limits and login throttling at the API: 429 with ``Retry-After`` on every limited
endpoint, counted per account and per client address, shared by two server processes on one
database, read from the admin setting; failed logins slow down sharply and the answer never
tells whether an account exists.

Client addresses are set per TestClient (what ``request.client.host`` reports), so one test can
speak from several addresses. Time "passes" by moving the stored cells back (the database's
clock decides, never this process's), so no test sleeps through a lockout.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import requests
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.app import create_app
from sync_server.child_server import LiveServer
from tests.helpers.api import Account, create_account, first_category, login, submit
from ticketing.domain import Role
from ticketing.schemas import RateLimitSettings

DEFAULTS = RateLimitSettings().model_dump()


def client_at(app: FastAPI, address: str) -> TestClient:
    """A client whose requests come from ``address``."""
    return TestClient(app, client=(address, 50000))


def set_limits(admin: Account, **limits: int) -> None:
    response = admin.patch("/api/settings", json={"rate_limits": {**DEFAULTS, **limits}})
    assert response.status_code == 200, response.text


def rate_limited(response: Any) -> int:
    """``response`` is the API's 429; returns its wait in seconds."""
    assert response.status_code == 429, response.text
    body = response.json()
    assert set(body) == {"error", "detail", "retry_after"}, body
    assert body["error"] == "rate_limited"
    assert isinstance(body["retry_after"], int) and body["retry_after"] >= 1
    assert response.headers["Retry-After"] == str(body["retry_after"])
    assert f"{body['retry_after']} s" in body["detail"]
    wait: int = body["retry_after"]
    return wait


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


def let_time_pass(engine: Engine, seconds: float) -> None:
    """Every rate-limit cell as it will be ``seconds`` from now."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE rate_limits SET tat = tat - make_interval(secs => :s)"), {"s": seconds})


def as_account(client: TestClient, account: Account) -> Account:
    """The same login, speaking through ``client`` (another address)."""
    return Account(
        account.id,
        account.email,
        account.password,
        account.role,
        client,
        account.access_token,
        account.refresh_token,
    )


def comment(account: Account, key: str, text_: str = "<p>more</p>") -> Any:
    return account.post(f"/api/tickets/{key}/comments", json={"content": text_})


def new_ticket(account: Account, category: str, title: str = "Help") -> Any:
    body = {"title": title, "description": "<p>help</p>", "category_id": category}
    return account.post("/api/tickets", json=body)


def log_in(client: TestClient, email: str, password: str) -> Any:
    return client.post("/api/auth/login", json={"email": email, "password": password})


# --- each limited endpoint ----------------------------------------------------------------------


def test_ticket_creation_is_limited_per_hour(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    user = login(client, engine, "uma@example.com", Role.USER)
    set_limits(admin, tickets_per_hour=2)
    category = first_category(user)

    assert [new_ticket(user, category).status_code for _ in range(2)] == [201, 201]
    wait = rate_limited(new_ticket(user, category))
    assert 1_700 <= wait <= 1_800  # the next one in half an hour (2 per hour)
    assert count(engine, "tickets") == 2  # the refused one left nothing behind


def test_comments_are_limited_per_minute(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    user = login(client, engine, "uma@example.com", Role.USER)
    key = submit(user)["number"]
    set_limits(admin, comments_per_minute=3)

    assert [comment(user, key).status_code for _ in range(3)] == [201, 201, 201]
    wait = rate_limited(comment(user, key))
    assert wait <= 20
    assert count(engine, "comments") == 3


def test_logins_are_limited_per_minute_even_with_the_right_password(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    _user_id, password = create_account(engine, "uma@example.com", Role.USER)
    set_limits(admin, login_per_minute=3)

    assert [log_in(client, "uma@example.com", password).status_code for _ in range(3)] == [200] * 3
    rate_limited(log_in(client, "uma@example.com", password))
    # hammering does not lengthen the wait: a refused attempt counts nothing
    waits = [rate_limited(log_in(client, "uma@example.com", password)) for _ in range(5)]
    assert waits == sorted(waits, reverse=True)


def test_a_refused_request_does_not_lengthen_the_wait(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    user = login(client, engine, "uma@example.com", Role.USER)
    key = submit(user)["number"]
    set_limits(admin, comments_per_minute=2)
    assert [comment(user, key).status_code for _ in range(2)] == [201, 201]

    waits = [rate_limited(comment(user, key)) for _ in range(6)]
    assert waits == sorted(waits, reverse=True)
    let_time_pass(engine, waits[-1])
    assert comment(user, key).status_code == 201  # exactly one more after one interval
    rate_limited(comment(user, key))


# --- per account, per address ---------------------------------------------------------------------


def test_the_limit_follows_the_account_from_any_address(engine: Engine) -> None:
    app = create_app(engine)
    office = client_at(app, "10.0.0.1")
    admin = login(office, engine, "ada@example.com", Role.ADMIN)
    uma = login(office, engine, "uma@example.com", Role.USER)
    vic = login(office, engine, "vic@example.com", Role.USER)
    key = submit(uma)["number"]
    vic_key = submit(vic)["number"]
    set_limits(admin, comments_per_minute=2)

    assert [comment(uma, key).status_code for _ in range(2)] == [201, 201]
    rate_limited(comment(uma, key))
    from_home = as_account(client_at(app, "192.0.2.7"), uma)
    rate_limited(comment(from_home, key))  # another address does not help
    assert comment(vic, vic_key).status_code == 201  # another account at the same address may


def test_the_limit_counts_everyone_at_one_address(engine: Engine) -> None:
    """One address may do ADDRESS_FACTOR (5) times what one account may."""
    app = create_app(engine)
    office, elsewhere = client_at(app, "10.0.0.1"), client_at(app, "198.51.100.4")
    admin = login(office, engine, "ada@example.com", Role.ADMIN)
    people = [login(office, engine, f"user{n}@example.com", Role.USER) for n in range(6)]
    category = first_category(admin)
    set_limits(admin, tickets_per_hour=1)

    assert [new_ticket(person, category).status_code for person in people[:5]] == [201] * 5
    rate_limited(new_ticket(people[5], category))  # a sixth account at the same address
    assert new_ticket(as_account(elsewhere, people[5]), category).status_code == 201
    rate_limited(new_ticket(as_account(elsewhere, people[0]), category))  # its own limit still holds


def test_the_limit_is_read_from_the_admin_setting_on_each_request(engine: Engine) -> None:
    app = create_app(engine)
    client = client_at(app, "10.0.0.1")
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    uma = login(client, engine, "uma@example.com", Role.USER)
    vic = login(client, engine, "vic@example.com", Role.USER)
    uma_key, vic_key = submit(uma)["number"], submit(vic)["number"]

    set_limits(admin, comments_per_minute=2)
    assert [comment(uma, uma_key).status_code for _ in range(3)] == [201, 201, 429]
    assert 20 <= rate_limited(comment(uma, uma_key)) <= 30  # one every 30 s

    set_limits(admin, comments_per_minute=5)  # no restart: the next request reads it
    assert [comment(vic, vic_key).status_code for _ in range(6)] == [201] * 5 + [429]
    assert rate_limited(comment(vic, vic_key)) <= 12  # one every 12 s


# --- several server processes --------------------------------------------------------------------


def _token(url: str, email: str, password: str) -> dict[str, str]:
    answer = requests.post(f"{url}/api/auth/login", json={"email": email, "password": password}, timeout=10)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_two_server_processes_share_the_limits(
    live_server: LiveServer, engine: Engine, database_url: str
) -> None:
    second = LiveServer(database_url)
    second.start()
    try:
        one, two = live_server.url, second.url
        _admin_id, admin_password = create_account(engine, "ada@example.com", Role.ADMIN)
        _uma_id, uma_password = create_account(engine, "uma@example.com", Role.USER)
        admin = _token(one, "ada@example.com", admin_password)
        limits = {**DEFAULTS, "comments_per_minute": 4, "login_per_minute": 3}
        changed = requests.patch(
            f"{one}/api/settings", json={"rate_limits": limits}, headers=admin, timeout=10
        )
        assert changed.status_code == 200, changed.text
        uma = _token(two, "uma@example.com", uma_password)  # uma's first login, on the second process
        category = requests.get(f"{two}/api/categories", headers=uma, timeout=10).json()[0]["id"]
        body = {"title": "Shared", "description": "<p>x</p>", "category_id": category}
        key = requests.post(f"{one}/api/tickets", json=body, headers=uma, timeout=10).json()["number"]

        statuses = [
            requests.post(
                f"{(one, two)[n % 2]}/api/tickets/{key}/comments",
                json={"content": f"<p>{n}</p>"},
                headers=uma,
                timeout=10,
            ).status_code
            for n in range(5)
        ]
        assert statuses == [201, 201, 201, 201, 429]  # four in all, not four per process
        assert count(engine, "comments") == 4

        credentials = {"email": "uma@example.com", "password": uma_password}
        logins = [
            requests.post(f"{(one, two)[n % 2]}/api/auth/login", json=credentials, timeout=10)
            for n in range(3)
        ]
        assert [r.status_code for r in logins] == [200, 200, 429]  # with the first one: three in all
        assert int(logins[-1].headers["Retry-After"]) == logins[-1].json()["retry_after"]
    finally:
        second.stop()


# --- login throttling ------------------------------------------------------------------------------


def _fail(client: TestClient, email: str) -> Any:
    return log_in(client, email, "not-the-password")


def _same_answer(first: Any, second: Any) -> None:
    """Two answers that say the same thing (a wait may differ by the second between them)."""
    assert first.status_code == second.status_code
    one, two = first.json(), second.json()
    assert one["error"] == two["error"]
    assert re.sub(r"\d+", "N", one["detail"]) == re.sub(r"\d+", "N", two["detail"])
    assert abs(one.get("retry_after", 0) - two.get("retry_after", 0)) <= 1


def test_five_failures_lock_an_account_from_every_address(engine: Engine) -> None:
    app = create_app(engine)
    _user_id, password = create_account(engine, "uma@example.com", Role.USER)
    answers = [_fail(client_at(app, f"203.0.113.{n}"), "uma@example.com") for n in range(5)]
    assert [a.status_code for a in answers] == [401] * 5

    right = log_in(client_at(app, "203.0.113.99"), "uma@example.com", password)
    wait = rate_limited(right)  # the right password does not get in while locked
    assert "sign-in" in right.json()["detail"]
    assert 150 <= wait <= 180
    assert log_in(client_at(app, "203.0.113.99"), "vic@example.com", "x").status_code == 401  # others not


def test_the_answers_do_not_tell_whether_an_account_exists(engine: Engine) -> None:
    app = create_app(engine)
    create_account(engine, "uma@example.com", Role.USER)
    known = [_fail(client_at(app, "10.0.0.1"), "uma@example.com") for _ in range(7)]
    unknown = [_fail(client_at(app, "10.0.0.2"), "nobody@example.com") for _ in range(7)]
    assert [a.status_code for a in known] == [401] * 5 + [429] * 2
    for mine, theirs in zip(known, unknown, strict=True):
        _same_answer(mine, theirs)


def test_a_success_does_not_reset_the_address_count(engine: Engine) -> None:
    """Twenty failures from one address lock the address, even if the guesser logs in to an
    account of their own halfway."""
    app = create_app(engine)
    guesser, elsewhere = client_at(app, "10.6.6.6"), client_at(app, "10.0.0.1")
    _user_id, own_password = create_account(engine, "mallory@example.com", Role.USER)
    _user_id, uma_password = create_account(engine, "uma@example.com", Role.USER)

    targets = [f"victim{n // 4}@example.com" for n in range(19)]  # never five on one account
    assert {_fail(guesser, email).status_code for email in targets} == {401}
    assert log_in(guesser, "mallory@example.com", own_password).status_code == 200
    assert _fail(guesser, "victim9@example.com").status_code == 401  # the twentieth failure

    rate_limited(log_in(guesser, "uma@example.com", uma_password))  # the address is locked
    rate_limited(log_in(guesser, "mallory@example.com", own_password))
    assert log_in(elsewhere, "uma@example.com", uma_password).status_code == 200  # uma is not


def test_each_lockout_lasts_twice_the_last(engine: Engine) -> None:
    app = create_app(engine)
    client = client_at(app, "10.0.0.1")
    for _ in range(5):
        _fail(client, "uma@example.com")
    waits = [rate_limited(_fail(client, "uma@example.com"))]
    for _ in range(3):
        let_time_pass(engine, waits[-1])  # the lockout is over ...
        assert _fail(client, "uma@example.com").status_code == 401  # ... one more guess, wrong
        waits.append(rate_limited(_fail(client, "uma@example.com")))
    assert all(1.9 <= later / earlier <= 2.1 for earlier, later in itertools.pairwise(waits)), waits
    assert waits[0] <= 180 and waits[-1] >= 1_400
