"""Engine and session factory for one database."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from sync_server.settings import sqlalchemy_url

#: Write transactions must stay short: the sync horizon waits for the oldest open one.
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000


def make_engine(url: str, pool_size: int = 10) -> Engine:
    return create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={
            "options": f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT_MS}"
            " -c timezone=UTC"
        },
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
