"""The one error of the generator: it cannot do what it was asked (exit status 2, one line)."""

from __future__ import annotations

__all__ = ["CodegenError"]


class CodegenError(Exception):
    """Generation or a check cannot run: unreachable deployment, bad answer, bad file, bad schema."""
