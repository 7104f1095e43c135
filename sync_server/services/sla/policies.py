"""SLA policies: admins write them, staff read them; ordered by position, the first that
matches a ticket's priority and category applies (:func:`ticketing.sla.matching_policy`).

A policy is checked by building a :class:`ticketing.sla.Policy` from it (pause statuses that
are not Resolved/Closed, targets never negative, at least one target), and its calendar must
exist. Its breach
actions are kept in three columns; the agent a breached ticket goes to must be active staff.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.db.models import SlaPolicy, User
from sync_server.errors import Conflict, Invalid, NotFound
from sync_server.services.sla import calendars
from sync_server.services.sync import changelog
from sync_server.services.unique_names import name_taken
from ticketing import visibility
from ticketing.domain import Role, Status, new_id
from ticketing.sla import Policy, PolicyError, check_has_a_target
from ticketing.sla_schemas import BreachActions, PolicyCreate, PolicyOut, PolicyPatch

#: The fields a patch may set to ``null`` (no target, nobody) rather than leave alone.
_NULLABLE = frozenset(
    {"first_response_minutes", "next_response_minutes", "resolution_minutes", "breach_reassign_to"}
)


def list_policies(session: Session) -> list[SlaPolicy]:
    return list(session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.name)))


def rules(policy: SlaPolicy) -> Policy:
    """The stored policy as the clocks use it."""
    return Policy(
        id=str(policy.id),
        name=policy.name,
        position=policy.position,
        priorities=frozenset(policy.priorities),
        category_ids=frozenset(policy.category_ids),
        calendar_id=str(policy.calendar_id),
        first_response_minutes=policy.first_response_minutes,
        next_response_minutes=policy.next_response_minutes,
        resolution_minutes=policy.resolution_minutes,
        pause_statuses=frozenset(Status(s) for s in policy.pause_statuses),
        warning_percent=policy.warning_percent,
    )


def create_policy(session: Session, data: PolicyCreate) -> SlaPolicy:
    _name_free(session, data.name, None)
    calendar_id = _calendar_id(session, data.calendar_id)
    policy = SlaPolicy(
        id=new_id(), calendar_id=calendar_id, **_stored(data.model_dump(exclude={"calendar_id"}))
    )
    _checked(policy)
    _reassignable(session, policy.breach_reassign_to)
    session.add(policy)
    session.flush()
    changelog.record(session, "sla_policy", policy.id, visibility.staff_buckets())
    return policy


def update_policy(session: Session, policy_id: uuid.UUID, patch: PolicyPatch) -> SlaPolicy:
    policy = session.get(SlaPolicy, policy_id, with_for_update=True)
    if policy is None:
        raise NotFound("No such policy.", code="policy_not_found")
    sent = patch.model_fields_set
    if "name" in sent and patch.name is not None and patch.name != policy.name:
        _name_free(session, patch.name, policy.id)
    if "calendar_id" in sent:
        policy.calendar_id = _calendar_id(session, patch.calendar_id)
    values = _stored(patch.model_dump(include=sent - {"calendar_id"}))
    for field, value in values.items():
        if value is not None or field in _NULLABLE:
            setattr(policy, field, value)
    _checked(policy)
    if patch.breach_actions is not None:
        _reassignable(session, policy.breach_reassign_to)
    policy.updated_at = dt.datetime.now(dt.UTC)
    policy.version += 1
    session.flush()
    changelog.record(session, "sla_policy", policy.id, visibility.staff_buckets())
    return policy


def policy_out(policy: SlaPolicy) -> PolicyOut:
    return PolicyOut(
        id=policy.id,
        name=policy.name,
        position=policy.position,
        priorities=list(policy.priorities),
        category_ids=[uuid.UUID(c) for c in policy.category_ids],
        calendar_id=policy.calendar_id,
        first_response_minutes=policy.first_response_minutes,
        next_response_minutes=policy.next_response_minutes,
        resolution_minutes=policy.resolution_minutes,
        pause_statuses=[Status(s) for s in policy.pause_statuses],
        warning_percent=policy.warning_percent,
        breach_actions=BreachActions(
            raise_priority=policy.breach_raise_priority,
            reassign_to=policy.breach_reassign_to,
            notify_admins=policy.breach_notify_admins,
        ),
        version=policy.version,
    )


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """Request values as the JSON columns keep them (strings, no duplicates, in order)."""
    stored = dict(values)
    if stored.get("category_ids") is not None:
        stored["category_ids"] = sorted({str(c) for c in stored["category_ids"]})
    if stored.get("priorities") is not None:
        stored["priorities"] = sorted(set(stored["priorities"]))
    if stored.get("pause_statuses") is not None:
        stored["pause_statuses"] = sorted({str(Status(s)) for s in stored["pause_statuses"]})
    actions = stored.pop("breach_actions", None)
    if actions is not None:
        stored["breach_raise_priority"] = actions["raise_priority"]
        stored["breach_reassign_to"] = actions["reassign_to"]
        stored["breach_notify_admins"] = actions["notify_admins"]
    return stored


def _checked(policy: SlaPolicy) -> None:
    try:
        check_has_a_target(rules(policy))
    except PolicyError as error:
        raise Invalid(
            error.message, code="invalid_policy", fields=[{"field": error.field, "message": error.message}]
        ) from None


def _reassignable(session: Session, user_id: uuid.UUID | None) -> None:
    """A breached ticket may only go to an active agent or admin."""
    if user_id is None:
        return
    user = session.get(User, user_id)
    if user is None or not Role(user.role).is_staff or not user.is_active:
        message = "reassign breached tickets to an active agent or admin"
        field = {"field": "breach_actions.reassign_to", "message": message}
        raise Invalid(message, code="invalid_policy", fields=[field])


def _calendar_id(session: Session, calendar_id: uuid.UUID | None) -> uuid.UUID:
    if calendar_id is None:
        return calendars.ensure_default_calendar(session).id
    return calendars.get_calendar(session, calendar_id).id


def _name_free(session: Session, name: str, own_id: uuid.UUID | None) -> None:
    if name_taken(session, SlaPolicy, name, own_id):
        raise Conflict(f"A policy named '{name}' already exists.", code="name_taken")
