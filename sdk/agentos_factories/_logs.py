"""The ``agentos_factories`` logger: each request, retry and response at DEBUG.

Nothing is printed unless the application configures logging, or ``AGENTOS_LOG=debug`` (or
``info``) is set when the SDK is imported, which attaches a stderr handler to this logger alone.
Records carry the method, URL, status, request id, attempt and wait; never headers, so never a
token.
"""

from __future__ import annotations

import logging
import os

__all__ = ["logger", "setup_from_environment"]

logger = logging.getLogger("agentos_factories")

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}


def setup_from_environment() -> None:
    """Apply ``AGENTOS_LOG`` (``debug`` or ``info``); any other value leaves logging alone."""
    level = _LEVELS.get(os.environ.get("AGENTOS_LOG", "").strip().lower())
    if level is None:
        return
    if not any(getattr(handler, "_agentos_env", False) for handler in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        handler._agentos_env = True  # type: ignore[attr-defined]  # marks the handler as ours, so it is added once
        logger.addHandler(handler)
    logger.setLevel(level)
