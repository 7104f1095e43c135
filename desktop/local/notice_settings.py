"""Which kinds of desktop notification each account has switched off, kept on this computer.

One small JSON file (``notifications.json``) with a list per account of the kinds switched
off, so that a kind added later starts switched on. Written atomically
(:mod:`desktop.local.json_file`). No Qt here: the Notifications menu reads and writes through
:class:`NoticeSettings`.
"""

from __future__ import annotations

from pathlib import Path

from desktop.local.json_file import read_json_object, write_json
from desktop.store.notice_rules import NoticeKind

FILE_NAME = "notifications.json"


class NoticeSettings:
    """One account's notification switches (``account``: a key naming server and user)."""

    def __init__(self, account: str, path: Path) -> None:
        self.account = account
        self.path = path

    def is_enabled(self, kind: NoticeKind) -> bool:
        return kind not in self._switched_off(self._read())

    def enabled(self, kinds: tuple[NoticeKind, ...]) -> set[NoticeKind]:
        """Which of ``kinds`` are switched on."""
        off = self._switched_off(self._read())
        return {kind for kind in kinds if kind not in off}

    def set_enabled(self, kind: NoticeKind, on: bool) -> None:
        accounts = self._read()
        off = self._switched_off(accounts)
        off = off - {kind} if on else off | {kind}
        accounts[self.account] = {"off": sorted(k.value for k in off)}
        write_json(self.path, {"accounts": accounts})

    def _read(self) -> dict[str, object]:
        accounts = read_json_object(self.path).get("accounts")
        return dict(accounts) if isinstance(accounts, dict) else {}

    def _switched_off(self, accounts: dict[str, object]) -> set[NoticeKind]:
        entry = accounts.get(self.account)
        values = entry.get("off") if isinstance(entry, dict) else None
        if not isinstance(values, list):
            return set()
        known = {kind.value: kind for kind in NoticeKind}
        return {known[v] for v in values if isinstance(v, str) and v in known}
