"""How the server process is configured: environment variables (``TICKETDESK_*``) and flags.

These are the few facts a process needs before it can reach its database. Everything an admin
changes at run time (agent visibility, SMTP, limits) lives in the database instead, so that
several server processes agree on it.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ticketing.presence import PRESENCE_TTL


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("ticketdesk-server", appauthor=False))


class ServerConfig(BaseSettings):
    """Process configuration; each field can be set as ``TICKETDESK_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="TICKETDESK_", extra="ignore", populate_by_name=True)

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "TICKETDESK_DATABASE_URL")
    )
    data_dir: Path = Field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    port: int = Field(default=8700, ge=0, le=65535)
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=60, ge=1, le=365)
    #: Seconds between heartbeats on a live stream (proxies close idle connections).
    live_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    #: Seconds a presence announcement holds at its receivers (tests shorten it).
    presence_ttl_seconds: float = Field(default=PRESENCE_TTL, gt=0, le=300)

    @field_validator("database_url")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None


def sqlalchemy_url(url: str) -> str:
    """Use psycopg 3 for any ``postgres://`` / ``postgresql://`` URL."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"Not a PostgreSQL URL: {url.split('://', 1)[0]}://...")
