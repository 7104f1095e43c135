"""The admin console's small forms: fields validated inline with the shared schemas, the
server's refusal shown in the dialog, which stays open (and keeps what was typed) until the
server has accepted.

A dialog never sends anything itself: it emits ``submitted`` with the validated input, and the
panel that opened it runs the request in a background task and then calls :meth:`done_ok` or
:meth:`show_error`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override


def friendly(message: str) -> str:
    """A pydantic message as a sentence ("Value error, x" -> "X")."""
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    text = message.replace("String should have at least", "Use at least").replace(
        "String should have at most", "Use at most"
    )
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def name_control(widget: QWidget, name: str) -> None:
    """Give a control its label as accessible name (a spin box's inner editor too, which is
    where the focus and the screen reader go)."""
    widget.setAccessibleName(name)
    if isinstance(widget, QAbstractSpinBox):
        widget.lineEdit().setAccessibleName(name)


class ErrorLabel(QLabel):
    """A problem in words, marked by a sign and weight rather than a colour, so it reads in
    any palette; hidden while there is nothing to say."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAccessibleName(f"{name} error")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.font()
        font.setBold(True)
        self.setFont(font)
        self.hide()

    def set_error(self, text: str, *, shown: bool = True) -> None:
        self.setText(f"⚠ {text}" if text else "")
        self.setVisible(bool(text) and shown)

    def error(self) -> str:
        return self.text().removeprefix("⚠ ") if not self.isHidden() else ""


class FieldError(ValueError):
    """A check the schema cannot make (two password fields that differ)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class FormDialog(QDialog):
    """A form whose fields are checked by :meth:`build` (a schema) as the user types.

    Signals:
        submitted(BaseModel): the user confirmed valid input; the opener sends it.
    """

    submitted = Signal(object)

    def __init__(self, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setModal(True)
        self.setMinimumWidth(420)
        self._fields: dict[str, tuple[QWidget, ErrorLabel]] = {}
        self._touched: set[str] = set()
        self._busy = False
        self.form = QFormLayout()
        self.message = ErrorLabel("Request")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setAccessibleName(ok_text.replace("&", ""))
        self.ok_button.setDefault(True)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    # --- fields ---------------------------------------------------------------------------------

    def add_field(self, name: str, label: str, widget: QWidget) -> QWidget:
        """A labelled field with its error line under it; ``label`` may hold an ``&`` mnemonic."""
        caption = QLabel(label)
        caption.setBuddy(widget)
        plain = label.replace("&", "").rstrip(":")
        name_control(widget, plain)
        errors = ErrorLabel(plain)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        column.addWidget(errors)
        self.form.addRow(caption, holder)
        self._fields[name] = (widget, errors)
        changed = _changed_signal(widget)
        if changed is not None:
            changed.connect(lambda *_: self._on_field_edited(name))
        return widget

    def field(self, name: str) -> QWidget:
        return self._fields[name][0]

    def field_error(self, name: str) -> str:
        return self._fields[name][1].error()

    # --- validation -----------------------------------------------------------------------------

    def build(self) -> BaseModel:
        """The input as the schema the server takes; raises ValidationError or ValueError."""
        raise NotImplementedError

    def validate(self, *, show_all: bool) -> BaseModel | None:
        """Check the fields; show errors of the fields touched so far (or all)."""
        errors: dict[str, str] = {}
        result: BaseModel | None = None
        try:
            result = self.build()
        except ValidationError as error:
            for item in error.errors():
                name = str(item["loc"][0]) if item["loc"] else ""
                errors.setdefault(name if name in self._fields else "", friendly(str(item["msg"])))
        except FieldError as error:
            errors[error.field] = error.message
        for name, (_widget, label) in self._fields.items():
            label.set_error(errors.get(name, ""), shown=show_all or name in self._touched)
        general = errors.get("", "")
        if general and show_all:
            self.show_error(general)
        elif not self._busy:
            self.message.hide()
        return result

    # --- the request ------------------------------------------------------------------------------

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.ok_button.setEnabled(not busy)
        for widget, _label in self._fields.values():
            widget.setEnabled(not busy)

    def show_error(self, text: str) -> None:
        """The server refused: say why, keep the dialog and what was typed."""
        self.set_busy(False)
        self.message.set_error(text)

    def done_ok(self) -> None:
        self.set_busy(False)
        super().accept()

    @override
    def accept(self) -> None:
        if self._busy:
            return
        data = self.validate(show_all=True)
        if data is None:
            first = next((w for w, label in self._fields.values() if not label.isHidden()), None)
            if first is not None:
                first.setFocus()
            return
        self.message.hide()
        self.set_busy(True)
        self.submitted.emit(data)

    @Slot()
    def _on_field_edited(self, name: str) -> None:
        self._touched.add(name)
        self.validate(show_all=False)


def _changed_signal(widget: QWidget) -> Any:
    if isinstance(widget, QLineEdit):
        return widget.textChanged
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged
    if isinstance(widget, QSpinBox):
        return widget.valueChanged
    return None


def password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def check_same(first: QLineEdit, second: QLineEdit, field: str) -> None:
    if first.text() != second.text():
        raise FieldError(field, "The two passwords differ.")


class NameDialog(FormDialog):
    """One name (and, for a new priority, its rank) checked by ``make``'s schema."""

    def __init__(
        self,
        title: str,
        ok_text: str,
        make: Callable[[str, int | None], BaseModel],
        *,
        name: str = "",
        rank: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, ok_text, parent)
        self._make = make
        self.name = QLineEdit(name)
        self.add_field("name", "&Name:", self.name)
        self.rank: QSpinBox | None = None
        if rank is not None:
            self.rank = QSpinBox()
            self.rank.setRange(0, 1_000_000)
            self.rank.setValue(rank)
            self.rank.setToolTip("Higher is more urgent; lists show the most urgent first")
            self.add_field("rank", "&Rank:", self.rank)
        self.name.selectAll()

    @override
    def build(self) -> BaseModel:
        return self._make(self.name.text(), None if self.rank is None else self.rank.value())
