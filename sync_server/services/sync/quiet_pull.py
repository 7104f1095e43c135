"""The quiet pull: the answer to a client that is up to date, in one statement.

Most pulls are a client checking that nothing changed. The full pull (:mod:`.pull`) reads the
epoch, the horizon, the tombstone floors, one query per bucket and the settled mutation: a dozen
round trips to say "nothing". Here one statement asks, in the pull's REPEATABLE READ snapshot,
whether the common case holds: the epoch is the client's, no bucket's floor of pruned
tombstones is above its cursor, and no bucket has an op after its cursor below the horizon; and
it answers the settled mutation by the rule of :mod:`.settle`, shared with the full pull. When any of
that fails, or the request is not a plain one (a new, removed or refilling bucket), it returns
``None`` and the full pull answers, in the same transaction and snapshot.

The same statement checks the caller, so the endpoint may take the caller from a per-process
cache (:mod:`sync_server.api.caller_cache`) instead of authenticating in a transaction of its
own: the access token's session is still unrevoked and unexpired, the account still active with
the same role, and the agent-visibility setting (which decides an agent's buckets) unchanged. In
the snapshot the pull reads, so a revoked token or a deactivated account is refused by the very
next pull in every process.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from sync_server.services.identity.principal import Principal
from sync_server.services.sync.pull import REFILL, PullPage
from sync_server.services.sync.settle import SETTLED_MUTATION
from ticketing.domain import AgentVisibility
from ticketing.protocol import PullRequest

_MAX_XID = 2**64 - 1
_MAX_SEQ = 2**63 - 1

_QUIET = text(
    " ".join(
        (
            """
    WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
    cursors AS (
        SELECT * FROM unnest(CAST(:buckets AS text[]), CAST(:xids AS xid8[]), CAST(:seqs AS bigint[]))
            AS c(bucket, xid, seq)
    )
    SELECT
        EXISTS (
            SELECT 1 FROM auth_sessions s JOIN users u ON u.id = s.user_id
            WHERE s.id = :session_id AND s.access_hash = :access_hash AND s.user_id = :user_id
              AND s.revoked_at IS NULL AND s.access_expires_at > now() AND u.is_active AND u.role = :role
        ) AS authorized,
        (SELECT value #>> '{}' FROM settings WHERE key = 'agent_visibility') AS agent_visibility,
        (SELECT value FROM server_meta WHERE key = 'db_epoch') AS epoch,
        EXISTS (
            SELECT 1 FROM cursors c, horizon h
            WHERE EXISTS (
                SELECT 1 FROM sync_op o
                WHERE o.bucket = c.bucket AND (o.xid, o.seq) > (c.xid, c.seq) AND o.xid < h.xmin
            )
        ) AS pending,
        EXISTS (
            SELECT 1 FROM cursors c JOIN sync_bucket_floor f ON f.bucket = c.bucket
            WHERE (f.xid, f.seq) > (c.xid, c.seq)
        ) AS expired,
    """,
            SETTLED_MUTATION,
            "AS settled",
        )
    )
)


def _plain(cursor: str) -> tuple[int, int] | None:
    """A cursor's position, unless it is a refill or out of the columns' range. The start of an
    empty bucket is a position too (0, 0): the full pull keeps it as it is unless the bucket has
    ops, or a floor of pruned tombstones, which the statement finds above it."""
    if cursor.startswith(REFILL):
        return None
    xid, _, seq = cursor.partition(":")
    position = int(xid), int(seq)
    return position if position[0] <= _MAX_XID and position[1] <= _MAX_SEQ else None


@dataclass(frozen=True)
class QuietAnswer:
    #: The caller is still who the principal says: same session, active, same role and buckets.
    authorized: bool
    #: The page, or ``None``: the full pull answers (only worth asking if ``authorized``).
    page: PullPage | None


def quiet_pull(
    session: Session, principal: Principal, session_id: uuid.UUID, access_hash: str, request: PullRequest
) -> QuietAnswer:
    """Check the caller, and answer a pull with nothing to deliver. Call inside the pull's
    REPEATABLE READ transaction; ``access_hash`` is the digest of the caller's access token."""
    buckets = sorted(principal.buckets)
    positions = [_plain(request.cursors[bucket]) if bucket in request.cursors else None for bucket in buckets]
    # a new bucket to fill, one to remove, or a refill: only the caller is checked here
    plain = set(request.cursors) == set(buckets) and all(p is not None for p in positions)
    checked = buckets if plain else []
    row = session.execute(
        _QUIET,
        {
            "buckets": checked,
            "xids": [str(p[0]) for p in positions if p is not None] if plain else [],
            "seqs": [p[1] for p in positions if p is not None] if plain else [],
            "client": request.client_id,
            "session_id": session_id,
            "access_hash": access_hash,
            "user_id": principal.user.id,
            "role": principal.user.role,
        },
    ).one()
    visibility = AgentVisibility(row.agent_visibility) if row.agent_visibility else AgentVisibility.ALL
    if not row.authorized or visibility != principal.agent_visibility:
        return QuietAnswer(authorized=False, page=None)
    epoch = row.epoch or ""
    same_epoch = request.db_epoch is None or request.db_epoch == epoch
    if not plain or not same_epoch or row.pending or row.expired:
        return QuietAnswer(authorized=True, page=None)
    return QuietAnswer(
        authorized=True,
        page=PullPage(
            db_epoch=epoch,
            last_mutation_id=int(row.settled or 0),
            cursors={bucket: request.cursors[bucket] for bucket in buckets},
            has_more=False,
            remaining=0,
        ),
    )
