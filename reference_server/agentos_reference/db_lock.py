"""One server per database file: an exclusive ``flock`` on a lock file beside it.

A server is in charge of the runs in its file: it fails the ones a crashed predecessor left RUNNING, and
cancels the ones whose client left. A second server on the same file would do both to runs the
first one is executing, so it must not start. The lock is the kernel's: it goes with the process
(a crash or SIGKILL releases it), and it is taken before the database is opened at all.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

IN_MEMORY = ":memory:"


class DatabaseInUse(Exception):
    """Another process serves this database file."""


def lock_path(database: str | os.PathLike[str]) -> Path:
    """The lock file of a database: beside it, named after the file the path resolves to (so every
    spelling of the path, symlinks included, takes the same lock)."""
    resolved = Path(database).resolve()
    return resolved.with_name(f"{resolved.name}.lock")


class DatabaseLock:
    """Holds a database file's lock for the ``with`` block (a no-op for ``:memory:``)."""

    def __init__(self, database: str | os.PathLike[str]) -> None:
        self.database = str(database)
        self._fd: int | None = None

    def __enter__(self) -> DatabaseLock:
        if self.database == IN_MEMORY:
            return self
        path = lock_path(self.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise DatabaseInUse(
                f"{self.database} is served by another agentos-reference process{holder}"
                f" (one server per database file; lock {path})"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        # The holder's pid, for the message a second server prints; the lock itself is what counts.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            # Closing the descriptor releases the lock; the file stays (deleting it would race a
            # server that just opened it).
            os.close(self._fd)
            self._fd = None


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {text})" if text.isdigit() else ""
