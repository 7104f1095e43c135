"""Pulling over the sync endpoint in tests: every page of a pull, and waiting for the horizon."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import Engine, text

from tests.helpers.api import Account
from ticketing.protocol import PROTOCOL_VERSION


def wait_for_horizon(engine: Engine, timeout: float = 30.0) -> None:
    """Wait until every transaction running now on the PostgreSQL cluster has ended, so that a
    pull is sure to see what was just written. Others' transactions (another test run on the
    same cluster, say) hold the xid horizon back for a moment."""
    with engine.begin() as conn:
        mine = conn.scalar(text("SELECT pg_current_xact_id()::text"))
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            passed = conn.scalar(
                text("SELECT pg_snapshot_xmin(pg_current_snapshot()) > CAST(:x AS xid8)"), {"x": mine}
            )
            conn.rollback()
            if passed:
                return
            time.sleep(0.05)
    raise AssertionError("a transaction on the cluster stayed open for too long")


def pull_all(
    account: Account,
    cursors: dict[str, str] | None = None,
    limit: int = 1000,
    *,
    settle: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """Pull until has_more is false; returns the last page with every change collected."""
    cursors = dict(cursors or {})
    changes: list[dict[str, Any]] = []
    body: dict[str, Any] = {}
    client_id = extra.pop("client_id", str(uuid.uuid4()))
    if settle:
        wait_for_horizon(account.client.app.state.engine)  # type: ignore[attr-defined]
    for _ in range(1000):
        response = account.post(
            "/api/sync/pull",
            json={
                "protocol": PROTOCOL_VERSION,
                "client_id": client_id,
                "cursors": cursors,
                "limit": limit,
                **extra,
            },
        )
        assert response.status_code == 200, response.text
        body = response.json()
        changes += body["changes"]
        cursors = body["cursors"]
        if not body["has_more"]:
            break
    body["changes"] = changes
    return body
