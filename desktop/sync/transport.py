"""What the engine needs from the network: the two sync calls (so tests can inject a fake)."""

from __future__ import annotations

from typing import Protocol

from ticketing.protocol import PullRequest, PullResponse, PushRequest, PushResponse


class SyncTransport(Protocol):
    """:class:`desktop.net.api.ApiClient` is one; a test double is another."""

    def pull(self, body: PullRequest) -> PullResponse: ...

    def push(self, body: PushRequest) -> PushResponse: ...
