"""A small WYSIWYG editor for descriptions and replies: bold, italic, lists, link, code, and
pasted screenshots.

The editor keeps formatting in a QTextDocument and hands out clean HTML
(:func:`desktop.ui.widgets.rich_text_html.document_to_html`). Pasted HTML is sanitized with the
server's own rules before it enters the document. A pasted image is announced with
:attr:`RichTextEditor.image_pasted`; the owner decides where it is kept and puts it in the text
with :meth:`RichTextEditor.insert_image` (as ``attachment:<id>``).
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QUrl, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QFont,
    QImage,
    QKeySequence,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextImageFormat,
    QTextList,
    QTextListFormat,
)
from PySide6.QtWidgets import QInputDialog, QTextEdit, QToolBar, QVBoxLayout, QWidget
from typing_extensions import override

from desktop.ui.widgets.rich_text_html import document_to_html, is_code
from ticketing.richtext import has_content, sanitize_html

#: Images wider than this are shown scaled down in the editor (the file keeps its size).
MAX_SHOWN_WIDTH = 480


class PastingTextEdit(QTextEdit):
    """A QTextEdit that sanitizes pasted HTML and hands pasted images to its owner.

    Signals:
        image_pasted(QImage): an image was pasted or dropped (only when images are accepted).
    """

    image_pasted = Signal(QImage)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accept_images = False

    @override
    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        if source.hasImage():
            return self.accept_images
        return super().canInsertFromMimeData(source)

    @override
    def insertFromMimeData(self, source: QMimeData) -> None:
        if source.hasImage():
            if self.accept_images:
                image = QImage(source.imageData())
                if not image.isNull():
                    self.image_pasted.emit(image)
            return
        if source.hasHtml():
            self.textCursor().insertHtml(sanitize_html(source.html()))
            return
        if source.hasText():
            self.textCursor().insertText(source.text())


class RichTextEditor(QWidget):
    """A formatting toolbar over a :class:`PastingTextEdit`.

    Signals:
        changed(): the text or its formatting changed.
        image_pasted(QImage): see :class:`PastingTextEdit` (enable with ``accept_images``).
    """

    changed = Signal()
    image_pasted = Signal(QImage)

    def __init__(self, label: str, parent: QWidget | None = None, *, accept_images: bool = False) -> None:
        super().__init__(parent)
        self.edit = PastingTextEdit()
        self.edit.accept_images = accept_images
        self.edit.setAcceptRichText(True)
        self.edit.setTabChangesFocus(True)
        self.edit.setAccessibleName(label)
        self.toolbar = QToolBar(f"{label} formatting")
        self.toolbar.setAccessibleName(f"{label} formatting")

        self.bold_action = self._action("Bold", "B", QKeySequence(QKeySequence.StandardKey.Bold), True)
        self.italic_action = self._action("Italic", "I", QKeySequence(QKeySequence.StandardKey.Italic), True)
        self.bullets_action = self._action("Bulleted list", "• List", QKeySequence("Ctrl+Shift+8"), True)
        self.numbers_action = self._action("Numbered list", "1. List", QKeySequence("Ctrl+Shift+7"), True)
        self.link_action = self._action("Link", "Link", QKeySequence("Ctrl+K"), False)
        self.code_action = self._action("Code", "</>", QKeySequence("Ctrl+E"), True)
        self._style_button(self.bold_action, bold=True)
        self._style_button(self.italic_action, italic=True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.edit, 1)
        self.setFocusProxy(self.edit)

        self.bold_action.triggered.connect(self._on_bold_action_triggered)
        self.italic_action.triggered.connect(self._on_italic_action_triggered)
        self.bullets_action.triggered.connect(self._on_bullets_action_triggered)
        self.numbers_action.triggered.connect(self._on_numbers_action_triggered)
        self.link_action.triggered.connect(self._on_link_action_triggered)
        self.code_action.triggered.connect(self._on_code_action_triggered)
        self.edit.textChanged.connect(self._on_edit_text_changed)
        self.edit.cursorPositionChanged.connect(self._on_edit_cursor_moved)
        self.edit.currentCharFormatChanged.connect(self._on_edit_format_changed)
        self.edit.image_pasted.connect(self.image_pasted)

    def _action(self, name: str, short: str, shortcut: QKeySequence, checkable: bool) -> QAction:
        action = QAction(name, self)
        action.setIconText(short)
        action.setShortcut(shortcut)
        action.setCheckable(checkable)
        action.setToolTip(f"{name} ({shortcut.toString(QKeySequence.SequenceFormat.NativeText)})")
        self.toolbar.addAction(action)
        button = self.toolbar.widgetForAction(action)
        button.setAccessibleName(name)
        # shortcuts work while typing in the editor, not anywhere in the window
        action.setShortcutContext(action.shortcutContext().WidgetWithChildrenShortcut)
        self.addAction(action)
        return action

    def _style_button(self, action: QAction, *, bold: bool = False, italic: bool = False) -> None:
        button = self.toolbar.widgetForAction(action)
        font = button.font()
        font.setBold(bold)
        font.setItalic(italic)
        button.setFont(font)

    # --- content ------------------------------------------------------------------------------

    def html(self) -> str:
        """The text as clean HTML (``""`` if empty)."""
        return document_to_html(self.edit.document())

    def is_empty(self) -> bool:
        return not has_content(sanitize_html(self.html()))

    def set_html(self, html: str, images: dict[str, QImage] | None = None) -> None:
        """Show ``html`` (sanitized first); ``images`` maps ``attachment:<id>`` to pictures."""
        document = self.edit.document()
        for name, image in (images or {}).items():
            document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        self.edit.setHtml(sanitize_html(html))

    def clear(self) -> None:
        self.edit.clear()

    def insert_image(self, name: str, image: QImage) -> None:
        """Put ``image`` at the cursor, known to the document as ``name`` (``attachment:<id>``)."""
        self.edit.document().addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        fmt = QTextImageFormat()
        fmt.setName(name)
        if image.width() > MAX_SHOWN_WIDTH:
            fmt.setWidth(MAX_SHOWN_WIDTH)
            fmt.setHeight(image.height() * MAX_SHOWN_WIDTH / image.width())
        cursor = self.edit.textCursor()
        if not cursor.atBlockStart():  # a screenshot gets a line of its own
            cursor.insertBlock()
        cursor.insertImage(fmt)
        cursor.insertBlock()
        self.edit.setTextCursor(cursor)

    def image_names(self) -> set[str]:
        """The ``attachment:`` images still in the text (a deleted screenshot is dropped)."""
        names: set[str] = set()
        block = self.edit.document().begin()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                fmt = iterator.fragment().charFormat()
                if fmt.isImageFormat():
                    names.add(fmt.toImageFormat().name())
                iterator += 1
            block = block.next()
        return names

    # --- formatting --------------------------------------------------------------------------

    def _merge(self, fmt: QTextCharFormat) -> None:
        """Format the selection, or (without one) what is typed next."""
        self.edit.mergeCurrentCharFormat(fmt)
        self.edit.setFocus()

    @Slot(bool)
    def _on_bold_action_triggered(self, checked: bool) -> None:
        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.Bold if checked else QFont.Weight.Normal)
        self._merge(fmt)

    @Slot(bool)
    def _on_italic_action_triggered(self, checked: bool) -> None:
        fmt = QTextCharFormat()
        fmt.setFontItalic(checked)
        self._merge(fmt)

    @Slot(bool)
    def _on_code_action_triggered(self, checked: bool) -> None:
        fmt = QTextCharFormat()
        fmt.setFontFixedPitch(checked)
        fmt.setFontFamilies(["monospace"] if checked else [self.edit.font().family()])
        self._merge(fmt)

    def _toggle_list(self, style: QTextListFormat.Style) -> None:
        cursor = self.edit.textCursor()
        current: QTextList | None = cursor.currentList()
        if current is not None and current.format().toListFormat().style() == style:
            start, end = cursor.selectionStart(), cursor.selectionEnd()
            block = self.edit.document().findBlock(start)
            while block.isValid() and block.position() <= end:
                current.remove(block)
                fmt = block.blockFormat()
                fmt.setIndent(0)
                QTextCursor(block).setBlockFormat(fmt)
                block = block.next()
        elif current is not None:
            list_format = current.format().toListFormat()
            list_format.setStyle(style)
            current.setFormat(list_format)
        else:
            cursor.createList(style)
        self._on_edit_cursor_moved()

    @Slot()
    def _on_bullets_action_triggered(self) -> None:
        self._toggle_list(QTextListFormat.Style.ListDisc)

    @Slot()
    def _on_numbers_action_triggered(self) -> None:
        self._toggle_list(QTextListFormat.Style.ListDecimal)

    @Slot()
    def _on_link_action_triggered(self) -> None:
        cursor = self.edit.textCursor()
        current = cursor.charFormat().anchorHref()
        address, ok = QInputDialog.getText(self, "Insert link", "Link address:", text=current or "https://")
        address = address.strip()
        if not ok or not address or address == "https://":
            return
        self.insert_link(address)

    def insert_link(self, address: str, text: str | None = None) -> None:
        """Make the selection (or ``text``, or the address itself) a link to ``address``."""
        cursor = self.edit.textCursor()
        fmt = QTextCharFormat()
        fmt.setAnchor(True)
        fmt.setAnchorHref(address)
        fmt.setFontUnderline(True)
        fmt.setForeground(self.palette().link())
        if cursor.hasSelection() and text is None:
            cursor.mergeCharFormat(fmt)
        else:
            cursor.insertText(text or address, fmt)
            cursor.setCharFormat(QTextCharFormat())
            self.edit.setTextCursor(cursor)

    def text_before_cursor(self) -> str:
        """The cursor's paragraph up to the cursor (what a typed trigger such as ``::gre`` ends)."""
        cursor = self.edit.textCursor()
        return cursor.block().text()[: cursor.positionInBlock()]

    def insert_html(self, html: str, *, replacing: int = 0, cursor_mark: str | None = None) -> None:
        """Put sanitized ``html`` at the cursor in place of the ``replacing`` characters before
        it, as one undo step; the cursor then stands where ``cursor_mark`` was in it (the mark
        is removed), else after the inserted text."""
        cursor = self.edit.textCursor()
        cursor.beginEditBlock()
        if replacing:
            cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, replacing)
            cursor.removeSelectedText()
        start = cursor.position()
        cursor.insertHtml(sanitize_html(html))
        end = cursor.position()
        if cursor_mark:
            found = self.edit.document().find(cursor_mark, start)
            if not found.isNull() and found.selectionEnd() <= end:
                found.removeSelectedText()
                cursor = found
        cursor.endEditBlock()
        self.edit.setTextCursor(cursor)

    # --- state of the toolbar ---------------------------------------------------------------

    @Slot()
    def _on_edit_text_changed(self) -> None:
        self.changed.emit()

    @Slot(QTextCharFormat)
    def _on_edit_format_changed(self, fmt: QTextCharFormat) -> None:
        self.bold_action.setChecked(fmt.fontWeight() >= QFont.Weight.DemiBold.value)
        self.italic_action.setChecked(fmt.fontItalic())
        self.code_action.setChecked(is_code(fmt))

    @Slot()
    def _on_edit_cursor_moved(self) -> None:
        current: QTextList | None = self.edit.textCursor().currentList()
        style = current.format().toListFormat().style() if current is not None else None
        self.bullets_action.setChecked(style == QTextListFormat.Style.ListDisc)
        self.numbers_action.setChecked(style == QTextListFormat.Style.ListDecimal)
