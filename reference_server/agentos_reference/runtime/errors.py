"""Why a continue request cannot resume a paused run."""

from __future__ import annotations


class ContinueError(ValueError):
    """The continue request's decisions do not fit the paused run (HTTP 400)."""


class ContinueConflict(RuntimeError):
    """The run is not in a state that can be continued (HTTP 409)."""


class RunFailed(RuntimeError):
    """A model, tool or step failed; the run ends with status ERROR."""
