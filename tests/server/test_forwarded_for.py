"""Whose address a request has: ``X-Forwarded-For`` is believed only from the trusted proxies
(``TICKETDESK_TRUSTED_PROXIES``), read right to left past the proxies themselves, and ignored
from anyone else. The address is read back where the server records it: the audit entry of a
reused refresh token, and the per-address login limit. (tests/sync/test_reverse_proxy.py does
the same through a real nginx.)"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sync_server.__main__ import build_parser
from sync_server.app import create_app
from sync_server.settings import ServerConfig, parse_trusted_proxies
from tests.helpers.addresses import audited_address, failed_login
from tests.helpers.limits import GENEROUS, set_rate_limits
from ticketing.schemas import RateLimitSettings

PROXY = "10.1.2.3"
PROXIES = ("10.0.0.0/8",)


def client_at(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000))


@pytest.fixture
def trusting(engine: Engine) -> FastAPI:
    set_rate_limits(engine, GENEROUS)
    return create_app(engine, trusted_proxies=PROXIES)


@pytest.mark.parametrize(
    ("forwarded", "seen"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the left one is the client's own claim
        ("203.0.113.7, 10.9.9.9", "203.0.113.7"),  # a chain of trusted proxies is skipped
        (None, PROXY),  # no header: the proxy itself
    ],
)
def test_a_trusted_proxy_names_the_client(
    engine: Engine, trusting: FastAPI, forwarded: str | None, seen: str
) -> None:
    assert audited_address(engine, client_at(trusting, PROXY), forwarded) == seen


def test_anyone_else_keeps_their_own_address(engine: Engine, trusting: FastAPI) -> None:
    assert audited_address(engine, client_at(trusting, "192.0.2.50"), "203.0.113.7") == "192.0.2.50"


def test_by_default_no_proxy_is_trusted_not_even_loopback(engine: Engine) -> None:
    set_rate_limits(engine, GENEROUS)
    app = create_app(engine)  # as `serve` without --trusted-proxies
    assert audited_address(engine, client_at(app, "127.0.0.1"), "203.0.113.7") == "127.0.0.1"


def test_a_forged_header_does_not_dodge_the_address_limit(engine: Engine, trusting: FastAPI) -> None:
    set_rate_limits(engine, RateLimitSettings(login_per_minute=1))  # an address: 5 a minute
    direct = client_at(trusting, "192.0.2.60")
    assert [failed_login(direct) for _ in range(5)] == [401] * 5
    assert failed_login(direct) == 429
    assert failed_login(direct, "198.51.100.99") == 429  # not a proxy: the header changes nothing
    proxy = client_at(trusting, PROXY)
    assert failed_login(proxy, "192.0.2.60") == 429  # the proxy names the same client: same budget
    assert failed_login(proxy, "192.0.2.61") == 401  # another client behind the proxy: its own budget


def test_the_setting_takes_ips_and_networks_and_refuses_anything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert parse_trusted_proxies("") == ()
    assert parse_trusted_proxies("127.0.0.1, 10.0.0.0/24 ,::1") == ("127.0.0.1/32", "10.0.0.0/24", "::1/128")
    for wrong in ("*", "proxy.internal", "10.0.0.0/33"):
        with pytest.raises(ValueError, match="not an IP address or network"):
            parse_trusted_proxies(wrong)
    monkeypatch.setenv("TICKETDESK_TRUSTED_PROXIES", "192.168.0.0/16,127.0.0.1")
    assert ServerConfig().trusted_proxies == ("192.168.0.0/16", "127.0.0.1/32")
    monkeypatch.delenv("TICKETDESK_TRUSTED_PROXIES")
    assert ServerConfig().trusted_proxies == ()


def test_serve_refuses_a_proxy_it_cannot_read(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        build_parser().parse_args(["serve", "--trusted-proxies", "10.0.0.0/8"]).trusted_proxies
        == "10.0.0.0/8"
    )
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--trusted-proxies", "proxy.internal"])
    assert "not an IP address or network: 'proxy.internal'" in capsys.readouterr().err
    env = dict(os.environ, TICKETDESK_TRUSTED_PROXIES="*")
    done = subprocess.run(  # before it touches any database
        [sys.executable, "-m", "sync_server", "serve"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "TICKETDESK_TRUSTED_PROXIES: Value error, not an IP address or network: '*'" in done.stderr
