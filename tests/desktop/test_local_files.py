"""What the app keeps on this computer outside the cache is written through one atomic JSON
writer: a failed write keeps the previous file, folders are private, damaged files are ignored."""

from __future__ import annotations

import json
import stat
import uuid
from pathlib import Path

import pytest

from desktop.local.drafts import DraftStore, TicketDraft
from desktop.local.json_file import read_json_object, write_json
from desktop.local.remembered import AccountBook, RememberedAccount
from desktop.local.saved_filters import SavedFilterBook
from ticketing.domain import Role
from ticketing.schemas import TicketQuery


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_write_creates_a_private_folder_and_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "state.json"
    write_json(target, {"a": 1})
    write_json(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert _mode(target.parent) == 0o700
    assert [p.name for p in target.parent.iterdir()] == ["state.json"]


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_json(target, {"kept": True})
    with pytest.raises(TypeError):
        write_json(target, {"not json": object()})
    assert json.loads(target.read_text()) == {"kept": True}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '"text"'])
def test_a_damaged_or_foreign_file_reads_as_empty(tmp_path: Path, content: str) -> None:
    target = tmp_path / "state.json"
    target.write_text(content)
    assert read_json_object(target) == {}
    assert read_json_object(tmp_path / "missing.json") == {}


def test_every_local_book_writes_into_a_private_folder(tmp_path: Path) -> None:
    accounts = AccountBook(tmp_path / "accounts" / "accounts.json")
    accounts.remember(RememberedAccount("https://desk.example", "ann@corp.local", "u1", "Ann", Role.AGENT))
    filters = SavedFilterBook("desk/u1", tmp_path / "filters" / "filters.json")
    filters.save("Mine", TicketQuery(q="printer"))
    drafts = DraftStore("https://desk.example", str(uuid.uuid4()), base=tmp_path / "data")
    drafts.save(TicketDraft(title="Printer jams", description_html="<p>Again</p>"))

    assert accounts.accounts()[0].email == "ann@corp.local"
    assert [f.name for f in filters.saved()] == ["Mine"]
    loaded = drafts.load()
    assert loaded is not None and loaded.title == "Printer jams"
    for folder in (accounts.path.parent, filters.path.parent, drafts.draft_path.parent):
        assert _mode(folder) == 0o700, folder
