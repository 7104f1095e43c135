"""What Qt emits from a closed combo box (the reason for ChoiceBox), and that a ChoiceBox is
changed only by a pick in its open list or by Enter, never by a stray arrow key or wheel turn."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.widgets.choice_box import ChoiceBox
from tests.helpers.ui import pick_from_list, turn_wheel


def _shown(qtbot: QtBot, box: QComboBox) -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.addWidget(box)
    layout.addWidget(QLineEdit())
    qtbot.addWidget(page)
    box.addItems(["Open", "In Progress", "On Hold"])
    page.show()
    with qtbot.waitActive(page):  # focus moves only in an active window
        page.activateWindow()
    box.setFocus()
    return page


def test_a_closed_qcombobox_reports_arrows_and_the_wheel_as_choices(qtbot: QtBot) -> None:
    box = QComboBox()
    page = _shown(qtbot, box)
    activated: list[int] = []
    box.activated.connect(activated.append)
    qtbot.keyClick(box, Qt.Key.Key_Down)
    turn_wheel(box)
    assert activated == [1, 2]  # what made one stray key change a ticket
    page.close()


def test_arrows_letters_and_the_wheel_only_browse(qtbot: QtBot) -> None:
    box = ChoiceBox()
    page = _shown(qtbot, box)
    box.set_applied(0)
    chosen: list[int] = []
    box.chosen.connect(chosen.append)

    qtbot.keyClick(box, Qt.Key.Key_Down)
    qtbot.keyClick(box, Qt.Key.Key_O)  # keyboard search moves too
    assert chosen == [] and box.browsing and box.applied_index == 0
    assert "not applied yet" in box.accessibleDescription()
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert (box.currentIndex(), box.accessibleDescription()) == (0, "Open")

    turn_wheel(box)
    assert box.currentIndex() == 0 and chosen == []

    qtbot.keyClick(box, Qt.Key.Key_Down)
    page.findChild(QLineEdit).setFocus()  # Tab away: nothing applied, nothing kept
    assert box.currentIndex() == 0 and chosen == []


def test_enter_and_a_pick_from_the_open_list_choose(qtbot: QtBot) -> None:
    box = ChoiceBox()
    page = _shown(qtbot, box)
    box.set_applied(0)
    chosen: list[int] = []
    box.chosen.connect(chosen.append)

    qtbot.keyClick(box, Qt.Key.Key_Down)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert chosen == [1] and not box.browsing
    assert box.accessibleDescription() == "In Progress"

    pick_from_list(qtbot, box, 2)
    assert chosen == [1, 2] and box.applied_index == 2
    page.close()
