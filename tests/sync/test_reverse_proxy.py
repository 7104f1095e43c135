"""Two server processes on one database behind a real nginx on loopback, configured with the
locations shipped in docs/deploy/: pushes, pulls and live notices work through it, the live
stream outlives the proxy's idle timeout, and each client keeps its own address (rate limits,
login throttling, the audit log) because ``X-Forwarded-For`` is believed from the proxy, and
only from the proxy: never from a client talking to a server process directly, nor by a server
started without ``TICKETDESK_TRUSTED_PROXIES``.

Clients speak from loopback addresses of their own (127.0.0.2, 127.0.0.3, ...), so nginx sees
each one's address and appends it to whatever ``X-Forwarded-For`` the client sent itself.
Skipped where nginx is not installed (Debian: ``apt-get install nginx``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import requests
from sqlalchemy import Engine, text

from desktop.store import commands, queries
from desktop.sync import session as sessions
from sync_server.child_server import LiveServer
from sync_server.db.session import make_session_factory
from sync_server.services.identity import login_throttle
from tests.helpers.addresses import audited_address, failed_login
from tests.helpers.api import create_account, reset_database
from tests.helpers.limits import GENEROUS, set_rate_limits
from tests.helpers.live import ENDED, EventReader, token
from tests.helpers.nginx import Nginx, nginx_binary
from tests.helpers.sync import sync_until, titles
from ticketing.domain import Role
from ticketing.schemas import RateLimitSettings

pytestmark = pytest.mark.skipif(
    nginx_binary() is None,
    reason="nginx is not installed: these tests run a real nginx (Debian: apt-get install nginx)",
)

#: The proxy closes an upstream read idle this long (seconds)...
PROXY_READ_TIMEOUT = 2
#: ...and the trusted servers send a heartbeat this often, so their streams stay open.
HEARTBEAT = 0.5
#: How long the idle stream is kept: several times the proxy's timeout.
IDLE = 3 * PROXY_READ_TIMEOUT

PEOPLE = {"ada@example.com": Role.ADMIN, "alice@example.com": Role.AGENT, "uma@example.com": Role.USER}


@dataclass
class Deployment:
    """Server processes on the test database behind one nginx."""

    servers: list[LiveServer]
    proxy: Nginx
    engine: Engine
    passwords: dict[str, str]
    ids: dict[str, str]

    def stop(self) -> None:
        self.proxy.stop()
        for server in self.servers:  # all at once: each takes a moment to stop cleanly
            if server.process is not None:
                server.process.terminate()
        for server in self.servers:
            server.stop()


def _deploy(engine: Engine, database_url: str, root: Path, count: int, env: dict[str, str]) -> Deployment:
    servers = [LiveServer(database_url, env=env) for _ in range(count)]
    try:
        with ThreadPoolExecutor(count) as pool:  # they start side by side
            for started in [pool.submit(server.start) for server in servers]:
                started.result()
        proxy = Nginx(root, [f"127.0.0.1:{s.port}" for s in servers], read_timeout=PROXY_READ_TIMEOUT)
        proxy.start()
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return Deployment(servers, proxy, engine, {}, {})


@pytest.fixture(scope="module")
def people(migrated_engine: Engine) -> tuple[dict[str, str], dict[str, str]]:
    """The module's accounts, on a database emptied for this module: ids and passwords."""
    reset_database(migrated_engine)
    ids, passwords = {}, {}
    for email, role in PEOPLE.items():
        ids[email], passwords[email] = create_account(migrated_engine, email, role)
    return ids, passwords


@pytest.fixture(scope="module")
def trusted(
    migrated_engine: Engine,
    database_url: str,
    people: tuple[dict[str, str], dict[str, str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployment]:
    """Two server processes that trust the proxy (127.0.0.1), behind nginx, round robin."""
    env = {"TICKETDESK_LIVE_HEARTBEAT_SECONDS": str(HEARTBEAT), "TICKETDESK_TRUSTED_PROXIES": "127.0.0.1"}
    deployment = _deploy(migrated_engine, database_url, tmp_path_factory.mktemp("nginx"), 2, env)
    deployment.ids, deployment.passwords = people
    yield deployment
    deployment.stop()


@pytest.fixture(scope="module")
def untrusting(
    migrated_engine: Engine,
    database_url: str,
    people: tuple[dict[str, str], dict[str, str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployment]:
    """One server process as it starts without settings (no trusted proxy, the default 15 s
    heartbeat) behind nginx with the same short idle timeout."""
    deployment = _deploy(migrated_engine, database_url, tmp_path_factory.mktemp("nginx-plain"), 1, {})
    deployment.ids, deployment.passwords = people
    yield deployment
    deployment.stop()


@pytest.fixture(autouse=True)
def fresh_limits(migrated_engine: Engine) -> Iterator[None]:
    """Every test starts with generous limits and no counted attempts (its own or others')."""

    def forget() -> None:
        with migrated_engine.begin() as conn:
            conn.execute(text("DELETE FROM rate_limits"))
        set_rate_limits(migrated_engine, GENEROUS)

    forget()
    yield
    forget()


def client_from(address: str, url: str) -> httpx.Client:
    """An HTTP client whose connections come from ``address`` (a loopback address)."""
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=address), timeout=10)


def _submit(url: str, access: str, title: str) -> None:
    headers = {"Authorization": f"Bearer {access}"}
    category = requests.get(f"{url}/api/categories", headers=headers, timeout=10).json()[0]["id"]
    body = {"title": title, "description": f"<p>{title}</p>", "category_id": category}
    answer = requests.post(f"{url}/api/tickets", json=body, headers=headers, timeout=10)
    assert answer.status_code == 201, answer.text


def _next_change(reader: EventReader, timeout: float = 10.0) -> set[str]:
    event = reader.next(timeout)
    assert event.event == "changed", event
    return event.buckets


# --- through the proxy --------------------------------------------------------------------------


def test_a_push_and_a_pull_go_through_the_proxy(trusted: Deployment, tmp_path: Path) -> None:
    url = trusted.proxy.url
    uma = sessions.log_in(url, "uma@example.com", trusted.passwords["uma@example.com"], data_dir=tmp_path)
    alice = sessions.log_in(
        url, "alice@example.com", trusted.passwords["alice@example.com"], data_dir=tmp_path
    )
    try:
        uma.engine.sync_once()
        category = queries.categories(uma.store)[0].id
        commands.create_ticket(
            uma.store, title="Pushed through nginx", description="<p>x</p>", category_id=category
        )
        assert uma.engine.sync_once().pushed.sent == 1
        sync_until(uma, lambda: titles(uma) == ["Pushed through nginx"])
        sync_until(alice, lambda: "Pushed through nginx" in titles(alice))
        pulled = [t for t in queries.list_tickets(alice.store) if t.title == "Pushed through nginx"]
        assert len(pulled) == 1 and not pulled[0].pending and pulled[0].display_number.startswith("TKT-")
    finally:
        for opened in (uma, alice):
            opened.engine.close()
            opened.store.close()


def test_a_change_through_either_process_reaches_a_stream_opened_through_the_proxy(
    trusted: Deployment,
) -> None:
    uma = trusted.ids["uma@example.com"]
    password = trusted.passwords["uma@example.com"]
    reader = EventReader(trusted.proxy.url, token(trusted.proxy.url, "uma@example.com", password))
    try:
        assert reader.response.status_code == 200, reader.response.text
        assert reader.response.headers["content-type"].startswith("text/event-stream")
        # the stream is held by one of the two processes: one of these changes goes through the other
        for server in trusted.servers:
            _submit(server.url, token(server.url, "uma@example.com", password), f"Through {server.port}")
            assert _next_change(reader) == {f"requester:{uma}"}
    finally:
        reader.close()


def _wait(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _arrives(session: sessions.AccountSession, title: str) -> None:
    _wait(lambda: title in titles(session))


def test_the_desktop_engine_hears_of_changes_through_the_proxy(trusted: Deployment, tmp_path: Path) -> None:
    url = trusted.proxy.url
    alice = sessions.log_in(
        url, "alice@example.com", trusted.passwords["alice@example.com"], data_dir=tmp_path, interval=300.0
    )
    password = trusted.passwords["uma@example.com"]
    alice.engine.start()
    try:
        live = alice.engine.live
        assert live is not None
        _wait(lambda: live.connected)
        _wait(lambda: alice.engine.next_sync_in is not None and alice.engine.next_sync_in > 200)
        for server in trusted.servers:  # the poll is minutes away: only a notice brings these soon
            title = f"Noticed via {server.port}"
            _submit(server.url, token(server.url, "uma@example.com", password), title)
            _arrives(alice, title)
    finally:
        alice.engine.close()
        alice.store.close()


def test_the_stream_outlives_the_proxy_idle_timeout(trusted: Deployment) -> None:
    password = trusted.passwords["alice@example.com"]
    reader = EventReader(trusted.proxy.url, token(trusted.proxy.url, "alice@example.com", password))
    try:
        opened = time.monotonic()
        pings = 0
        while time.monotonic() - opened < IDLE:  # nothing changes: only heartbeats pass
            event = reader.next(timeout=2 * PROXY_READ_TIMEOUT, skip_pings=False)
            assert event is not ENDED, "the proxy closed the idle stream"
            assert event.event == "ping", event
            pings += 1
        assert pings >= IDLE // PROXY_READ_TIMEOUT  # heartbeats came through, not held back
        uma = trusted.passwords["uma@example.com"]
        _submit(
            trusted.servers[0].url, token(trusted.servers[0].url, "uma@example.com", uma), "After the wait"
        )
        assert _next_change(reader) == {"queue"}
    finally:
        reader.close()
    assert "upstream timed out" not in trusted.proxy.error_log()


def test_without_heartbeats_the_proxy_would_close_the_stream(untrusting: Deployment) -> None:
    """The control of the test above: the proxy's timeout is real, and ends a stream whose
    heartbeat (15 s by default) is slower than it."""
    password = untrusting.passwords["alice@example.com"]
    reader = EventReader(untrusting.proxy.url, token(untrusting.proxy.url, "alice@example.com", password))
    try:
        assert reader.response.status_code == 200
        event = reader.next(timeout=5 * PROXY_READ_TIMEOUT, skip_pings=False)
        assert event is ENDED, event
    finally:
        reader.close()
    assert "upstream timed out" in untrusting.proxy.error_log()


# --- whose address ------------------------------------------------------------------------------


def test_behind_the_trusted_proxy_the_audit_log_names_each_client(trusted: Deployment) -> None:
    url = trusted.proxy.url
    with client_from("127.0.0.2", url) as two, client_from("127.0.0.3", url) as three:
        assert audited_address(trusted.engine, two) == "127.0.0.2"
        assert audited_address(trusted.engine, three) == "127.0.0.3"
        # what a client writes in the header itself stays left of what nginx appends
        assert audited_address(trusted.engine, three, "198.51.100.7") == "127.0.0.3"


def test_behind_the_trusted_proxy_each_client_has_its_own_login_budget(trusted: Deployment) -> None:
    set_rate_limits(trusted.engine, RateLimitSettings(login_per_minute=1))  # an address: 5 a minute
    url = trusted.proxy.url
    with client_from("127.0.0.2", url) as two, client_from("127.0.0.3", url) as three:
        assert [failed_login(two) for _ in range(5)] == [401] * 5
        assert failed_login(two) == 429
        assert failed_login(two, "127.0.0.3") == 429  # a forged header does not dodge the limit
        assert failed_login(three) == 401  # another client behind the same proxy: its own budget


def test_behind_the_trusted_proxy_the_login_throttle_locks_out_one_client_only(
    trusted: Deployment,
) -> None:
    """Twenty failures from one address lock it out (services/identity/login_throttle.py). The
    first nineteen are counted here for 127.0.0.4 (a login costs a password hash: seconds on a
    busy machine); the twentieth comes through the proxy and must count for the same address."""
    with make_session_factory(trusted.engine)() as session, session.begin():
        for n in range(19):
            login_throttle.record_failure(session, f"guess-{n}@example.com", "127.0.0.4")
    url = trusted.proxy.url
    with client_from("127.0.0.4", url) as four, client_from("127.0.0.5", url) as five:
        assert failed_login(four) == 401
        assert failed_login(four) == 429  # locked out: the proxy named the same client
        assert failed_login(four, "127.0.0.5") == 429  # a forged header does not get it out
        assert failed_login(five) == 401  # the client beside it is not locked out


def test_a_client_talking_to_a_server_process_directly_cannot_forge_its_address(
    trusted: Deployment,
) -> None:
    server = trusted.servers[1].url
    with client_from("127.0.0.2", server) as direct:
        assert audited_address(trusted.engine, direct, "203.0.113.9") == "127.0.0.2"
        set_rate_limits(trusted.engine, RateLimitSettings(login_per_minute=1))
        assert [failed_login(direct, f"203.0.113.{n}") for n in range(5)] == [401] * 5
        assert failed_login(direct, "203.0.113.200") == 429  # one budget, whatever it claims


def test_a_server_that_trusts_no_proxy_ignores_the_header(untrusting: Deployment) -> None:
    server = untrusting.servers[0].url
    with client_from("127.0.0.2", untrusting.proxy.url) as behind, client_from("127.0.0.1", server) as local:
        # through the proxy every client is the proxy
        assert audited_address(untrusting.engine, behind) == "127.0.0.1"
        assert audited_address(untrusting.engine, behind, "203.0.113.9") == "127.0.0.1"
        # a local process is not believed either (uvicorn's default would trust loopback)
        assert audited_address(untrusting.engine, local, "203.0.113.9") == "127.0.0.1"
        set_rate_limits(untrusting.engine, RateLimitSettings(login_per_minute=1))
        assert [failed_login(local, f"203.0.113.{n}") for n in range(5)] == [401] * 5
        assert failed_login(local, "203.0.113.200") == 429
        assert failed_login(behind) == 429  # the proxy's address: the same budget
