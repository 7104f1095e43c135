"""The desktop HTTP client: bearer auth, one refresh on an expired token, typed errors."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import Engine

from desktop.net.api import (
    ApiClient,
    ApiError,
    AuthError,
    ClientError,
    RateLimited,
    ServerError,
    Unreachable,
    UpgradeRequired,
)
from sync_server.child_server import LiveServer, free_port
from tests.helpers.api import create_account
from ticketing.domain import Role
from ticketing.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, PullRequest
from ticketing.schemas import TokenOut


@pytest.fixture
def account(engine: Engine) -> tuple[str, str]:
    _, password = create_account(engine, "uma@example.com", Role.USER)
    return "uma@example.com", password


def test_login_me_and_the_protocol_header(live_server: LiveServer, account: tuple[str, str]) -> None:
    session = requests.Session()
    sent: list[dict[str, str]] = []
    session.hooks["response"].append(lambda r, *a, **k: sent.append(dict(r.request.headers)))
    tokens: list[TokenOut] = []
    api = ApiClient(live_server.url, session=session, on_tokens=tokens.append)
    out = api.login(*account, client_name="tests")
    assert out.user.email == "uma@example.com" and tokens == [out]
    assert api.refresh_token == out.refresh_token
    assert api.me().id == out.user.id
    assert api.health().protocol_version == PROTOCOL_VERSION
    assert all(headers[PROTOCOL_HEADER] == str(PROTOCOL_VERSION) for headers in sent)
    assert "Authorization" not in sent[0] and sent[1]["Authorization"] == f"Bearer {out.access_token}"


def test_an_expired_access_token_is_refreshed_once(live_server: LiveServer, account: tuple[str, str]) -> None:
    first = ApiClient(live_server.url)
    first.login(*account)
    tokens: list[TokenOut] = []
    api = ApiClient(
        live_server.url,
        access_token="tda_expired",
        refresh_token=first.refresh_token,
        on_tokens=tokens.append,
    )
    assert api.me().email == "uma@example.com"
    assert len(tokens) == 1 and api.refresh_token == tokens[0].refresh_token != first.refresh_token
    # only a refresh token (a remembered login): refreshed before the first request
    resumed = ApiClient(live_server.url, refresh_token=api.refresh_token)
    assert resumed.me().email == "uma@example.com"
    # the rotated-away refresh token, presented after its successors were used, is a stolen copy
    stale = ApiClient(live_server.url, access_token="tda_expired", refresh_token=first.refresh_token)
    with pytest.raises(AuthError) as error:
        stale.me()
    assert error.value.code == "token_reused" and not error.value.transient
    with pytest.raises(AuthError):  # and the whole login ended
        resumed.me()


def test_wrong_password_and_logout(live_server: LiveServer, account: tuple[str, str]) -> None:
    api = ApiClient(live_server.url)
    with pytest.raises(AuthError) as error:
        api.login(account[0], "wrong password")
    assert (error.value.status, error.value.code) == (401, "invalid_credentials")
    api.login(*account)
    token = api.access_token
    api.logout()
    assert api.refresh_token is None and not api.logged_in
    revoked = ApiClient(live_server.url, access_token=token)
    with pytest.raises(AuthError):
        revoked.me()


def test_an_unsupported_protocol_asks_for_an_upgrade(live_server: LiveServer) -> None:
    session = requests.Session()
    api = ApiClient(live_server.url, session=session)
    session.headers[PROTOCOL_HEADER] = str(PROTOCOL_VERSION + 1)
    with pytest.raises(UpgradeRequired) as error:
        api.health()
    assert (error.value.status, error.value.code) == (426, "server_too_old") and error.value.detail


def test_no_server_is_unreachable() -> None:
    api = ApiClient(f"http://127.0.0.1:{free_port()}", timeout=(1.0, 1.0))
    with pytest.raises(Unreachable) as error:
        api.health()
    assert error.value.transient and isinstance(error.value, ClientError)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        yield listener.getsockname()[1]


def test_a_server_that_does_not_answer_in_time_is_unreachable(silent_port: int) -> None:
    api = ApiClient(f"http://127.0.0.1:{silent_port}", timeout=(1.0, 0.3))
    with pytest.raises(Unreachable):
        api.health()


class Canned(HTTPAdapter):
    """Answers every request with one status and body, as a proxy or a failing server might."""

    def __init__(self, status: int, body: Any, content_type: str = "application/json") -> None:
        super().__init__()
        self.status, self.body, self.content_type = status, body, content_type

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = self.status
        response._content = (self.body if isinstance(self.body, str) else json.dumps(self.body)).encode()
        response.headers["Content-Type"] = self.content_type
        response.request = request
        response.reason = "Canned"
        return response


@pytest.mark.parametrize(
    ("status", "body", "kind", "code", "transient"),
    [
        (
            503,
            {"error": "unavailable", "detail": "The database is unavailable."},
            ServerError,
            "unavailable",
            True,
        ),
        (502, "<html>Bad gateway</html>", ServerError, "http_502", True),
        (429, {"error": "rate_limited", "detail": "Slow down."}, RateLimited, "rate_limited", True),
        (404, {"error": "not_found", "detail": "No ticket TKT-9."}, ApiError, "not_found", False),
        (409, {"error": "read_only", "detail": "Closed."}, ApiError, "read_only", False),
        (401, {"error": "account_disabled", "detail": "Deactivated."}, AuthError, "account_disabled", False),
    ],
)
def test_errors_are_typed(status: int, body: Any, kind: type[ApiError], code: str, transient: bool) -> None:
    session = requests.Session()
    session.mount(
        "http://", Canned(status, body, "application/json" if isinstance(body, dict) else "text/html")
    )
    api = ApiClient("http://desk.invalid", session=session, access_token="tda_x", refresh_token="tdr_x")
    with pytest.raises(kind) as error:
        api.request("GET", "/api/tickets/TKT-9")
    assert type(error.value) is kind
    assert (error.value.status, error.value.code, error.value.transient) == (status, code, transient)
    assert error.value.detail


@pytest.mark.parametrize(
    ("body", "kind", "transient"),
    [
        ("{not json", ServerError, True),  # cut off by a proxy, say: try again later
        ({"db_epoch": "e", "changes": [{"entity": "ticket"}]}, ApiError, False),
        ({"db_epoch": "e", "changes": [], "cursors": {}, "has_more": "perhaps"}, ApiError, False),
    ],
)
def test_a_pull_page_that_is_not_a_page_is_a_typed_error(
    body: Any, kind: type[ApiError], transient: bool
) -> None:
    session = requests.Session()
    session.mount("http://", Canned(200, body))
    api = ApiClient("http://desk.invalid", session=session, access_token="tda_x", refresh_token="tdr_x")
    request = PullRequest(protocol=PROTOCOL_VERSION, client_id=uuid.uuid4(), cursors={})
    with pytest.raises(kind) as error:
        api.pull(request)
    assert type(error.value) is kind
    assert (error.value.code, error.value.transient) == ("bad_response", transient)


def test_a_pull_page_is_read_with_its_changes() -> None:
    change = {"bucket": "b", "entity": "ticket", "op": "PUT", "id": str(uuid.uuid4()), "row": {"title": "t"}}
    body = {"db_epoch": "e", "changes": [change], "cursors": {"b": "1:1"}, "has_more": False, "remaining": 0}
    session = requests.Session()
    session.mount("http://", Canned(200, body))
    api = ApiClient("http://desk.invalid", session=session, access_token="tda_x", refresh_token="tdr_x")
    page = api.pull(PullRequest(protocol=PROTOCOL_VERSION, client_id=uuid.uuid4(), cursors={}))
    assert [(c.entity, str(c.id), c.row) for c in page.changes] == [("ticket", change["id"], {"title": "t"})]
    assert page.cursors == {"b": "1:1"} and not page.has_more
