"""How the server logs a failure: one line that names the error, at the level given; the
traceback once more, at debug level only.

A failing request used to log its traceback twice (the app, then uvicorn); on a full disk that
was tens of thousands of lines for a few hundred requests, burying everything else.
"""

from __future__ import annotations

import logging

MAX_ERROR_CHARS = 500


def describe(error: BaseException) -> str:
    """``Type: text`` on one line, bounded (an exception's text may hold anything, and its
    ``str()`` may itself raise: the failure being logged must not become another one)."""
    try:
        text = " ".join(str(error).split())
    except Exception:
        text = "<str() of the exception raised>"
    if len(text) > MAX_ERROR_CHARS:
        text = text[:MAX_ERROR_CHARS] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def log_failure(
    logger: logging.Logger, error: BaseException, message: str, *args: object, level: int = logging.ERROR
) -> None:
    """Log ``message % args`` and the error on one line; the traceback only at debug level."""
    logger.log(level, f"{message}: %s", *args, describe(error))
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(f"{message}: traceback", *args, exc_info=error)
