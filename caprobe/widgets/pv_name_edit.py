"""``PVNameEdit``: where an operator types, pastes or drops a PV name.

History is kept between runs (most recent first) and offered as
completion, matching anywhere in the name. Pasted or dropped text from a
log or a spreadsheet is reduced to its first PV name.
"""
from __future__ import annotations

from PyQt5.QtCore import QStringListModel, Qt, pyqtSignal
from PyQt5.QtGui import QDropEvent, QKeyEvent, QKeySequence
from PyQt5.QtWidgets import QApplication, QCompleter, QLineEdit, QWidget

from caprobe.model import first_pvname, split_pvnames
from caprobe.widgets.settings import PV_HISTORY, read_list, write_list

HISTORY_KEY = PV_HISTORY
HISTORY_LENGTH = 50


def pv_history() -> list[str]:
    return read_list(HISTORY_KEY)


def remember_pvname(pvname: str) -> list[str]:
    """Put ``pvname`` first in the saved history; returns the new history."""
    history = [pvname] + [name for name in pv_history() if name != pvname]
    history = history[:HISTORY_LENGTH]
    write_list(HISTORY_KEY, history)
    return history


class PVNameEdit(QLineEdit):
    """A line edit for one PV name.

    Signals
    -------
    pvname_entered(str)
        Enter was pressed (or a name dropped) with a non-empty name.
    """

    pvname_entered = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("PV name — type, paste or drop; Enter to connect")
        self.setClearButtonEnabled(True)
        self.setAcceptDrops(True)
        self._history_model = QStringListModel(pv_history(), self)
        completer = QCompleter(self._history_model, self)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        completer.setFilterMode(Qt.MatchContains)
        self.setCompleter(completer)
        self.returnPressed.connect(self._on_return_pressed)
        self.textEdited.connect(self._on_text_edited)

    def history(self) -> list[str]:
        return self._history_model.stringList()

    def remember(self, pvname: str) -> None:
        self._history_model.setStringList(remember_pvname(pvname))

    def take_text(self, text: str) -> str:
        """Show the first PV name found in ``text``; returns it."""
        name = first_pvname(text)
        if name:
            self.setText(name)
        return name

    # -- Qt overrides --------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.matches(QKeySequence.Paste):
            self.take_text(QApplication.clipboard().text())
            return
        super().keyPressEvent(event)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasText():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasText():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        name = self.take_text(event.mimeData().text())
        event.acceptProposedAction()
        if name:
            self.pvname_entered.emit(name)

    # -- slots ---------------------------------------------------------------
    def _on_return_pressed(self) -> None:
        name = first_pvname(self.text())
        if name:
            self.setText(name)
            self.pvname_entered.emit(name)

    def _on_text_edited(self, text: str) -> None:
        # Context-menu paste bypasses keyPressEvent; PV names never hold
        # separators, so text that does is reduced to its first name.
        if text != text.strip() or len(split_pvnames(text)) > 1:
            self.setText(first_pvname(text))
