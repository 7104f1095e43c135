"""The admin audit log: who changed accounts, settings and the catalog (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sync_server.api.deps import AdminDep, SessionDep, errors
from sync_server.services import audit
from ticketing.schemas import AuditPage, AuditQuery

router = APIRouter(prefix="/api/admin", tags=["admin audit log"])


@router.get("/audit", response_model=AuditPage, responses=errors(403))
def list_audit(query: Annotated[AuditQuery, Query()], session: SessionDep, _admin: AdminDep) -> AuditPage:
    """Admin actions, newest first: filter by `action` (repeat to match any) and `actor_id`."""
    items, total = audit.page(session, query)
    return AuditPage(items=items, total=total, limit=query.limit, offset=query.offset)
