"""What a user does with a sync problem (a change the server refused or a conflict): dismiss
it, or apply the user's values again on top of what the server kept, as a ticket, an article or
a canned reply edit (so this module sits above those kinds of commands).
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection, delete, select

from desktop.store import article_commands, canned_reply_commands, commands, outbox, schema
from desktop.store.command_checks import now_or
from desktop.store.database import ChangeSet, Store
from desktop.store.errors import ActionRefused
from ticketing.protocol import MutationName


def dismiss_problem(store: Store, problem_id: int) -> None:
    """The user has read (and maybe copied) a problem: forget it."""
    with store.write() as conn:
        conn.execute(delete(schema.sync_problems).where(schema.sync_problems.c.id == problem_id))
    store.announce(ChangeSet(outbox=True))


def reapply_problem(store: Store, problem_id: int, now: dt.datetime | None = None) -> int | None:
    """Apply the user's values of a conflict again, on top of what the server kept.

    Returns the new mutation's id (``None`` if the ticket already has those values)."""

    reply_reapplied = False

    def work(conn: Connection) -> tuple[str | None, int | None]:
        nonlocal reply_reapplied
        problem = conn.execute(
            select(schema.sync_problems).where(schema.sync_problems.c.id == problem_id)
        ).one_or_none()
        if problem is None or problem.status != outbox.CONFLICT:
            raise ActionRefused("invalid", "Only a conflict can be applied again.")
        args = json.loads(problem.args)
        if problem.name == MutationName.UPDATE_ARTICLE:
            article_id = str(args["article_id"])
            fields = {name: change["new"] for name, change in args["changes"].items()}
            mutation_id = article_commands.edit_in(conn, store, article_id, fields, now_or(now))
            conn.execute(delete(schema.sync_problems).where(schema.sync_problems.c.id == problem_id))
            return article_id, mutation_id  # announced as a changed "ticket": the engine wakes
        if problem.name == MutationName.UPDATE_CANNED_REPLY:
            reply_id = str(args["canned_reply_id"])
            fields = {name: change["new"] for name, change in args["changes"].items()}
            mutation_id = canned_reply_commands.edit_in(conn, store, reply_id, fields, now_or(now))
            conn.execute(delete(schema.sync_problems).where(schema.sync_problems.c.id == problem_id))
            reply_reapplied = mutation_id is not None
            return reply_id, mutation_id
        ticket_id = str(args.get("ticket_id"))
        if problem.name == MutationName.UPDATE_TICKET:
            fields = {name: change["new"] for name, change in args["changes"].items()}
            mutation_id = commands.edit_in(conn, store, ticket_id, fields, now_or(now))
        elif problem.name == MutationName.ASSIGN:
            mutation_id = commands.assign_in(conn, store, ticket_id, args["new"], now_or(now))
        else:
            raise ActionRefused("invalid", "This change cannot be applied again.")
        conn.execute(delete(schema.sync_problems).where(schema.sync_problems.c.id == problem_id))
        return ticket_id, mutation_id

    mutation_id = commands.run_action(store, lambda result: None if result[1] is None else result[0], work)[1]
    if reply_reapplied:  # the canned-reply lists refresh on their own kind of change
        store.announce(ChangeSet(canned_replies=True))
    return mutation_id
