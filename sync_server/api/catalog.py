"""Categories and priorities: everyone reads the active ones, admins manage them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from sync_server.api.deps import AdminDep, PrincipalDep, SessionDep, errors
from sync_server.api.presenters import category_out, priority_out
from sync_server.services.helpdesk import catalog
from ticketing.schemas import (
    CategoryCreate,
    CategoryOut,
    CategoryPatch,
    PriorityCreate,
    PriorityOut,
    PriorityPatch,
)

router = APIRouter(prefix="/api", tags=["categories and priorities"])


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(
    session: SessionDep, principal: PrincipalDep, include_inactive: bool = False
) -> list[CategoryOut]:
    """Active categories; staff may ask for deactivated ones too."""
    rows = catalog.list_categories(session, include_inactive and principal.is_staff)
    return [category_out(c) for c in rows]


@router.post("/categories", response_model=CategoryOut, status_code=201, responses=errors(403, 409))
def create_category(body: CategoryCreate, session: SessionDep, admin: AdminDep) -> CategoryOut:
    return category_out(catalog.create_category(session, body, actor_id=admin.user.id))


@router.patch("/categories/{category_id}", response_model=CategoryOut, responses=errors(403, 409))
def update_category(
    category_id: uuid.UUID, body: CategoryPatch, session: SessionDep, admin: AdminDep
) -> CategoryOut:
    """Rename or (de)activate; categories are never deleted, so old tickets keep theirs."""
    return category_out(catalog.update_category(session, category_id, body, actor_id=admin.user.id))


@router.get("/priorities", response_model=list[PriorityOut])
def list_priorities(
    session: SessionDep, principal: PrincipalDep, include_inactive: bool = False
) -> list[PriorityOut]:
    rows = catalog.list_priorities(session, include_inactive and principal.is_staff)
    return [priority_out(p) for p in rows]


@router.post("/priorities", response_model=PriorityOut, status_code=201, responses=errors(403, 409))
def create_priority(body: PriorityCreate, session: SessionDep, admin: AdminDep) -> PriorityOut:
    return priority_out(catalog.create_priority(session, body, actor_id=admin.user.id))


@router.patch("/priorities/{priority_id}", response_model=PriorityOut, responses=errors(403, 409))
def update_priority(
    priority_id: uuid.UUID, body: PriorityPatch, session: SessionDep, admin: AdminDep
) -> PriorityOut:
    """Rename (tickets keep the priority's key), re-rank or (de)activate."""
    return priority_out(catalog.update_priority(session, priority_id, body, actor_id=admin.user.id))
