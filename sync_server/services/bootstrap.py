"""What a database needs before it serves anyone: its epoch and the default reference data."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sync_server.db.migrate import upgrade
from sync_server.db.models import ServerMeta
from sync_server.db.session import make_session_factory
from sync_server.services.helpdesk import catalog
from sync_server.services.sla import calendars
from sync_server.services.sync import changelog


def ensure_epoch(session: Session) -> str:
    """``db_epoch`` identifies this database's history; a restored copy gets a new one."""
    epoch = session.scalar(select(ServerMeta.value).where(ServerMeta.key == "db_epoch"))
    if epoch is None:
        epoch = str(uuid.uuid4())
        session.add(ServerMeta(key="db_epoch", value=epoch))
        session.flush()
    return epoch


def ensure_defaults(session: Session) -> None:
    """What every desk has from the start: priorities, categories, the 24/7 calendar."""
    catalog.ensure_defaults(session)
    calendars.ensure_default_calendar(session)


def prepare_database(engine: Engine) -> None:
    """Migrate to the newest schema, then add what a new database starts with."""
    upgrade(engine)
    with make_session_factory(engine)() as session, session.begin():
        ensure_epoch(session)
        ensure_defaults(session)
        changelog.prune_tombstones(session)
