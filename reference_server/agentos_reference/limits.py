"""Limits on what a client can send and hold (all configurable; defaults suit a reference server)."""

from __future__ import annotations

from dataclasses import dataclass

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class Limits:
    """Caps on request sizes; going over one is a 413 (or a 400 for JSON nesting), never a crash."""

    max_body_bytes: int = 2 * MIB
    """A whole request body; refused from ``Content-Length`` alone, or as soon as the stream passes it."""
    max_message_bytes: int = 1 * MIB
    """The ``message`` field, UTF-8 encoded."""
    max_factory_input_bytes: int = 64 * KIB
    """The ``factory_input`` field, UTF-8 encoded."""
    max_json_depth: int = 64
    """Nesting depth of ``factory_input`` and of the JSON fields of a continue request."""
    max_form_fields: int = 64
    """Form parts per request."""
    max_ws_message_bytes: int = 2 * MIB
    """One WebSocket text frame."""
    list_default_limit: int = 20
    """Runs per page of a listing when the client sends no ``limit`` (agno's default page size)."""
    list_max_limit: int = 100
    """The largest ``limit`` a listing accepts (a larger one is a 422)."""
    large_message_bytes: int = 64 * KIB
    """A run whose message is at least this large is admitted under the budget below."""
    large_messages_in_flight_bytes: int = 1 * MIB
    """Message bytes of large runs executing at once; more wait their turn (http/admission.py)."""
    large_run_wait_seconds: float = 30.0
    """How long a large run waits for its turn before it is refused with 503."""
    body_read_timeout_seconds: float = 60.0
    """A request body must have arrived this long after the app starts reading it (else 408)."""
    max_factory_databases: int = 32
    """Database files kept open beyond the registered ones, for factories that hand out a
    ``SqliteDb`` per request (one per file; the least recently used is closed)."""

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if name.endswith("_seconds"):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                    raise ValueError(f"Limits.{name} must be a positive number of seconds, got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive integer, got {value!r}")
