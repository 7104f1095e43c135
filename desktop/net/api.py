"""The HTTP client of the sync server: one requests session, bearer auth, typed errors.

Every request carries the protocol version header. A 401 ``invalid_token`` is answered by one
token refresh and one retry. A refresh that fails for a transient reason (no answer, a cut
answer, 5xx) keeps the refresh token it was made with, so the next attempt presents it again
and the server answers with the pair it made the first time; only a definitive 401 (revoked,
expired, reused, disabled) means logging in again.

Failures become exceptions whose type decides how the UI and the sync engine react:
:class:`Unreachable` (offline: retry later), :class:`ServerError` (5xx: retry later),
:class:`RateLimited` (429: retry after the ``Retry-After`` the server gave), :class:`AuthError`
(log in again), :class:`UpgradeRequired` (update the app or the server), :class:`ApiError` (the
request was refused; do not retry as is).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import threading
import uuid
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypeVar

import orjson
import requests
from pydantic import BaseModel, ValidationError

from ticketing.protocol import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)
from ticketing.schemas import (
    HealthOut,
    LoginIn,
    MePatch,
    RefreshIn,
    TokenOut,
    UploadStart,
    UploadStatus,
    UserOut,
)

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")

#: (connect, read) seconds; a pull page of a few thousand rows is well inside the read time.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 60.0)
USER_AGENT = "Ticketdesk-desktop"


class ClientError(Exception):
    """Anything that went wrong talking to the server. ``transient``: worth retrying later."""

    transient = False

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Unreachable(ClientError):
    """No answer: no network, the server is down, DNS or TLS failed, or it timed out."""

    transient = True


#: The UI speaks of being offline; it is the same condition.
Offline = Unreachable


class ApiError(ClientError):
    """The server answered with an error: ``{"error": code, "detail": text}``."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code

    def __str__(self) -> str:
        return f"{self.detail} ({self.status} {self.code})"


class AuthError(ApiError):
    """Not (or no longer) logged in: wrong password, expired or revoked login, disabled account."""


class UpgradeRequired(ApiError):
    """426: this app (``upgrade_required``) or the server (``server_too_old``) must be updated."""


class ServerError(ApiError):
    """The server failed or is overloaded (5xx, 429); try again later."""

    transient = True


class RateLimited(ServerError):
    """429: the server asked to slow down; try again in ``retry_after`` seconds, not sooner."""

    def __init__(self, status: int, code: str, detail: str, retry_after: int) -> None:
        super().__init__(status, code, detail)
        self.retry_after = retry_after


#: Seconds to wait after a 429 that says nothing about when to come back.
DEFAULT_RETRY_AFTER = 30


TokensListener = Callable[[TokenOut], None]


class ApiClient:
    """A logged-in (or not yet) connection to one server; safe to share between threads.

    ``on_tokens`` is called with each new token pair (login, refresh) so the caller can keep
    the refresh token (in the keyring, say); :attr:`refresh_token` always has the current one.
    """

    def __init__(
        self,
        base_url: str,
        *,
        access_token: str | None = None,
        refresh_token: str | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        on_tokens: TokensListener | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._access_token = access_token
        self._refresh_token = refresh_token
        self._on_tokens = on_tokens
        self._token_lock = threading.Lock()
        self._http = session or requests.Session()
        self._http.headers[PROTOCOL_HEADER] = str(PROTOCOL_VERSION)
        self._http.headers["User-Agent"] = USER_AGENT

    @property
    def refresh_token(self) -> str | None:
        return self._refresh_token

    @property
    def access_token(self) -> str | None:
        return self._access_token

    @property
    def logged_in(self) -> bool:
        return self._refresh_token is not None or self._access_token is not None

    # --- accounts ---------------------------------------------------------------------------

    def login(self, email: str, password: str, client_name: str = "") -> TokenOut:
        body = LoginIn(email=email, password=password, client_name=client_name)
        tokens = self._parse(TokenOut, self._send("POST", "/api/auth/login", body.model_dump(), token=None))
        self._keep(tokens)
        return tokens

    def refresh(self) -> TokenOut:
        """Trade the refresh token for a new pair (the old one stops working once it is used)."""
        with self._token_lock:
            return self._refresh_locked()

    def logout(self) -> None:
        """Revoke this login on the server and forget the tokens (even if the server is away)."""
        refresh_token = self._refresh_token
        self._access_token = self._refresh_token = None
        if refresh_token is not None:
            self._send(
                "POST", "/api/auth/logout", RefreshIn(refresh_token=refresh_token).model_dump(), token=None
            )

    def me(self) -> UserOut:
        return self._parse(UserOut, self.request("GET", "/api/me"))

    def update_me(self, patch: MePatch) -> UserOut:
        """``PATCH /api/me`` with only the fields ``patch`` sets."""
        body = patch.model_dump(mode="json", exclude_unset=True)
        return self._parse(UserOut, self.request("PATCH", "/api/me", body))

    def health(self) -> HealthOut:
        return self._parse(HealthOut, self._send("GET", "/api/health", None, token=None))

    # --- sync -------------------------------------------------------------------------------

    def pull(self, body: PullRequest) -> PullResponse:
        # checked straight from the bytes: for a page of thousands of rows that takes about
        # half the CPU of parsing the JSON first and checking the Python objects after
        raw = self._authorized(
            lambda token: self._send(
                "POST", "/api/sync/pull", body.model_dump(mode="json"), token=token, raw=True
            )
        )
        return self._parse_json(PullResponse, raw)

    def push(self, body: PushRequest) -> PushResponse:
        return self._parse(PushResponse, self.request("POST", "/api/sync/push", body.model_dump(mode="json")))

    # --- files -----------------------------------------------------------------------------

    def start_upload(self, body: UploadStart) -> UploadStatus:
        return self._parse(
            UploadStatus, self.request("POST", "/api/blobs/uploads", body.model_dump(mode="json"))
        )

    def send_chunk(self, upload_id: uuid.UUID, offset: int, data: bytes) -> UploadStatus:
        """Bytes of an upload from ``offset``; the answer to the last one is the verdict."""
        path = f"/api/blobs/uploads/{upload_id}?offset={offset}"
        body = self._authorized(lambda token: self._send("PUT", path, None, token=token, data=data))
        return self._parse(UploadStatus, body)

    def download(
        self, path: str, destination: Path, on_progress: Callable[[int], None] | None = None
    ) -> None:
        """Stream ``path`` into ``destination`` (written whole or not at all)."""
        self._authorized(lambda token: self._download(path, destination, on_progress, token))

    def _download(
        self, path: str, destination: Path, on_progress: Callable[[int], None] | None, token: str | None
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        partial = destination.with_name(destination.name + ".part")
        try:
            with self._http.get(
                self.base_url + path, headers=headers, timeout=self.timeout, stream=True
            ) as response:
                if not response.ok:
                    raise _error(response)
                received = 0
                with open(partial, "wb") as file:
                    for chunk in response.iter_content(chunk_size=256 * 1024):
                        file.write(chunk)
                        received += len(chunk)
                        if on_progress is not None:
                            on_progress(received)
            os.replace(partial, destination)
        except requests.RequestException as error:
            raise Unreachable(f"Cannot reach the server: {error}") from error
        finally:
            partial.unlink(missing_ok=True)

    def open_events(self, last_event_id: str | None, read_timeout: float) -> requests.Response:
        """The live stream (``GET /api/sync/events``), open and unread: the caller iterates its
        lines and closes it. ``read_timeout``: longest silence before the stream counts as lost."""
        return self._authorized(lambda token: self._open_events(last_event_id, read_timeout, token))

    def _open_events(
        self, last_event_id: str | None, read_timeout: float, token: str | None
    ) -> requests.Response:
        headers = {"Accept": "text/event-stream"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        try:
            response = self._http.get(
                self.base_url + "/api/sync/events",
                headers=headers,
                timeout=(self.timeout[0], read_timeout),
                stream=True,
            )
        except requests.RequestException as error:
            raise Unreachable(f"Cannot reach the server: {error}") from error
        if not response.ok:
            with contextlib.closing(response):
                raise _error(response)
        return response

    # --- plumbing ---------------------------------------------------------------------------

    def request(self, method: str, path: str, json: Any = None) -> Any:
        """An authenticated request; refreshes the login once if the access token is refused."""
        return self._authorized(lambda token: self._send(method, path, json, token=token))

    def _authorized(self, call: Callable[[str | None], T]) -> T:
        token = self._access_token
        if token is None and self._refresh_token is not None:
            token = self._refreshed_token(None)
        try:
            return call(token)
        except AuthError as error:
            if error.code != "invalid_token" or self._refresh_token is None:
                raise
        return call(self._refreshed_token(token))

    def close(self) -> None:
        self._http.close()

    def _refreshed_token(self, refused: str | None) -> str | None:
        with self._token_lock:
            if self._access_token is not None and self._access_token != refused:
                return self._access_token  # another thread refreshed meanwhile
            return self._refresh_locked().access_token

    def _refresh_locked(self) -> TokenOut:
        if self._refresh_token is None:
            raise AuthError(401, "not_authenticated", "Please log in.")
        body = RefreshIn(refresh_token=self._refresh_token).model_dump()
        tokens = self._parse(TokenOut, self._send("POST", "/api/auth/refresh", body, token=None))
        self._keep(tokens)
        return tokens

    def _keep(self, tokens: TokenOut) -> None:
        """Adopt a new pair: stored first (keyring), and only then the old refresh token is
        forgotten. Until the new pair is used the server gives the same pair again for the old
        token, so an app stopped in between still holds a token that works."""
        if self._on_tokens is not None:
            self._on_tokens(tokens)
        self._access_token = tokens.access_token
        self._refresh_token = tokens.refresh_token

    def _send(
        self,
        method: str,
        path: str,
        json: Any,
        *,
        token: str | None,
        data: bytes | None = None,
        raw: bool = False,
    ) -> Any:
        """The answer's JSON, parsed (``raw``: its bytes, for the caller to parse)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if data is not None:
            headers["Content-Type"] = "application/octet-stream"
        try:
            response = self._http.request(
                method, self.base_url + path, json=json, data=data, headers=headers, timeout=self.timeout
            )
        except requests.Timeout as error:
            raise Unreachable(f"The server did not answer in time: {error}") from error
        except requests.RequestException as error:  # connection refused, DNS, TLS, reset...
            raise Unreachable(f"Cannot reach the server: {error}") from error
        if response.status_code == 204:
            return None
        if response.ok and raw:
            return response.content
        if response.ok:
            try:
                return orjson.loads(response.content)  # several times faster than json on pull pages
            except ValueError as error:
                raise ServerError(
                    response.status_code, "bad_response", "The server sent invalid JSON."
                ) from error
        raise _error(response)

    @staticmethod
    def _parse_json(model: type[ModelT], raw: bytes) -> ModelT:
        try:
            return model.model_validate_json(raw)
        except ValidationError as error:
            if any(problem["type"] == "json_invalid" for problem in error.errors()):
                raise ServerError(200, "bad_response", "The server sent invalid JSON.") from error
            raise ApiError(200, "bad_response", f"Unexpected answer from the server: {error}") from error

    @staticmethod
    def _parse(model: type[ModelT], body: Any) -> ModelT:
        try:
            return model.model_validate(body)
        except ValidationError as error:
            raise ApiError(200, "bad_response", f"Unexpected answer from the server: {error}") from error


def _error(response: requests.Response) -> ApiError:
    status = response.status_code
    try:
        body = response.json()
        code, detail = str(body["error"]), str(body["detail"])
    except (ValueError, KeyError, TypeError):
        code, detail = f"http_{status}", response.reason or f"HTTP {status}"
    if status == 401:
        return AuthError(status, code, detail)
    if status == 426:
        return UpgradeRequired(status, code, detail)
    if status == 429:
        wait = _retry_after(response)
        if code.startswith("http_"):
            code, detail = "rate_limited", f"The server asked to slow down; try again in {wait} s."
        return RateLimited(status, code, detail, wait)
    if status >= 500:
        return ServerError(status, code, detail)
    return ApiError(status, code, detail)


def _retry_after(response: requests.Response) -> int:
    """Whole seconds from the ``Retry-After`` header (seconds or an HTTP date), else from the
    JSON body's ``retry_after``, else :data:`DEFAULT_RETRY_AFTER`."""
    header = (response.headers.get("Retry-After") or "").strip()
    if header.isdigit():
        return max(1, int(header))
    if header:
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            when = None
        if when is not None and when.tzinfo is not None:
            return max(1, math.ceil((when - dt.datetime.now(dt.UTC)).total_seconds()))
    try:
        return max(1, int(response.json()["retry_after"]))
    except (ValueError, KeyError, TypeError):
        return DEFAULT_RETRY_AFTER
