"""The databases runs are stored in: the registered ones, and those factories hand out per request.

A factory may build a new ``SqliteDb`` for every request (the natural per-tenant pattern). Each
one would open its own connection and writer thread, and reads would search every one of them
forever: a thread and descriptors per request, without end. The pool keeps one ``SqliteDb`` per
file (the first one seen, or the registered one for a registered file) and at most
``max_extra`` files beyond the registered ones: the least recently used is closed (its
connection and thread; a run still writing to it reopens it) and no longer searched by reads
that cannot ask the factory, so a run stored in it is found again once its file is in use again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable

from agentos_reference.storage import SqliteDb

logger = logging.getLogger("agentos_reference.databases")

IN_MEMORY = ":memory:"


def file_key(db: SqliteDb) -> str:
    """What makes two ``SqliteDb`` the same database: the file their path resolves to."""
    if str(db.path) == IN_MEMORY:
        return f"{IN_MEMORY}{id(db)}"  # every in-memory database is its own
    return str(db.path.resolve())


class DatabasePool:
    def __init__(self, registered: Iterable[SqliteDb], *, max_extra: int) -> None:
        if max_extra < 1:
            raise ValueError(f"max_extra must be at least 1, got {max_extra}")
        self.max_extra = max_extra
        self._registered: dict[str, SqliteDb] = {}
        for db in registered:
            self._registered.setdefault(file_key(db), db)
        self._extra: OrderedDict[str, SqliteDb] = OrderedDict()

    def adopt(self, db: SqliteDb) -> SqliteDb:
        """The pool's database for ``db``'s file: ``db`` itself when the file is new to the pool."""
        key = file_key(db)
        known = self._registered.get(key)
        if known is not None:
            return known
        known = self._extra.get(key)
        if known is not None:
            self._extra.move_to_end(key)
            return known
        self._extra[key] = db
        while len(self._extra) > self.max_extra:
            _, evicted = self._extra.popitem(last=False)
            logger.info("closing %r: more than %d databases from factories are open", evicted, self.max_extra)
            evicted.close()
        return db

    def searched(self, first: SqliteDb) -> list[SqliteDb]:
        """Where reads look for a run: ``first``, the registered databases, then the others, most
        recently used first (each file once)."""
        ordered = {file_key(first): first}
        for key, db in [*self._registered.items(), *reversed(self._extra.items())]:
            ordered.setdefault(key, db)
        return list(ordered.values())

    def close(self) -> None:
        for db in [*self._registered.values(), *self._extra.values()]:
            db.close()
        self._extra.clear()
