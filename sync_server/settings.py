"""How the server process is configured: environment variables (``TICKETDESK_*``) and flags.

These are the few facts a process needs before it can reach its database. Everything an admin
changes at run time (agent visibility, SMTP, limits) lives in the database instead, so that
several server processes agree on it.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import platformdirs
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    #: Reverse proxies whose ``X-Forwarded-For`` is believed: IPs or CIDR networks, comma
    #: separated (``TICKETDESK_TRUSTED_PROXIES=127.0.0.1,10.0.0.0/24``); none by default.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    #: Seconds between the SLA escalation job's looks for warnings and breaches.
    sla_check_seconds: float = Field(default=15.0, gt=0, le=300)

    @field_validator("database_url")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_list(cls, value: object) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ValueError("give IP addresses or networks, comma separated")
        return parse_trusted_proxies(",".join(str(item) for item in items))


def parse_trusted_proxies(text: str) -> tuple[str, ...]:
    """``"127.0.0.1, 10.0.0.0/24"`` as networks (``("127.0.0.1/32", "10.0.0.0/24")``); an empty
    text is none. Raises ValueError naming an item that is no IP address or network (a host
    name, or ``*``: trusting every peer would let any client choose its own address)."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"not an IP address or network: {item!r}") from None
    return tuple(networks)


def sqlalchemy_url(url: str) -> str:
    """Use psycopg 3 for any ``postgres://`` / ``postgresql://`` URL."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"Not a PostgreSQL URL: {url.split('://', 1)[0]}://...")
