"""In-process cancellation of runs that are executing right now."""

from __future__ import annotations


class CancelToken:
    """Set once a cancel for the run arrived; the run engine checks it between its steps."""

    def __init__(self) -> None:
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    def is_set(self) -> bool:
        # A method, not a property: a type checker must not assume it unchanged across an await.
        return self._cancelled


class ActiveRuns:
    """The runs this process is executing, by run id."""

    def __init__(self) -> None:
        self._tokens: dict[str, CancelToken] = {}

    def register(self, run_id: str) -> CancelToken:
        token = self._tokens.setdefault(run_id, CancelToken())
        return token

    def unregister(self, run_id: str) -> None:
        self._tokens.pop(run_id, None)

    def cancel(self, run_id: str) -> bool:
        """Signal the run; False when this process is not executing it."""
        token = self._tokens.get(run_id)
        if token is None:
            return False
        token.cancel()
        return True

    def is_active(self, run_id: str) -> bool:
        return run_id in self._tokens

    def run_ids(self) -> list[str]:
        return list(self._tokens)
