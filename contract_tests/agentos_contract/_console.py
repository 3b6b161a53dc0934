"""The ``agentos-contract`` console script: :func:`agentos_contract.cli.main` behind the two guards
every console script of agentos-factories has.

- Installed without its extra (``pip install agentos-factories`` alone), it exits 2 with the
  ``pip install 'agentos-factories[contract]'`` line to run, instead of an ImportError traceback.
- When whatever reads its output stops reading (``agentos-contract clauses | head``), it ends
  quietly with 141 (128 + SIGPIPE, a shell's code for a reader that went away) instead of a
  BrokenPipeError traceback; Ctrl-C ends it with 130 and no traceback either.

Standard library only until the extra is known to be there. ``agentos_reference._console`` is a copy
but for its three names (the reference server imports nothing else of ours); a test keeps them equal.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from importlib import metadata

DISTRIBUTION = "agentos-factories"
PROGRAM = "agentos-contract"
EXTRA = "contract"
EXIT_CANNOT_RUN = 2
EXIT_BROKEN_PIPE = 141
EXIT_INTERRUPTED = 130

_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements_of_extra(distribution: str, extra: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """``(name, its extras)`` of each requirement that ``distribution[extra]`` adds, from its metadata."""
    marker = re.compile(rf"""\bextra\s*==\s*["']{re.escape(extra)}["']""")
    for requirement in metadata.requires(distribution) or ():
        spec, _, condition = requirement.partition(";")
        found = _REQUIREMENT.match(spec)
        if found is None or not marker.search(condition):
            continue
        extras = tuple(e.strip() for e in (found.group(2) or "").split(",") if e.strip())
        yield found.group(1), extras


def missing_for_extra(extra: str, distribution: str = DISTRIBUTION) -> list[str]:
    """The distributions ``distribution[extra]`` needs that are not installed (and those of their
    own extras, such as ``PyJWT[crypto]``'s cryptography); empty when all are there, or when
    ``distribution`` itself has no metadata (a source tree run without installing: nothing to judge)."""
    missing: list[str] = []
    seen: set[tuple[str, str]] = set()

    def visit(name: str, wanted: str) -> None:
        if (_normalise(name), wanted) in seen:
            return
        seen.add((_normalise(name), wanted))
        for requirement, extras in _requirements_of_extra(name, wanted):
            try:
                metadata.version(requirement)
            except metadata.PackageNotFoundError:
                if requirement not in missing:
                    missing.append(requirement)
                continue
            for sub_extra in extras:
                visit(requirement, sub_extra)

    try:
        visit(distribution, extra)
    except metadata.PackageNotFoundError:
        return []
    return missing


def missing_extra_message(program: str = PROGRAM, extra: str = EXTRA) -> str | None:
    """What to tell a user whose install lacks ``extra``, or None when nothing is missing."""
    missing = missing_for_extra(extra)
    if not missing:
        return None
    return (
        f"{program} needs the [{extra}] extra of {DISTRIBUTION} (not installed: {', '.join(missing)}); "
        f"install it with:\n    pip install '{DISTRIBUTION}[{extra}]'"
    )


def run_console_script(main: Callable[[], int]) -> int:
    """``main()``'s exit code; a closed output pipe or Ctrl-C ends it quietly instead of a traceback."""
    try:
        try:
            return main()
        finally:
            # A reader that left after the last write (or during argparse's --help, which ends in
            # SystemExit) is found here rather than in the interpreter's flush at exit.
            sys.stdout.flush()
    except BrokenPipeError:
        # The interpreter flushes stdout again at exit: point it at devnull so that cannot fail too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def main() -> int:
    message = missing_extra_message()
    if message is not None:
        print(message, file=sys.stderr)
        return EXIT_CANNOT_RUN
    from agentos_contract.cli import main as cli_main

    return run_console_script(cli_main)


if __name__ == "__main__":
    sys.exit(main())
