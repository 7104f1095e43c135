"""The embedded PostgreSQL a new user gets when no database URL is given.

It runs from the ``pgserver`` package inside the server's data folder, so trying Ticketdesk
needs no database install. Production installs pass ``--database-url`` instead.
"""

from __future__ import annotations

import warnings
from pathlib import Path

DATABASE_NAME = "ticketdesk"


def start_embedded(data_dir: Path) -> str:
    """Start (or reuse) the embedded server and return a URL for the Ticketdesk database."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "XDG_RUNTIME_DIR is not set" on headless machines
        import pgserver  # noqa: PLC0415 - imported only when the embedded database is wanted

    pgdata = data_dir / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(  # type: ignore[attr-defined]
        pgdata, cleanup_mode="stop"
    )
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return str(server.get_uri(DATABASE_NAME))
