"""The Service levels tab's editors: a business calendar and an SLA policy.

Both check what they can before anything is sent, with the same arithmetic the server uses
(:meth:`ticketing.business_time.Calendar.parse`, :class:`ticketing.sla.Policy`), so that an
overlapping range or a malformed time is named at its field as it is typed; what only the
server knows comes back as its 422 message in the dialog, which keeps what was typed.

Like every :class:`FormDialog`, neither sends anything: the Service levels panel does, and
it also looks up a country's holidays when the calendar editor asks (``holidays_wanted``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zoneinfo
from collections.abc import Sequence

from pydantic import BaseModel
from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop.ui.admin.dialogs import ErrorLabel, FieldError, FormDialog, name_control
from ticketing.business_time import WEEKDAYS, Calendar, CalendarError
from ticketing.domain import Status
from ticketing.schemas import CategoryOut, PriorityOut, UserOut
from ticketing.sla import Policy, PolicyError, check_has_a_target
from ticketing.sla_schemas import (
    BreachActions,
    CalendarCreate,
    CalendarOut,
    HolidaysOut,
    HolidaysQuery,
    PolicyCreate,
    PolicyOut,
    WeekHours,
)

DAY_LABELS = dict(
    zip(
        WEEKDAYS,
        ("&Monday", "&Tuesday", "&Wednesday", "T&hursday", "&Friday", "S&aturday", "Sunda&y"),
        strict=True,
    )
)
#: One range as typed: ``09:00-12:00`` (spaces and an en dash allowed).
_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-\u2013]\s*(\d{1,2}:\d{2})\s*$")
PAUSABLE = (Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD)


def ranges_text(ranges: Sequence[Sequence[str]]) -> str:
    """``[["09:00", "12:00"], ["13:00", "17:00"]]`` as ``09:00-12:00, 13:00-17:00``."""
    return ", ".join(f"{start}-{end}" for start, end in ranges)


def parse_ranges(day: str, text: str) -> list[list[str]]:
    """A day's field as ranges; raises :class:`FieldError` naming the day."""
    ranges = []
    for part in filter(str.strip, text.split(",")):
        match = _RANGE.match(part)
        if match is None:
            raise FieldError(day, f"Write ranges as 09:00-12:00, 13:00-17:00 (not {part.strip()!r}).")
        ranges.append([_padded(match.group(1)), _padded(match.group(2))])
    return ranges


def _padded(clock: str) -> str:
    hours, minutes = clock.split(":")
    return f"{int(hours):02d}:{minutes}"


class CalendarDialog(FormDialog):
    """Name, time zone, working ranges per weekday and holidays of a business calendar.

    Signals:
        submitted(CalendarCreate): valid input; the panel creates or changes the calendar.
        holidays_wanted(HolidaysQuery): "Load holidays" was pressed; the panel answers with
            :meth:`add_holidays` or :meth:`show_holidays_error`.
    """

    holidays_wanted = Signal(object)

    def __init__(
        self, title: str, ok_text: str, calendar: CalendarOut | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(title, ok_text, parent)
        self.setMinimumWidth(600)
        self.name = QLineEdit(calendar.name if calendar else "")
        self.add_field("name", "&Name:", self.name)
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.addItems(sorted(zoneinfo.available_timezones()))
        self.timezone.setCurrentText(calendar.timezone if calendar else "Europe/Berlin")
        self.add_field("timezone", "Time &zone:", self.timezone)
        self.timezone.currentTextChanged.connect(lambda *_: self._on_field_edited("timezone"))
        hours = calendar.hours if calendar else {day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]}
        self.days: dict[str, QLineEdit] = {}
        for day in WEEKDAYS:
            field = QLineEdit(ranges_text(hours.get(day, [])))
            field.setPlaceholderText("No working hours")
            field.setToolTip("Working ranges, e.g. 09:00-12:00, 13:00-17:00; empty: a day off")
            self.days[day] = field
            self.add_field(day, DAY_LABELS[day] + ":", field)
        self.holidays = QListWidget()
        self.holidays.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.holidays.setMinimumHeight(120)
        self.holidays.setAccessibleName("Holidays")
        for holiday in calendar.holidays if calendar else []:
            self._add_holiday(holiday, "")
        self.add_field("holidays", "Ho&lidays:", self._holiday_box())

    def _holiday_box(self) -> QWidget:
        self.holiday_date = QDateEdit(QDate.currentDate())
        self.holiday_date.setCalendarPopup(True)
        self.holiday_date.setDisplayFormat("yyyy-MM-dd")
        name_control(self.holiday_date, "Holiday date")
        self.add_holiday_button = QPushButton("Add dat&e")
        self.remove_holiday_button = QPushButton("&Remove")
        self.country = QLineEdit("DE")
        self.country.setMaxLength(3)
        self.country.setFixedWidth(50)
        name_control(self.country, "Country")
        self.country.setToolTip("Country code, e.g. DE, FR, US")
        self.subdivision = QLineEdit()
        self.subdivision.setPlaceholderText("State")
        self.subdivision.setFixedWidth(70)
        self.subdivision.setToolTip("Optional state or region, e.g. BY")
        name_control(self.subdivision, "State or region")
        self.year = QSpinBox()
        self.year.setRange(1950, 2100)
        self.year.setValue(dt.date.today().year)
        name_control(self.year, "Year")
        self.load_button = QPushButton("L&oad holidays")
        self.holiday_message = ErrorLabel("Holidays")
        self.holiday_status = QLabel()
        self.holiday_status.setAccessibleName("Holidays message")
        self.holiday_status.setWordWrap(True)
        for button in (self.add_holiday_button, self.remove_holiday_button, self.load_button):
            button.setAccessibleName(button.text().replace("&", ""))
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.holidays)
        edit = QHBoxLayout()
        edit.addWidget(self.holiday_date)
        edit.addWidget(self.add_holiday_button)
        edit.addWidget(self.remove_holiday_button)
        edit.addStretch(1)
        load = QHBoxLayout()
        caption = QLabel("Country, state, year:")
        caption.setMinimumWidth(caption.sizeHint().width())
        load.addWidget(caption)
        load.addWidget(self.country)
        load.addWidget(self.subdivision)
        load.addWidget(self.year)
        load.addWidget(self.load_button)
        load.addStretch(1)
        column.addLayout(edit)
        column.addLayout(load)
        column.addWidget(self.holiday_message)
        column.addWidget(self.holiday_status)
        self.add_holiday_button.clicked.connect(self._on_add_holiday_clicked)
        self.remove_holiday_button.clicked.connect(self._on_remove_holiday_clicked)
        self.load_button.clicked.connect(self._on_load_clicked)
        return box

    # --- holidays ---------------------------------------------------------------------------------

    def holiday_dates(self) -> list[dt.date]:
        items = (self.holidays.item(row) for row in range(self.holidays.count()))
        return sorted(item.data(Qt.ItemDataRole.UserRole) for item in items)

    def _add_holiday(self, day: dt.date, name: str) -> bool:
        if day in self.holiday_dates():
            return False
        item = QListWidgetItem(f"{day.isoformat()}  {name}".rstrip())
        item.setData(Qt.ItemDataRole.UserRole, day)
        row = sum(1 for other in self.holiday_dates() if other < day)
        self.holidays.insertItem(row, item)
        return True

    def add_holidays(self, found: HolidaysOut) -> None:
        """The panel's answer to ``holidays_wanted``: add those not listed yet."""
        self.load_button.setEnabled(True)
        added = sum(self._add_holiday(h.date, h.name) for h in found.holidays)
        where = found.country + (f"-{found.subdivision}" if found.subdivision else "")
        self.holiday_message.set_error("")
        self.holiday_status.setText(
            f"{added} holidays of {where} {found.year} added; remove any you work on."
        )

    def show_holidays_error(self, text: str) -> None:
        self.load_button.setEnabled(True)
        self.holiday_status.setText("")
        self.holiday_message.set_error(text)

    @Slot()
    def _on_add_holiday_clicked(self) -> None:
        picked = self.holiday_date.date()
        self._add_holiday(dt.date(picked.year(), picked.month(), picked.day()), "")

    @Slot()
    def _on_remove_holiday_clicked(self) -> None:
        for item in self.holidays.selectedItems():
            self.holidays.takeItem(self.holidays.row(item))

    @Slot()
    def _on_load_clicked(self) -> None:
        try:
            query = HolidaysQuery(
                country=self.country.text().strip(),
                year=self.year.value(),
                subdivision=self.subdivision.text().strip() or None,
            )
        except ValueError:
            self.holiday_message.set_error("Enter a country code such as DE (and a state such as BY).")
            return
        self.holiday_message.set_error("")
        self.load_button.setEnabled(False)
        self.holidays_wanted.emit(query)

    # --- the calendar -----------------------------------------------------------------------------

    @override
    def build(self) -> BaseModel:
        hours = {day: parse_ranges(day, field.text()) for day, field in self.days.items()}
        timezone = self.timezone.currentText().strip()
        try:
            Calendar.parse(timezone, hours, self.holiday_dates())
        except CalendarError as error:
            field = error.field.removeprefix("hours.")
            known = field in self.days or field == "timezone"
            raise FieldError(field if known else "", _sentence(error.message)) from None
        return CalendarCreate(
            name=self.name.text(),
            timezone=timezone,
            hours=WeekHours.model_validate(hours),
            holidays=self.holiday_dates(),
        )


class TargetField(QWidget):
    """A target as hours and minutes, or "No target"."""

    def __init__(self, name: str, minutes: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hours = QSpinBox()
        self.hours.setRange(0, 99_999)
        self.hours.setSuffix(" h")
        self.minutes = QSpinBox()
        self.minutes.setRange(0, 59)
        self.minutes.setSuffix(" min")
        self.none = QCheckBox("No target")
        name_control(self.hours, f"{name} hours")
        name_control(self.minutes, f"{name} minutes")
        self.none.setAccessibleName(f"{name}: no target")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.hours)
        row.addWidget(self.minutes)
        row.addWidget(self.none)
        row.addStretch(1)
        self.none.toggled.connect(self._on_none_toggled)
        self.set_minutes(minutes)

    def set_minutes(self, minutes: int | None) -> None:
        self.none.setChecked(minutes is None)
        self.hours.setValue((minutes or 0) // 60)
        self.minutes.setValue((minutes or 0) % 60)
        self._on_none_toggled(minutes is None)

    def value(self) -> int | None:
        return None if self.none.isChecked() else self.hours.value() * 60 + self.minutes.value()

    @Slot(bool)
    def _on_none_toggled(self, none: bool) -> None:
        self.hours.setEnabled(not none)
        self.minutes.setEnabled(not none)


def _checkable_list(items: Sequence[tuple[str, object]], checked: set[str]) -> QListWidget:
    widget = QListWidget()
    widget.setMaximumHeight(110)
    for text, key in items:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if str(key) in checked else Qt.CheckState.Unchecked)
        widget.addItem(item)
    return widget


def checked_keys(widget: QListWidget) -> list[object]:
    items = (widget.item(row) for row in range(widget.count()))
    return [
        item.data(Qt.ItemDataRole.UserRole) for item in items if item.checkState() == Qt.CheckState.Checked
    ]


class PolicyDialog(FormDialog):
    """Which tickets a policy matches, its calendar, targets, pauses, warning and what a
    breach does.

    Signals:
        submitted(PolicyCreate): valid input; the panel creates or changes the policy (its
            position is the panel's: the list's order).
    """

    def __init__(
        self,
        title: str,
        ok_text: str,
        *,
        priorities: Sequence[PriorityOut],
        categories: Sequence[CategoryOut],
        calendars: Sequence[CalendarOut],
        staff: Sequence[UserOut],
        policy: PolicyOut | None = None,
        position: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, ok_text, parent)
        self.setMinimumWidth(560)
        self._position = policy.position if policy else position
        self.name = QLineEdit(policy.name if policy else "")
        self.add_field("name", "&Name:", self.name)
        self.priorities = _checkable_list(
            [(p.name, p.key) for p in priorities if p.is_active or (policy and p.key in policy.priorities)],
            set(policy.priorities) if policy else set(),
        )
        self.priorities.setToolTip("None checked: any priority")
        self.add_field("priorities", "&Priorities:", self.priorities)
        self.categories = _checkable_list(
            [(c.name, c.id) for c in categories if c.is_active or (policy and c.id in policy.category_ids)],
            {str(c) for c in policy.category_ids} if policy else set(),
        )
        self.categories.setToolTip("None checked: any category")
        self.add_field("category_ids", "Cate&gories:", self.categories)
        self.calendar = QComboBox()
        for calendar in calendars:
            self.calendar.addItem(calendar.name, str(calendar.id))  # Qt finds text, not UUIDs
        if policy is not None:
            self.calendar.setCurrentIndex(max(0, self.calendar.findData(str(policy.calendar_id))))
        self.add_field("calendar_id", "&Calendar:", self.calendar)
        self.first_response = TargetField("First response", policy.first_response_minutes if policy else 60)
        self.next_response = TargetField("Next response", policy.next_response_minutes if policy else None)
        self.resolution = TargetField("Resolution", policy.resolution_minutes if policy else 8 * 60)
        self.add_field("first_response_minutes", "&First response:", self.first_response)
        self.add_field("next_response_minutes", "Ne&xt response:", self.next_response)
        self.add_field("resolution_minutes", "&Resolution:", self.resolution)
        paused = set(policy.pause_statuses) if policy else {Status.ON_HOLD}
        self.pauses: dict[Status, QCheckBox] = {}
        pause_box = QWidget()
        pause_row = QHBoxLayout(pause_box)
        pause_row.setContentsMargins(0, 0, 0, 0)
        for status in PAUSABLE:
            box = QCheckBox(str(status))
            box.setChecked(status in paused)
            box.setAccessibleName(f"Pause in {status}")
            self.pauses[status] = box
            pause_row.addWidget(box)
        pause_row.addStretch(1)
        self.add_field("pause_statuses", "Pa&use in:", pause_box)
        self.warning = QSpinBox()
        self.warning.setRange(1, 100)
        self.warning.setSuffix(" %")
        self.warning.setValue(policy.warning_percent if policy else 80)
        self.warning.setToolTip("Warn when this share of a target has passed")
        self.add_field("warning_percent", "&Warn at:", self.warning)
        actions = policy.breach_actions if policy else BreachActions()
        self.raise_priority = QCheckBox("Raise the ticket's priority")
        self.raise_priority.setChecked(actions.raise_priority)
        self.reassign_to = QComboBox()
        self.reassign_to.addItem("Nobody (keep the assignee)", None)
        for person in staff:
            self.reassign_to.addItem(person.name, str(person.id))
        if actions.reassign_to is not None:
            self.reassign_to.setCurrentIndex(max(0, self.reassign_to.findData(str(actions.reassign_to))))
        name_control(self.reassign_to, "Reassign breached tickets to")
        self.notify_admins = QCheckBox("Notify the admins")
        self.notify_admins.setChecked(actions.notify_admins)
        breach_box = QWidget()
        breach_column = QVBoxLayout(breach_box)
        breach_column.setContentsMargins(0, 0, 0, 0)
        breach_column.addWidget(self.raise_priority)
        reassign_row = QHBoxLayout()
        reassign_row.addWidget(QLabel("Reassign to:"))
        reassign_row.addWidget(self.reassign_to, 1)
        breach_column.addLayout(reassign_row)
        breach_column.addWidget(self.notify_admins)
        self.add_field("breach_actions", "On &breach:", breach_box)

    @override
    def build(self) -> BaseModel:
        targets = {
            "first_response_minutes": self.first_response.value(),
            "next_response_minutes": self.next_response.value(),
            "resolution_minutes": self.resolution.value(),
        }
        pauses = [status for status, box in self.pauses.items() if box.isChecked()]
        priorities = [str(key) for key in checked_keys(self.priorities)]
        categories = [uuid.UUID(str(key)) for key in checked_keys(self.categories)]
        try:
            rules = Policy(
                id="",
                name=self.name.text(),
                priorities=frozenset(priorities),
                pause_statuses=frozenset(pauses),
                warning_percent=self.warning.value(),
                first_response_minutes=targets["first_response_minutes"],
                next_response_minutes=targets["next_response_minutes"],
                resolution_minutes=targets["resolution_minutes"],
            )
            check_has_a_target(rules)
        except PolicyError as error:
            raise FieldError(error.field, _sentence(error.message)) from None
        actions = BreachActions(
            raise_priority=self.raise_priority.isChecked(),
            reassign_to=self.reassign_to.currentData(),
            notify_admins=self.notify_admins.isChecked(),
        )
        return PolicyCreate.model_validate(
            {
                "name": self.name.text(),
                "position": self._position,
                "priorities": priorities,
                "category_ids": categories,
                "calendar_id": self.calendar.currentData(),
                "pause_statuses": pauses,
                "warning_percent": self.warning.value(),
                "breach_actions": actions,
                **targets,
            }
        )


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
