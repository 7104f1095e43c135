"""The queue's filter bar: status, priority, category, assignee, created dates, free text,
and saved filters (the built-in "My open", "Unassigned", "Critical", "Breaching soon" and the
user's own).

It only turns what the user picks into a :class:`TicketQuery` (``query_changed``); the console
hands that to the queue model. Saved filters are kept by :class:`SavedFilterBook`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from PySide6.QtCore import QDate, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop.local.saved_filters import SavedFilter, SavedFilterBook, filter_part
from desktop.ui.queue.reference_data import Reference
from ticketing.domain import Status
from ticketing.schemas import TicketQuery

SEARCH_DELAY_MS = 250
#: A date edit at this date means "no limit" (it shows "Any").
NO_DATE = QDate(2000, 1, 1)
ANYONE, ME, NOBODY = "", "me", "none"


class ChoiceButton(QToolButton):
    """A drop-down of checkable choices; shows what is chosen ("Status: Open, On Hold").

    Its accessible name stays "<label> filter"; what is chosen is its accessible description.

    Signals:
        changed(): the user checked or unchecked a choice.
    """

    changed = Signal()

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._label = label
        self.setAccessibleName(f"{label} filter")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._menu = QMenu(self)
        self.setMenu(self._menu)
        self._render()

    def set_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """(value, text) pairs; values chosen before stay chosen if still offered."""
        chosen = set(self.values())
        self._menu.clear()
        for value, text in choices:
            action = QAction(text, self._menu)
            action.setCheckable(True)
            action.setChecked(value in chosen)
            action.setData(value)
            action.toggled.connect(self._on_action_toggled)
            self._menu.addAction(action)
        self._render()

    def values(self) -> list[str]:
        return [str(a.data()) for a in self._menu.actions() if a.isChecked()]

    def set_values(self, values: Sequence[str]) -> None:
        wanted = set(values)
        for action in self._menu.actions():
            action.blockSignals(True)
            action.setChecked(str(action.data()) in wanted)
            action.blockSignals(False)
        self._render()

    def _render(self) -> None:
        chosen = [a.text() for a in self._menu.actions() if a.isChecked()]
        shown = "Any" if not chosen else ", ".join(chosen) if len(chosen) <= 2 else f"{len(chosen)} chosen"
        self.setText(f"{self._label}: {shown}")
        self.setAccessibleDescription(shown)
        self.setToolTip(f"{self._label}: " + (", ".join(chosen) if chosen else "any"))

    @Slot(bool)
    def _on_action_toggled(self, _checked: bool) -> None:
        self._render()
        self.changed.emit()


def _local_midnight(day: QDate) -> dt.datetime:
    """Midnight at the start of ``day`` in the computer's time zone, as an aware time."""
    return dt.datetime(day.year(), day.month(), day.day()).astimezone()


def _date_of(moment: dt.datetime | None) -> QDate:
    if moment is None:
        return NO_DATE
    local = moment.astimezone()
    return QDate(local.year, local.month, local.day)


class DateField(QDateEdit):
    """A date with a "no limit" state (shown as "Any")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setMinimumDate(NO_DATE)
        self.setSpecialValueText("Any")
        self.setDate(NO_DATE)

    @override
    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        self.lineEdit().setAccessibleName(name)  # screen readers land on the inner editor

    def day(self) -> QDate | None:
        return None if self.date() == NO_DATE else self.date()

    def set_day(self, day: QDate | None) -> None:
        self.setDate(day or NO_DATE)

    def pick_today_if_empty(self) -> None:
        if self.day() is None:
            self.setDate(QDate.currentDate())


class FilterBar(QWidget):
    """What the queue shows, as the user picks it.

    Signals:
        query_changed(): :meth:`query` has changed (text edits are debounced).
    """

    query_changed = Signal()

    def __init__(self, book: SavedFilterBook, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._applying = False
        self._reference = Reference()

        self.saved_label = QLabel("Sav&ed filter:")
        self.saved = QComboBox()
        self.saved.setAccessibleName("Saved filter")
        self.saved.setPlaceholderText("Choose…")
        self.saved.setMinimumContentsLength(14)
        self.saved_label.setBuddy(self.saved)
        self.search_label = QLabel("&Search:")
        self.search = QLineEdit()
        self.search.setAccessibleName("Search")
        self.search.setPlaceholderText("Words in titles, descriptions or comments, or a TKT number")
        self.search.setClearButtonEnabled(True)
        self.search_label.setBuddy(self.search)
        self.save_button = QPushButton("Save filter…")
        self.save_button.setAccessibleName("Save filter…")
        self.save_button.setToolTip("Keep the current filter under a name")
        self.delete_button = QPushButton("Delete filter")
        self.delete_button.setAccessibleName("Delete filter")
        self.delete_button.setToolTip("Forget the chosen saved filter")
        self.delete_button.setEnabled(False)

        self.status = ChoiceButton("Status")
        self.status.set_choices([(s.value, s.value) for s in Status])
        self.priority = ChoiceButton("Priority")
        self.category = ChoiceButton("Category")
        self.assignee_label = QLabel("Assi&gnee:")
        self.assignee = QComboBox()
        self.assignee.setAccessibleName("Assignee filter")  # the open ticket has an assignee too
        self.assignee_label.setBuddy(self.assignee)
        self.created_from_label = QLabel("Created f&rom:")
        self.created_from = DateField()
        self.created_from.setAccessibleName("Created from")
        self.created_from_label.setBuddy(self.created_from)
        self.created_to_label = QLabel("t&o:")
        self.created_to = DateField()
        self.created_to.setAccessibleName("Created to")
        self.created_to_label.setBuddy(self.created_to)
        self.breaching = QCheckBox("&Breaching soon")
        self.breaching.setAccessibleName("Breaching soon")
        self.breaching.setToolTip(
            "Open tickets whose nearest SLA target is in warning, missed, or due within two hours"
        )
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setAccessibleName("Clear filters")
        self._fill_assignees()

        top = QHBoxLayout()
        top.addWidget(self.saved_label)
        top.addWidget(self.saved)
        top.addWidget(self.save_button)
        top.addWidget(self.delete_button)
        top.addSpacing(12)
        top.addWidget(self.search_label)
        top.addWidget(self.search, 1)
        bottom = QHBoxLayout()
        for widget in (
            self.status,
            self.priority,
            self.category,
            self.assignee_label,
            self.assignee,
            self.created_from_label,
            self.created_from,
            self.created_to_label,
            self.created_to,
            self.breaching,
        ):
            bottom.addWidget(widget)
        bottom.addStretch(1)
        bottom.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(bottom)

        order: list[QWidget] = [
            self.saved,
            self.save_button,
            self.delete_button,
            self.search,
            self.status,
            self.priority,
            self.category,
            self.assignee,
            self.created_from,
            self.created_to,
            self.breaching,
            self.clear_button,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        for button in (self.status, self.priority, self.category):
            button.changed.connect(self._on_filter_edited)
        self.assignee.activated.connect(self._on_filter_edited)
        self.created_from.dateChanged.connect(self._on_filter_edited)
        self.created_to.dateChanged.connect(self._on_filter_edited)
        self.breaching.toggled.connect(self._on_filter_edited)
        self.saved.activated.connect(self._on_saved_activated)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        self._fill_saved()

    # --- the query ----------------------------------------------------------------------------

    def query(self) -> TicketQuery:
        """The filter part of the queue's query (sort and paging are the view's)."""
        created_from, created_to = self.created_from.day(), self.created_to.day()
        assignee = str(self.assignee.currentData() or "") or None
        return TicketQuery(
            status=[Status(s) for s in self.status.values()],
            priority=self.priority.values(),
            category_id=self.category.values(),  # validated to UUIDs
            assignee=assignee,
            created_from=_local_midnight(created_from) if created_from else None,
            created_to=_local_midnight(created_to.addDays(1)) if created_to else None,
            q=self.search.text().strip() or None,
            breaching_soon=self.breaching.isChecked(),
        )

    def set_query(self, query: TicketQuery) -> None:
        """Show ``query``'s filters (from a saved filter or a metric), then announce it."""
        self._applying = True
        try:
            self.status.set_values([s.value for s in query.status])
            self.priority.set_values(query.priority)
            self.category.set_values([str(c) for c in query.category_id])
            self._select_assignee(query.assignee)
            self.created_from.set_day(_date_of(query.created_from) if query.created_from else None)
            end = query.created_to
            self.created_to.set_day(_date_of(end - dt.timedelta(days=1)) if end else None)
            self.search.setText(query.q or "")
            self.breaching.setChecked(query.breaching_soon)
            self._search_timer.stop()
        finally:
            self._applying = False
        self.query_changed.emit()

    def clear(self) -> None:
        self.saved.setCurrentIndex(-1)
        self.delete_button.setEnabled(False)
        self.set_query(TicketQuery())

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # --- reference lists ------------------------------------------------------------------------

    def set_reference(self, reference: Reference) -> None:
        """Offer these categories, priorities and agents (choices made stay if still offered)."""
        self._reference = reference
        self.priority.set_choices([(p.key, p.name) for p in reference.priorities])
        self.category.set_choices(
            [(c.id, c.name if c.is_active else f"{c.name} (retired)") for c in reference.categories]
        )
        current = self.assignee.currentData()
        self._fill_assignees()
        self._select_assignee(str(current) if current else None)

    def _fill_assignees(self) -> None:
        self.assignee.clear()
        self.assignee.addItem("Anyone", ANYONE)
        self.assignee.addItem("Me", ME)
        self.assignee.addItem("Unassigned", NOBODY)
        if self._reference.staff:
            self.assignee.insertSeparator(self.assignee.count())
        for person in self._reference.staff:
            self.assignee.addItem(person.name, person.id)

    def _select_assignee(self, value: str | None) -> None:
        index = self.assignee.findData(value or ANYONE)
        self.assignee.setCurrentIndex(max(index, 0))

    # --- saved filters ------------------------------------------------------------------------

    def saved_filters(self) -> list[SavedFilter]:
        return self._book.all()

    def apply_saved(self, position: int) -> bool:
        """Apply the saved filter at ``position`` (0: "My open"; Ctrl+1..3 use this)."""
        filters = self._book.all()
        if not 0 <= position < len(filters):
            return False
        self.saved.setCurrentIndex(position)
        self.delete_button.setEnabled(not filters[position].builtin)
        self.set_query(filters[position].query)
        return True

    def save_current(self, name: str) -> SavedFilter:
        """Keep the current filters as ``name`` (raises ValueError for a bad name)."""
        saved = self._book.save(name, self.query())
        self._fill_saved()
        self.saved.setCurrentIndex(self.saved.findText(saved.name))
        self.delete_button.setEnabled(True)
        return saved

    def _fill_saved(self) -> None:
        self.saved.clear()
        for position, saved in enumerate(self._book.all()):
            self.saved.addItem(saved.name, saved.name)
            if saved.builtin and position < 9:
                self.saved.setItemData(position, f"Ctrl+{position + 1}", Qt.ItemDataRole.ToolTipRole)
        self.saved.setCurrentIndex(-1)

    # --- slots --------------------------------------------------------------------------------

    @Slot()
    def _on_filter_edited(self) -> None:
        if self._applying:
            return
        self._forget_saved_choice()
        self.query_changed.emit()

    def _forget_saved_choice(self) -> None:
        """The filters no longer are the chosen saved filter."""
        if self.saved.currentIndex() >= 0:
            chosen = self._book.all()[self.saved.currentIndex()]
            if filter_part(chosen.query) != filter_part(self.query()):
                self.saved.setCurrentIndex(-1)
                self.delete_button.setEnabled(False)

    @Slot(str)
    def _on_search_text_changed(self, _text: str) -> None:
        if not self._applying:
            self._search_timer.start()

    @Slot()
    def _on_search_return_pressed(self) -> None:
        if self._search_timer.isActive():
            self._search_timer.stop()
            self._on_filter_edited()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self._on_filter_edited()

    @Slot(int)
    def _on_saved_activated(self, index: int) -> None:
        self.apply_saved(index)

    @Slot()
    def _on_save_button_clicked(self) -> None:
        name, accepted = QInputDialog.getText(self, "Save filter", "Name of the filter:")
        if not accepted:
            return
        try:
            self.save_current(name)
        except (ValueError, OSError) as error:
            QMessageBox.warning(self, "Save filter", str(error))

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        index = self.saved.currentIndex()
        filters = self._book.all()
        if 0 <= index < len(filters) and not filters[index].builtin:
            try:
                self._book.delete(filters[index].name)
            except OSError as error:
                QMessageBox.warning(self, "Delete filter", str(error))
            self._fill_saved()
            self.delete_button.setEnabled(False)

    @Slot()
    def _on_clear_button_clicked(self) -> None:
        self.clear()
