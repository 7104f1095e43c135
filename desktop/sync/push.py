"""Push: send the outbox in id order and record each answer.

Resending is safe (the server skips ids it has applied and answers them again), so a push cut
off halfway is simply repeated. If the server expects an id below our first pending one (its
database was restored), the pending mutations are renumbered from there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from desktop.net.api import ApiError
from desktop.store import outbox, shadows, state
from desktop.store.blobs import LocalBlobs
from desktop.store.database import ChangeSet, Store
from desktop.sync import uploads
from desktop.sync.transport import SyncTransport
from desktop.sync.uploads import UploadProgress
from ticketing.protocol import MAX_PUSH_BATCH, PROTOCOL_VERSION, Mutation, PushRequest, PushResponse


class PushStalled(Exception):
    """The server answers none of our mutations and expects none we have: a bug somewhere."""


@dataclass(frozen=True)
class PushSummary:
    sent: int = 0
    applied: int = 0
    rejected: int = 0
    conflicts: int = 0

    def __add__(self, other: PushSummary) -> PushSummary:
        return PushSummary(
            self.sent + other.sent,
            self.applied + other.applied,
            self.rejected + other.rejected,
            self.conflicts + other.conflicts,
        )


def _record(store: Store, sent: list[outbox.QueuedMutation], response: PushResponse) -> PushSummary:
    """Store the answers (rebuilding tickets whose mutation was rejected)."""
    at = dt.datetime.now(dt.UTC)
    ours = {mutation.id for mutation in sent}
    answers = [result for result in response.results if result.id in ours]
    rebuild: set[str] = set()
    with store.write() as conn:
        for result in answers:
            ticket_id = outbox.record_result(conn, result, at)
            if ticket_id is not None:
                rebuild.add(ticket_id)
        state.ensure_mutation_id_above(conn, response.last_mutation_id)
        actor = store.actor(conn)
        for ticket_id in sorted(rebuild):
            shadows.rebuild(conn, ticket_id, actor)
    store.announce(ChangeSet(tickets=frozenset(rebuild), outbox=True))
    statuses = [result.status for result in answers]
    return PushSummary(
        len(sent), statuses.count("applied"), statuses.count("rejected"), statuses.count("conflict")
    )


def _refuse_locally(store: Store, mutation: outbox.QueuedMutation, error: ApiError) -> PushSummary:
    """The server refused the mutation's file: report it as a sync problem (the server never
    saw the mutation, so the ones after it take its id)."""
    at = dt.datetime.now(dt.UTC)
    with store.write() as conn:
        outbox.add_problem(
            conn,
            mutation,
            status=outbox.REJECTED,
            code=error.code,
            message=error.detail,
            server_values=None,
            at=at,
        )
        outbox.remove_unsent(conn, mutation.id)
        shadows.rebuild(conn, mutation.ticket_id, store.actor(conn))
    store.announce(ChangeSet(tickets=frozenset({mutation.ticket_id}), outbox=True))
    return PushSummary(rejected=1)


def push_all(
    store: Store,
    transport: SyncTransport,
    batch_size: int = MAX_PUSH_BATCH,
    on_upload: UploadProgress | None = None,
) -> PushSummary:
    """Upload the files of queued attachments, then push every pending mutation; returns what
    the server said."""
    summary = PushSummary()
    renumbered = False
    blobs = LocalBlobs(store.path)
    while True:
        with store.write() as conn:  # with the mark, so an undo never withdraws what may be on its way
            batch = outbox.to_push(conn, batch_size)
            client_id = state.client_id(conn)
            if batch:
                state.mark_sent_through(conn, batch[-1].id)
        if not batch:
            return summary
        prepared = uploads.prepare(batch, transport, blobs, on_upload)
        if prepared.refused is not None and not prepared.ready:
            summary = summary + _refuse_locally(store, *prepared.refused)
            continue
        if prepared.waiting is not None and not prepared.ready:
            raise prepared.waiting
        batch = prepared.ready
        mutations = [Mutation(id=m.id, name=m.name, args=m.args) for m in batch]
        response = transport.push(
            PushRequest(protocol=PROTOCOL_VERSION, client_id=client_id, mutations=mutations)
        )
        summary = summary + _record(store, batch, response)
        if any(result.id == batch[0].id for result in response.results):
            renumbered = False
        elif batch[0].id > response.last_mutation_id + 1 and not renumbered:
            with store.write() as conn:  # the server expects a lower id: its database was restored
                outbox.renumber(conn, response.last_mutation_id + 1)
            renumbered = True
        else:
            raise PushStalled(
                f"The server answered none of mutations {batch[0].id}..{batch[-1].id} "
                f"(its last is {response.last_mutation_id})."
            )
        if prepared.waiting is not None:
            raise prepared.waiting  # what could go has gone; the file waits for the next sync
        if prepared.refused is not None:  # now first in line: report it without uploading again
            with store.read() as conn:
                first = outbox.to_push(conn, 1)
            if first and first[0].id == prepared.refused[0].id:
                summary = summary + _refuse_locally(store, *prepared.refused)
