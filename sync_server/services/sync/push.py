"""Push: apply a client's mutations in order, each at most once, each in its own transaction.

Per mutation: lock the client's row, skip an id already applied (answering what was answered
then), stop at a gap, authorize as the user *now*, apply in a savepoint, record the answer and
the new ``last_mutation_id``, commit. A permanent refusal rolls the effect back but still
advances the id, so one bad mutation never blocks the ones behind it.

New tickets and comments count against the same rate limits as over REST (in a short
transaction of their own before the mutation's, see :func:`_count`), but offline work is never
refused for it: the push stops *before* the first mutation over a limit and answers what
it applied, with a ``Retry-After``; the client keeps the rest queued and sends them again
later. A push whose very first new mutation is over the limit is a plain 429.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from sync_server.db.models import SyncClient, SyncMutationResult, User
from sync_server.errors import DomainError, Forbidden, RateLimited, Unauthorized
from sync_server.services import rate_limits, settings_store
from sync_server.services.identity.principal import Principal
from sync_server.services.rate_limits import RateAction
from sync_server.services.sync import mutations
from ticketing.protocol import (
    Mutation,
    MutationName,
    MutationResult,
    PushRequest,
    PushResponse,
    mutation_name,
)

#: Mutations that count against a rate limit, and which one.
RATE_LIMITED: dict[MutationName, RateAction] = {
    MutationName.CREATE_TICKET: RateAction.TICKET,
    MutationName.ADD_COMMENT: RateAction.COMMENT,
}


@dataclass(frozen=True)
class PushAnswer:
    """The push response; ``retry_after`` (seconds) when it stopped at a rate limit."""

    response: PushResponse
    retry_after: int | None = None


def _client(session: Session, client_id: uuid.UUID, user_id: uuid.UUID) -> SyncClient:
    client = session.get(SyncClient, client_id, with_for_update=True)
    if client is None:
        client = SyncClient(client_id=client_id, user_id=user_id, last_mutation_id=0)
        session.add(client)
        session.flush()
    elif client.user_id != user_id:
        raise Forbidden(
            "This client id belongs to another account; start a new cache.", code="client_mismatch"
        )
    return client


def _stored_result(session: Session, client_id: uuid.UUID, mutation_id: int) -> MutationResult:
    stored = session.get(SyncMutationResult, (client_id, mutation_id))
    if stored is None:  # answered before results were kept, or pruned: it was applied
        return MutationResult(id=mutation_id, status="applied", code="already_applied")
    return MutationResult(
        id=mutation_id,
        status=stored.status,
        code=stored.code,
        message=stored.message,
        server_values=stored.server_values,
    )


_NEXT_MUTATION = text(
    """
    SELECT set_config('synchronous_commit', 'off', true),
        (SELECT last_mutation_id FROM sync_clients WHERE client_id = :client) AS last
    """
)


def _count(
    session: Session,
    client_id: uuid.UUID,
    mutation_id: int,
    action: RateAction,
    *,
    user_id: uuid.UUID,
    address: str | None,
) -> None:
    """Count a mutation that looks new against its rate limit (:class:`RateLimited` if over),
    in a transaction of its own that need not wait for the disk.

    Every client of an office writes through one address, so the address's cell is one row
    that every push of the office updates: counted in the mutation's transaction, the row
    stayed locked until that transaction's commit reached the disk, and pushes from one
    address went one at a time (28/s for 50 clients here). Committed without waiting for the
    flush, the row is free at once; a crash can forget the last fraction of a second of counts,
    which only makes the limit a little more lenient. The mutation's own transaction stays
    durable. A mutation counted and then not applied (a concurrent retry of it, a transient
    failure) counts once more than it did, as a REST request that failed does."""
    last = session.execute(_NEXT_MUTATION, {"client": client_id}).one().last or 0
    if mutation_id == last + 1:
        rate_limits.enforce(session, action, user_id=user_id, address=address)


def _apply_one(session: Session, user_id: uuid.UUID, mutation: Mutation) -> MutationResult:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthorized("This account has been deactivated.", code="account_disabled")
    principal = Principal(user, settings_store.agent_visibility(session))
    try:
        with session.begin_nested():
            outcome = mutations.apply(session, principal, mutation)
    except DomainError as error:
        return MutationResult(id=mutation.id, status="rejected", code=error.code, message=error.detail)
    return MutationResult(
        id=mutation.id,
        status=outcome.status,
        code=outcome.code,
        message=outcome.message,
        server_values=outcome.server_values,
    )


def push(
    factory: sessionmaker[Session],
    user_id: uuid.UUID,
    request: PushRequest,
    *,
    address: str | None = None,
) -> PushAnswer:
    """Apply ``request``'s mutations; raises :class:`RateLimited` if the first new one is over a
    limit (``address``: the client's, counted like the account)."""
    results: list[MutationResult] = []
    last = 0
    for mutation in sorted(request.mutations, key=lambda m: m.id):
        try:
            name = mutation_name(mutation.name)
            action = None if name is None else RATE_LIMITED.get(name)
            if action is not None:
                with factory() as session, session.begin():
                    _count(session, request.client_id, mutation.id, action, user_id=user_id, address=address)
            with factory() as session, session.begin():
                client = _client(session, request.client_id, user_id)
                last = client.last_mutation_id
                if mutation.id <= last:
                    results.append(_stored_result(session, request.client_id, mutation.id))
                    continue
                if mutation.id != last + 1:
                    break  # a gap: the client must resend from last + 1
                result = _apply_one(session, user_id, mutation)
                session.add(
                    SyncMutationResult(
                        client_id=request.client_id,
                        mutation_id=mutation.id,
                        status=result.status,
                        code=result.code,
                        message=result.message,
                        server_values=result.server_values,
                    )
                )
                client.last_mutation_id = last = mutation.id
                client.last_seen_at = dt.datetime.now(dt.UTC)
                results.append(result)
        except RateLimited as limited:
            if not results:
                raise
            return PushAnswer(PushResponse(results=results, last_mutation_id=last), limited.retry_after)
    if not request.mutations:
        with factory() as session, session.begin():
            last = _client(session, request.client_id, user_id).last_mutation_id
    return PushAnswer(PushResponse(results=results, last_mutation_id=last))
