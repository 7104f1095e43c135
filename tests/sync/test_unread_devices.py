"""Unread state across two devices of one account, against a real server: reading a ticket on
one device shows it read on the other after a sync, news from others makes it unread on both,
and an agent's internal note never makes a user's ticket unread (a public reply does)."""

from __future__ import annotations

from desktop.store import queries, read_commands, unread
from desktop.sync import session as sessions
from tests.helpers.sync import Desk, comments_of, submit, sync_until


def is_unread(session: sessions.AccountSession, ticket_id: str) -> bool | None:
    row = queries.ticket(session.store, ticket_id)
    return None if row is None else row.unread


def second_device(desk: Desk, email: str) -> sessions.AccountSession:
    """The same account logged in on another computer (a cache in another folder)."""
    opened = sessions.log_in(
        desk.server.url, email, desk.passwords[email], data_dir=desk.data_dir / "second-computer"
    )
    desk.sessions.append(opened)
    return opened


def read_elsewhere(reader: sessions.AccountSession, other: sessions.AccountSession, ticket_id: str) -> bool:
    """Sync the device that read the ticket, then say whether the other one shows it read."""
    reader.engine.sync_once()
    return is_unread(other, ticket_id) is False


def test_reading_on_one_device_shows_read_on_the_other(desk: Desk) -> None:
    uma = desk.rest("uma@example.com")
    ticket = submit(uma, "Printer jams")
    desk.rest("ada@example.com").request(
        "PATCH", f"/api/tickets/{ticket['id']}", {"assignee_id": desk.ids["alice@example.com"]}
    )
    laptop = desk.desktop("alice@example.com")
    desktop = second_device(desk, "alice@example.com")
    assert laptop.store.path != desktop.store.path
    for device in (laptop, desktop):
        sync_until(device, lambda device=device: is_unread(device, ticket["id"]) is True)
        assert unread.unread_count(device.store) == 1

    assert read_commands.mark_read(laptop.store, ticket["id"])
    assert is_unread(laptop, ticket["id"]) is False
    sync_until(desktop, lambda: read_elsewhere(laptop, desktop, ticket["id"]))
    assert unread.unread_count(desktop.store) == 0
    assert read_commands.mark_read(desktop.store, ticket["id"]) is False  # nothing to send

    # the requester answers: unread on both again; reading on the second device reads it on both
    uma.request("POST", f"/api/tickets/{ticket['id']}/comments", {"content": "<p>Still jams</p>"})
    for device in (laptop, desktop):
        sync_until(device, lambda device=device: is_unread(device, ticket["id"]) is True)
    assert read_commands.mark_read(desktop.store, ticket["id"])
    sync_until(laptop, lambda: read_elsewhere(desktop, laptop, ticket["id"]))
    assert unread.unread_count(laptop.store) == 0
    with laptop.store.read() as conn:  # both marks settled; no sync problem on either device
        assert conn.exec_driver_sql("SELECT count(*) FROM sync_problems").scalar() == 0
    with desktop.store.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sync_problems").scalar() == 0


def test_an_internal_note_leaves_a_users_ticket_read_and_a_public_reply_does_not(desk: Desk) -> None:
    uma_api = desk.rest("uma@example.com")
    noted = submit(uma_api, "VPN drops")
    fence = submit(uma_api, "Laptop request")
    uma = desk.desktop("uma@example.com")
    sync_until(uma, lambda: is_unread(uma, noted["id"]) is False and is_unread(uma, fence["id"]) is False)

    alice = desk.rest("alice@example.com")
    alice.request(
        "POST", f"/api/tickets/{noted['id']}/comments", {"content": "<p>Secret</p>", "is_internal": True}
    )
    # a later public reply on the other ticket: once it has arrived, so has everything before it
    alice.request("POST", f"/api/tickets/{fence['id']}/comments", {"content": "<p>On its way</p>"})
    sync_until(uma, lambda: is_unread(uma, fence["id"]) is True)
    assert is_unread(uma, noted["id"]) is False
    assert unread.unread_count(uma.store) == 1

    alice.request("POST", f"/api/tickets/{noted['id']}/comments", {"content": "<p>Try reconnecting</p>"})
    sync_until(uma, lambda: is_unread(uma, noted["id"]) is True)
    assert [c.content for c in comments_of(uma, noted["id"])] == ["<p>Try reconnecting</p>"]
    assert unread.unread_count(uma.store) == 2
