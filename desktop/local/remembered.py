"""Accounts this computer remembers (server, email, id, name, role), so the login window can
offer them and the app can open an account's offline cache without the network.

No secret is written here: the refresh token lives in the system keyring
(:mod:`desktop.local.credentials`). The file is small JSON in the user config folder (or in the
``--data-dir`` folder, see :mod:`desktop.local.paths`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from desktop.local.json_file import write_json
from desktop.local.paths import settings_file
from desktop.store.files import normalize_server_url
from ticketing.domain import Role

log = logging.getLogger(__name__)

FILE_NAME = "accounts.json"


@dataclass(frozen=True)
class RememberedAccount:
    server_url: str
    email: str
    user_id: str
    name: str
    role: Role

    def same_login(self, server_url: str, email: str) -> bool:
        return _key(self.server_url, self.email) == _key(server_url, email)


def _key(server_url: str, email: str) -> tuple[str, str]:
    try:
        server = normalize_server_url(server_url)
    except ValueError:
        server = server_url.strip()
    return server, email.strip().lower()


def default_path(data_dir: Path | None = None) -> Path:
    """The accounts file: in ``data_dir`` (``--data-dir``) when given, else the config folder."""
    return settings_file(FILE_NAME, data_dir)


class AccountBook:
    """The remembered accounts, most recently used first."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    @classmethod
    def in_data_dir(cls, data_dir: Path | None) -> AccountBook:
        """The book of an app started with ``--data-dir data_dir`` (``None``: the default)."""
        return cls(default_path(data_dir))

    def accounts(self) -> list[RememberedAccount]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [
                RememberedAccount(
                    server_url=str(item["server_url"]),
                    email=str(item["email"]),
                    user_id=str(item["user_id"]),
                    name=str(item["name"]),
                    role=Role(item["role"]),
                )
                for item in data.get("accounts", [])
            ]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            log.warning("ignoring unreadable remembered accounts file %s: %s", self.path, error)
            return []

    def last(self) -> RememberedAccount | None:
        accounts = self.accounts()
        return accounts[0] if accounts else None

    def find(self, server_url: str, email: str) -> RememberedAccount | None:
        return next((a for a in self.accounts() if a.same_login(server_url, email)), None)

    def remember(self, account: RememberedAccount) -> None:
        """Add or move ``account`` to the front."""
        others = [a for a in self.accounts() if not a.same_login(account.server_url, account.email)]
        self._write([account, *others])

    def forget(self, server_url: str, email: str) -> None:
        self._write([a for a in self.accounts() if not a.same_login(server_url, email)])

    def _write(self, accounts: list[RememberedAccount]) -> None:
        write_json(self.path, {"accounts": [asdict(a) for a in accounts]})
