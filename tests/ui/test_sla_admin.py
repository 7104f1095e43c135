"""The admin console's Service levels tab with real widgets against a live server: a business
calendar with two ranges on Monday, an overlap named before anything is sent, a country's
holidays loaded through the server; policies with targets and breach actions, checked before
sending, and reordered; the database holds what was saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from desktop.ui.admin.console import AdminConsole
from desktop.ui.admin.dialogs import FormDialog
from desktop.ui.admin.service_levels import ServiceLevelsPanel
from desktop.ui.admin.sla_dialogs import CalendarDialog, PolicyDialog
from sync_server.child_server import LiveServer
from sync_server.db.models import SlaCalendar, SlaPolicy, User
from tests.helpers.api import create_account
from tests.helpers.ui import log_in_app, shut_app
from ticketing.domain import Role, Status

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


@pytest.fixture
def admin(qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path) -> Iterator[AdminConsole]:
    _, password = create_account(engine, "ada@example.com", Role.ADMIN, "Ada Admin")
    app, window = log_in_app(qtbot, live_server.url, "ada@example.com", password)
    assert isinstance(window, AdminConsole)
    yield window
    shut_app(window)
    del app


def opened(qtbot: QtBot, admin: AdminConsole) -> ServiceLevelsPanel:
    panel = admin.service_levels
    admin.show_tab(panel)
    qtbot.waitUntil(lambda: panel.calendar_list.count() >= 1, timeout=10_000)
    return panel


def closed(dialog: FormDialog) -> bool:
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def test_admin_writes_a_calendar_with_two_ranges_and_a_countrys_holidays(
    qtbot: QtBot, admin: AdminConsole, engine: Engine
) -> None:
    panel = opened(qtbot, admin)
    dialog = panel.add_calendar()
    assert isinstance(dialog, CalendarDialog)
    qtbot.keyClicks(dialog.name, "Munich office")
    dialog.timezone.setCurrentText("Europe/Berlin")
    dialog.days["mon"].setText("09:00-12:00, 13:00-17:00")
    dialog.days["tue"].clear()
    qtbot.keyClicks(dialog.days["tue"], "09:00-12:00, 11:30-14:00")
    assert "overlap on tue" in dialog.field_error("tue")  # named as it is typed
    dialog.ok_button.click()
    assert dialog.isVisible() and dialog.days["tue"].text() == "09:00-12:00, 11:30-14:00"  # kept
    dialog.days["wed"].setText("9-17")
    dialog.ok_button.click()
    assert "09:00-12:00, 13:00-17:00" in dialog.field_error("wed")
    dialog.days["tue"].setText("09:00-12:00, 12:30-17:00")
    dialog.days["wed"].setText("9:00-17:00")  # one digit hours are fine

    dialog.country.setText("DE")
    dialog.subdivision.setText("BY")
    dialog.year.setValue(2027)
    dialog.load_button.click()
    qtbot.waitUntil(lambda: dialog.holidays.count() > 5, timeout=10_000)
    texts = [dialog.holidays.item(row).text() for row in range(dialog.holidays.count())]
    assert texts[0] == "2027-01-01  Neujahr" and "2027-01-06  Heilige Drei Könige" in texts
    assert "holidays of DE-BY 2027 added" in dialog.holiday_status.text()
    epiphany = dialog.holidays.findItems("2027-01-06", Qt.MatchFlag.MatchStartsWith)[0]
    epiphany.setSelected(True)
    dialog.remove_holiday_button.click()
    dialog.subdivision.setText("XX")
    dialog.load_button.click()
    qtbot.waitUntil(lambda: "subdivision" in dialog.holiday_message.error(), timeout=10_000)
    loaded = dialog.holiday_dates()
    assert dt.date(2027, 1, 6) not in loaded and dt.date(2027, 1, 1) in loaded

    dialog.ok_button.click()
    qtbot.waitUntil(lambda: closed(dialog), timeout=10_000)
    assert panel.message.text() == "Calendar added."
    with Session(engine) as session:
        stored = session.scalars(select(SlaCalendar).where(SlaCalendar.name == "Munich office")).one()
        assert stored.timezone == "Europe/Berlin"
        assert stored.hours["mon"] == [["09:00", "12:00"], ["13:00", "17:00"]]
        assert stored.hours["wed"] == [["09:00", "17:00"]] and stored.hours["sat"] == []
        assert sorted(stored.holidays) == [day.isoformat() for day in loaded]

    # editing shows what was saved and changes only what the admin changes
    panel.calendar_list.setCurrentRow(1)
    edit = panel.edit_calendar()
    assert edit is not None and edit.days["mon"].text() == "09:00-12:00, 13:00-17:00"
    assert edit.holiday_dates() == loaded and edit.timezone.currentText() == "Europe/Berlin"
    edit.days["sat"].setText("10:00-14:00")
    edit.ok_button.click()
    qtbot.waitUntil(lambda: closed(edit), timeout=10_000)
    assert panel.message.text() == "Calendar saved."
    with Session(engine) as session:
        changed = session.scalars(select(SlaCalendar).where(SlaCalendar.name == "Munich office")).one()
        assert changed.hours["sat"] == [["10:00", "14:00"]] and changed.hours["mon"] == stored.hours["mon"]
        assert sorted(changed.holidays) == [day.isoformat() for day in loaded]

    # the same name again: the server's refusal shows in the dialog, which keeps the input
    again = panel.add_calendar()
    again.name.setText("munich OFFICE")
    again.ok_button.click()
    qtbot.waitUntil(lambda: "already exists" in again.message.error(), timeout=10_000)
    assert again.isVisible() and again.name.text() == "munich OFFICE" and again.ok_button.isEnabled()
    again.reject()


def test_admin_writes_policies_with_breach_actions_and_reorders_them(
    qtbot: QtBot, admin: AdminConsole, engine: Engine
) -> None:
    panel = opened(qtbot, admin)
    qtbot.waitUntil(lambda: panel.message.text().endswith("policies."), timeout=10_000)
    dialog = panel.add_policy()
    assert isinstance(dialog, PolicyDialog)
    qtbot.keyClicks(dialog.name, "Urgent")
    for target in (dialog.first_response, dialog.next_response, dialog.resolution):
        target.none.setChecked(True)
    dialog.ok_button.click()
    assert "at least one target" in dialog.field_error("first_response_minutes")
    assert dialog.isVisible()
    dialog.first_response.none.setChecked(False)
    dialog.first_response.hours.setValue(0)
    dialog.first_response.minutes.setValue(30)
    dialog.resolution.none.setChecked(False)
    dialog.resolution.hours.setValue(8)
    for row in range(dialog.priorities.count()):
        item = dialog.priorities.item(row)
        if item.text() in ("Critical", "High"):
            item.setCheckState(Qt.CheckState.Checked)
    dialog.pauses[Status.ON_HOLD].setChecked(False)
    dialog.pauses[Status.IN_PROGRESS].setChecked(True)
    dialog.raise_priority.setChecked(True)
    dialog.reassign_to.setCurrentIndex(dialog.reassign_to.findText("Ada Admin"))
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: closed(dialog), timeout=10_000)

    standard = panel.add_policy()
    standard.name.setText("Standard")
    standard.warning.setValue(90)
    standard.ok_button.click()
    qtbot.waitUntil(lambda: closed(standard), timeout=10_000)
    assert [panel.policy_list.item(r).text().split(" — ")[0] for r in range(2)] == ["Urgent", "Standard"]
    assert panel.policy_list.item(0).text() == "Urgent — first 30 min · next — · resolution 8 h 00"

    panel.policy_list.setCurrentRow(1)
    assert panel.up_button.isEnabled() and not panel.down_button.isEnabled()
    panel.up_button.click()
    qtbot.waitUntil(lambda: panel.message.text() == "Policy order saved.", timeout=10_000)
    assert [p.name for p in panel.policies] == ["Standard", "Urgent"]
    assert panel.selected_policy() is not None and panel.selected_policy().name == "Standard"

    with Session(engine) as session:
        stored = {p.name: p for p in session.scalars(select(SlaPolicy))}
        urgent, kept = stored["Urgent"], stored["Standard"]
        assert kept.position < urgent.position
        assert urgent.first_response_minutes == 30 and urgent.next_response_minutes is None
        assert urgent.resolution_minutes == 480 and sorted(urgent.priorities) == ["Critical", "High"]
        assert urgent.pause_statuses == [Status.IN_PROGRESS] and kept.pause_statuses == [Status.ON_HOLD]
        assert urgent.breach_raise_priority and not urgent.breach_notify_admins
        ada = session.scalars(select(User).where(User.email == "ada@example.com")).one()
        assert urgent.breach_reassign_to == ada.id
        assert kept.warning_percent == 90 and kept.breach_reassign_to is None

    # editing keeps the rest and shows the saved values
    panel.policy_list.setCurrentRow(1)
    edit = panel.edit_policy()
    assert edit is not None and edit.name.text() == "Urgent" and edit.raise_priority.isChecked()
    assert edit.reassign_to.currentText() == "Ada Admin" and edit.first_response.value() == 30
    assert edit.calendar.currentText() == "24/7" and edit.next_response.value() is None
    edit.notify_admins.setChecked(True)
    edit.ok_button.click()
    qtbot.waitUntil(lambda: closed(edit), timeout=10_000)
    with Session(engine) as session:
        saved = session.scalars(select(SlaPolicy).where(SlaPolicy.name == "Urgent")).one()
        assert saved.breach_notify_admins and saved.breach_raise_priority and saved.version == 3
