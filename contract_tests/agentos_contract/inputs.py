"""Secrets and lists from options, files and the environment, read once before the run.

An option wins over its file, a file over the environment variable. Files and variables hold one
item per line (blank lines and ``#`` comments skipped), so a CI system can pass a secret without
it ever appearing on a command line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from agentos_contract.config import ConfigError


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}") from exc


def secret(
    value: str | None, file: Path | None, env_name: str, what: str, environ: Mapping[str, str] = os.environ
) -> str | None:
    """One secret: the option, else the file's content, else the environment variable."""
    if value is not None and file is not None:
        raise ConfigError(f"give {what} or its file, not both")
    if value is not None:
        return value
    if file is not None:
        text = _read(file, what).strip()
        if not text:
            raise ConfigError(f"{what} file {file} is empty")
        return text
    from_env = environ.get(env_name, "").strip()
    return from_env or None


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def listed(
    values: Sequence[str] | None,
    file: Path | None,
    env_name: str,
    what: str,
    environ: Mapping[str, str] = os.environ,
) -> list[str]:
    """Repeated option values, else the file's lines, else the environment variable's lines."""
    if values:
        return list(values)
    if file is not None:
        return lines(_read(file, what))
    return lines(environ.get(env_name, ""))


def headers(entries: Sequence[str]) -> tuple[tuple[str, str], ...]:
    parsed = []
    for entry in entries:
        name, sep, value = entry.partition(":")
        if not sep or not name.strip():
            raise ConfigError(f"a header is 'Name: value', got {entry[:40]!r}")
        parsed.append((name.strip(), value.strip()))
    return tuple(parsed)


def writable(path: Path | None, what: str) -> None:
    """Fail now, not after the whole run, when a report cannot be written where it was asked."""
    if path is None:
        return
    if path.is_dir():
        raise ConfigError(f"{what} {path} is a directory")
    existed = path.exists()
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise ConfigError(f"cannot write {what} {path}: {exc.strerror or exc}") from exc
    if not existed:
        path.unlink()
