"""Named queue filters: the built-in ones every agent gets, and the ones a user saved.

User-saved filters are small JSON in the user config folder (one file, a list per account,
since category and agent ids belong to one server). No Qt here: the filter bar reads and
writes through :class:`SavedFilterBook`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import ValidationError

from desktop.local.json_file import read_json_object, write_json
from desktop.store.files import APP_NAME
from ticketing.domain import Priority, Status
from ticketing.schemas import TicketQuery

log = logging.getLogger(__name__)

FILE_NAME = "saved_filters.json"
ACTIVE = [s for s in Status if s.is_active]

#: The query fields a filter holds; sort and paging belong to the view, not the filter.
FILTER_FIELDS = frozenset(TicketQuery.model_fields) - {"sort", "limit", "offset"}


@dataclass(frozen=True)
class SavedFilter:
    name: str
    query: TicketQuery
    builtin: bool = False


BUILTIN_FILTERS: tuple[SavedFilter, ...] = (
    SavedFilter("My open", TicketQuery(assignee="me", status=ACTIVE), builtin=True),
    SavedFilter("Unassigned", TicketQuery(assignee="none", status=ACTIVE), builtin=True),
    SavedFilter("Critical", TicketQuery(priority=[Priority.CRITICAL.value], status=ACTIVE), builtin=True),
    # nearest service-level target in warning, missed, or due within two hours
    SavedFilter("Breaching soon", TicketQuery(breaching_soon=True, status=ACTIVE), builtin=True),
)


def filter_part(query: TicketQuery) -> dict[str, Any]:
    """What a saved filter keeps of a query (JSON-ready, defaults left out)."""
    return query.model_dump(mode="json", include=set(FILTER_FIELDS), exclude_defaults=True)


def default_path() -> Path:
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / FILE_NAME


class SavedFilterBook:
    """One account's saved filters (``account``: a key naming server and user)."""

    def __init__(self, account: str, path: Path | None = None) -> None:
        self.account = account
        self.path = path or default_path()

    def all(self) -> list[SavedFilter]:
        """Built-in filters first, then the user's in the order they were saved."""
        return [*BUILTIN_FILTERS, *self.saved()]

    def saved(self) -> list[SavedFilter]:
        found: list[SavedFilter] = []
        for item in self._read().get(self.account, []):
            try:
                found.append(SavedFilter(str(item["name"]), TicketQuery.model_validate(item["query"])))
            except (KeyError, TypeError, ValidationError) as error:
                log.warning("ignoring an unreadable saved filter: %s", error)
        return found

    def save(self, name: str, query: TicketQuery) -> SavedFilter:
        """Add or replace the user's filter ``name``; built-in names cannot be replaced."""
        name = name.strip()
        if not name:
            raise ValueError("A saved filter needs a name.")
        if any(f.name.casefold() == name.casefold() for f in BUILTIN_FILTERS):
            raise ValueError(f"“{name}” is a built-in filter; choose another name.")
        entry = {"name": name, "query": filter_part(query)}
        data = self._read()
        others = [
            i for i in data.get(self.account, []) if str(i.get("name", "")).casefold() != name.casefold()
        ]
        data[self.account] = [*others, entry]
        self._write(data)
        return SavedFilter(name, TicketQuery.model_validate(entry["query"]))

    def delete(self, name: str) -> None:
        data = self._read()
        kept = [i for i in data.get(self.account, []) if str(i.get("name", "")) != name]
        data[self.account] = kept
        self._write(data)

    def _read(self) -> dict[str, list[dict[str, Any]]]:
        accounts = read_json_object(self.path).get("accounts")
        if not isinstance(accounts, dict):
            return {}
        return {
            str(k): [i for i in v if isinstance(i, dict)] for k, v in accounts.items() if isinstance(v, list)
        }

    def _write(self, accounts: dict[str, list[dict[str, Any]]]) -> None:
        write_json(self.path, {"accounts": accounts})
