"""A combo box that changes nothing until the user means it.

A closed ``QComboBox`` moves to another item on an arrow key, a typed letter or a turn of the
mouse wheel, and emits ``activated`` exactly as for a pick from its open list (tests/ui/
test_choice_box.py shows it): one stray key would then change a ticket. Here a closed box only
*browses*: the shown item changes, and :attr:`ChoiceBox.chosen` waits for Enter, or for a pick in
the open list; Escape, or leaving the box, shows the applied item again. The wheel is left to
what is around the box (it scrolls the page instead of changing a value under the pointer).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFocusEvent, QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QComboBox, QWidget
from typing_extensions import override

_BROWSE_HINT = "not applied yet: press Enter to apply it or Escape to go back"


class ChoiceBox(QComboBox):
    """A combo box whose value changes only by a deliberate choice (see the module docstring).

    Its accessible description is the applied value, and says so while another one is shown.

    Signals:
        chosen(int): the user chose the item at this index (a pick in the open list, or Enter
            on a closed box showing another item than the applied one).
    """

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._applied = -1
        self._in_closed_key = False
        self.activated.connect(self._on_activated)
        self.currentIndexChanged.connect(self._on_current_index_changed)

    @property
    def applied_index(self) -> int:
        return self._applied

    @property
    def browsing(self) -> bool:
        """A closed box shows another item than the applied one."""
        return self.currentIndex() != self._applied

    def set_applied(self, index: int) -> None:
        """Show ``index`` as the value in effect (after the items were filled, say)."""
        self._applied = index
        self.setCurrentIndex(index)
        self._describe()

    def revert(self) -> None:
        """Show the applied item again."""
        self.setCurrentIndex(self._applied)

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.browsing:
            event.accept()
            self._choose(self.currentIndex())
            return
        if key == Qt.Key.Key_Escape and self.browsing:
            event.accept()
            self.revert()
            return
        # arrows, Home/End, Page keys and typed letters: Qt moves and emits activated; ignored
        self._in_closed_key = True
        try:
            super().keyPressEvent(event)
        finally:
            self._in_closed_key = False

    @override
    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # the page under the pointer scrolls; the value stays

    @override
    def focusOutEvent(self, event: QFocusEvent) -> None:
        if event.reason() != Qt.FocusReason.PopupFocusReason and self.browsing:
            self.revert()
        super().focusOutEvent(event)

    def _choose(self, index: int) -> None:
        self._applied = index
        self._describe()
        self.chosen.emit(index)

    def _describe(self) -> None:
        applied = self.itemText(self._applied) if self._applied >= 0 else ""
        if self.browsing:
            self.setAccessibleDescription(f"{applied}; {self.currentText()} is shown, {_BROWSE_HINT}")
        else:
            self.setAccessibleDescription(applied)

    @Slot(int)
    def _on_activated(self, index: int) -> None:
        if not self._in_closed_key:  # a pick in the open list (its keys never reach us)
            self._choose(index)

    @Slot(int)
    def _on_current_index_changed(self, _index: int) -> None:
        self._describe()
