"""The lists the queue's menus offer (categories, priorities, agents), kept current.

Read from the cache in one background task, and again when a sync or an admin change touches
reference data; the filter bar and the bulk actions follow :attr:`ReferenceData.changed`
instead of each reading the cache on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal, Slot

from desktop.store import queries
from desktop.store.database import ChangeSet, Store
from desktop.tasks import TaskRunner


@dataclass(frozen=True)
class Reference:
    categories: list[queries.CategoryRow] = field(default_factory=list)  # active and retired
    priorities: list[queries.PriorityRow] = field(default_factory=list)  # most urgent first
    staff: list[queries.StaffRow] = field(default_factory=list)  # active agents and admins

    @property
    def active_priorities(self) -> list[queries.PriorityRow]:
        return [p for p in self.priorities if p.is_active]

    def priority_name(self, key: str) -> str:
        return next((p.name for p in self.priorities if p.key == key), key)

    def category_name(self, category_id: str) -> str:
        return next((c.name for c in self.categories if c.id == category_id), "")

    def staff_name(self, user_id: str) -> str:
        return next((s.name for s in self.staff if s.id == user_id), "")


def load_reference(store: Store) -> Reference:
    return Reference(
        categories=queries.categories(store, include_inactive=True),
        priorities=queries.priorities(store, include_inactive=True),
        staff=queries.staff(store),
    )


class ReferenceData(QObject):
    """Holds the current :class:`Reference`.

    Signals:
        changed(Reference): a new reading is in place.
    """

    changed = Signal(object)

    def __init__(self, store: Store, tasks: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._tasks = tasks
        self.current = Reference()
        self._generation = 0  # readings finish in any order: only the latest counts

    def reload(self) -> None:
        self._generation += 1
        generation, store = self._generation, self._store
        self._tasks.run(lambda: load_reference(store), lambda r: self._on_loaded(generation, r), owner=self)

    @Slot(object)
    def on_data_changed(self, change: ChangeSet) -> None:
        if change.reference or change.everything:
            self.reload()

    def _on_loaded(self, generation: int, reference: Reference) -> None:
        if generation != self._generation:
            return
        self.current = reference
        self.changed.emit(reference)
