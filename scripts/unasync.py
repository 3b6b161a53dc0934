"""Generate the SDK's sync classes from their async source, after httpcore's ``scripts/unasync.py``.

``sdk/agentos_factories/_async/*.py`` is the one hand-written source of the client, its endpoint
groups, handles, streams and WebSocket session; ``sdk/agentos_factories/_sync/*.py`` is this
script's output: the same text with each substitution of :data:`SUBS` applied line by line
(``AsyncClient`` -> ``Client``, ``async def`` -> ``def``, ``await`` dropped, ...), docstrings
included. Lines between ``# unasync: async-only`` and ``# unasync: end`` have no sync twin and are
left out. Drift between the twins is therefore impossible as long as ``--check`` passes, which
``make test`` runs.

    python scripts/unasync.py           # rewrite _sync/ from _async/
    python scripts/unasync.py --check   # exit 1, with a diff, when _sync/ is not what _async/ gives
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "sdk" / "agentos_factories" / "_async"
TARGET = ROOT / "sdk" / "agentos_factories" / "_sync"

#: (pattern, replacement), applied in order to every line; each pattern is matched as whole words.
SUBS: list[tuple[str, str]] = [
    (r"AsyncIterator", "Iterator"),
    (r"Async([A-Z]\w*)", r"\1"),
    (r"async_([a-z]\w*)", r"\1"),
    (r"async def", "def"),
    (r"async with", "with"),
    (r"async for", "for"),
    (r"await ", ""),
    (r"aclose", "close"),
    (r"aiter_raw", "iter_raw"),
    (r"__aenter__", "__enter__"),
    (r"__aexit__", "__exit__"),
    (r"__aiter__", "__iter__"),
    (r"__anext__", "__next__"),
    (r"StopAsyncIteration", "StopIteration"),
]
COMPILED = [(re.compile(rf"\b{pattern}\b"), replacement) for pattern, replacement in SUBS]

ASYNC_ONLY = "# unasync: async-only"
END = "# unasync: end"
HEADER = "# Generated from {source} by scripts/unasync.py: edit that file, then rerun the script.\n"


def unasync_line(line: str, used: set[int]) -> str:
    for index, (pattern, replacement) in enumerate(COMPILED):
        new = pattern.sub(replacement, line)
        if new != line:
            used.add(index)
            line = new
    return line


def _name_key(name: str) -> tuple[int, str]:
    """isort's (and ruff's) order-by-type: CONSTANTS, then Classes, then the rest, case-insensitively."""
    bare = name.split(" as ")[0].strip()
    kind = 0 if bare.isupper() and len(bare) > 1 else 1 if bare[:1].isupper() else 2
    return kind, bare.lower()


_ONE_LINE_IMPORT = re.compile(r"^(\s*from \S+ import )([^()#]+)$")


def sort_imports(lines: list[str]) -> list[str]:
    """Renaming changes where an imported name sorts; put the names of each ``from`` import back in order."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        single = _ONE_LINE_IMPORT.match(line.rstrip("\n"))
        if single and "," in single.group(2):
            names = sorted((n.strip() for n in single.group(2).split(",")), key=_name_key)
            out.append(single.group(1) + ", ".join(names) + "\n")
        elif re.match(r"^\s*from \S+ import \($", line.rstrip("\n")):
            end = index + 1
            while lines[end].strip() != ")":
                end += 1
            indent = re.match(r"^(\s*)", lines[index + 1]).group(1)  # type: ignore[union-attr]  # always matches
            names = sorted((item.strip().rstrip(",") for item in lines[index + 1 : end]), key=_name_key)
            out.append(line)
            out.extend(f"{indent}{name},\n" for name in names)
            out.append(lines[end])
            index = end
        else:
            out.append(line)
        index += 1
    return out


def unasync_text(text: str, source_name: str, used: set[int]) -> str:
    out = [HEADER.format(source=source_name)]
    skipping = False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        marker = line.strip()
        if marker == ASYNC_ONLY:
            if skipping:
                raise SystemExit(f"{source_name}:{number}: {ASYNC_ONLY!r} inside an async-only block")
            skipping = True
            continue
        if marker == END:
            if not skipping:
                raise SystemExit(f"{source_name}:{number}: {END!r} without {ASYNC_ONLY!r}")
            skipping = False
            continue
        if not skipping:
            out.append(unasync_line(line, used))
    if skipping:
        raise SystemExit(f"{source_name}: an async-only block is not closed")
    return "".join(sort_imports(out))


def expected_files(used: set[int]) -> dict[Path, str]:
    files: dict[Path, str] = {}
    for source in sorted(SOURCE.glob("*.py")):
        name = f"_async/{source.name}"
        files[TARGET / source.name] = unasync_text(source.read_text(encoding="utf-8"), name, used)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    used: set[int] = set()
    files = expected_files(used)
    unused = [SUBS[index] for index in range(len(SUBS)) if index not in used]
    if unused:
        print(f"unasync: substitutions no source line uses (remove them): {unused}", file=sys.stderr)
        return 1
    stale = sorted(set(TARGET.glob("*.py")) - set(files))
    if args.check:
        failed = False
        for path, text in files.items():
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                failed = True
                diff = difflib.unified_diff(
                    current.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"{path.relative_to(ROOT)} (on disk)",
                    tofile=f"{path.relative_to(ROOT)} (from _async)",
                )
                sys.stdout.writelines(diff)
        for path in stale:
            failed = True
            print(f"unasync: {path.relative_to(ROOT)} has no source in _async/")
        if failed:
            print("unasync: _sync/ is out of date; run `python scripts/unasync.py`", file=sys.stderr)
            return 1
        print(f"unasync: {len(files)} sync modules match their async source")
        return 0
    TARGET.mkdir(exist_ok=True)
    for path, text in files.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"unasync: wrote {path.relative_to(ROOT)}")
    for path in stale:
        path.unlink()
        print(f"unasync: removed {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
