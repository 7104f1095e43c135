"""Pushing mutations over the sync endpoint in tests, by name: ``(MutationName, args)`` pairs."""

from __future__ import annotations

from typing import Any

from tests.helpers.api import Account
from ticketing.protocol import PROTOCOL_VERSION, MutationName


def push_named(
    account: Account, client_id: str, *mutations: tuple[MutationName, dict[str, Any]]
) -> list[Any]:
    """Send ``mutations`` as ids 1, 2, ... from ``client_id``; the server's results, in order."""
    body = {
        "protocol": PROTOCOL_VERSION,
        "client_id": client_id,
        "mutations": [
            {"id": n, "name": name.value, "args": args} for n, (name, args) in enumerate(mutations, 1)
        ],
    }
    response = account.post("/api/sync/push", json=body)
    assert response.status_code == 200, response.text
    results: list[Any] = response.json()["results"]
    return results
