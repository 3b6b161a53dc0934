"""Exceptions of the stub: the ones a reply raises, and the one a bad declaration gets.

A reply raises the spec's server-side exceptions to make the fake deployment answer the way
AgentOS maps them (factories reference, "Exceptions")::

    FactoryError                 500 {"detail": "<Kind> factory error"} (message hidden)
    ├── FactoryPermissionError   403 {"detail": "<message>"}
    └── FactoryValidationError   400 {"detail": "<message>"}
    any other exception          500 {"detail": "Error in <kind> factory: <message>"}

They are the server's exceptions, not the SDK's client errors of the same names: the SDK raises
``agentos_factories.FactoryPermissionError`` when the stub answers 403.
"""

from __future__ import annotations

__all__ = [
    "FactoryError",
    "FactoryPermissionError",
    "FactoryValidationError",
    "StubConfigurationError",
]


class FactoryError(Exception):
    """Raised in a reply: the factory failed (500, message hidden as agno hides it)."""


class FactoryPermissionError(FactoryError):
    """Raised in a reply: the caller is not authorized (403, the message is the detail)."""


class FactoryValidationError(FactoryError):
    """Raised in a reply: the factory rejects its input (400, the message is the detail)."""


class StubConfigurationError(ValueError):
    """The stub was declared or driven wrongly (duplicate id, unknown fault target, bad argument)."""
