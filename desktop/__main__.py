"""Entry point: ``python -m desktop`` or the ``ticketdesk`` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.app import Application, create_qapplication
from desktop.lazy import lazy_module

if TYPE_CHECKING:
    from desktop import self_check
else:
    self_check = lazy_module("desktop.self_check")  # builds every window: only for --self-check


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ticketdesk", description="Ticketdesk help desk client.")
    parser.add_argument("--server", help="server address offered on the login window")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="write everything here (offline caches, drafts, remembered accounts, saved filters) "
        "instead of the user data and config folders",
    )
    parser.add_argument("--no-resume", action="store_true", help="do not reopen the last saved login")
    parser.add_argument("--debug", action="store_true", help="log debug messages")
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="build every window on a throwaway cache (no server, no screen needed), print what "
        "was checked and exit: 0 if all is well",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(arguments)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO)
    if args.self_check:
        return self_check.self_check()
    qapp = create_qapplication([sys.argv[0]])
    app = Application(data_dir=args.data_dir, default_server=args.server)
    app.start(resume=not args.no_resume)
    return qapp.exec()


if __name__ == "__main__":
    sys.exit(main())
