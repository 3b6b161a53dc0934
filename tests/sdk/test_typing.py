"""The typed surface cannot silently loosen: mypy --strict must accept ``typing/accept.py`` and
reject every misuse in ``typing/reject.py`` with the error code marked on its line."""

from __future__ import annotations

import re
from pathlib import Path

from mypy import api

HERE = Path(__file__).resolve().parent / "typing"
ROOT = HERE.parents[2]
_MARK = re.compile(r"#\s*E:\s*([a-z-]+)\s*$")
_ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[a-z-]+)\]$")


def _expected(path: Path) -> set[tuple[int, str]]:
    return {
        (number, match.group(1))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if (match := _MARK.search(line))
    }


def test_mypy_accepts_accept_py_and_rejects_each_misuse_in_reject_py() -> None:
    accept, reject = HERE / "accept.py", HERE / "reject.py"
    stdout, stderr, _status = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--no-incremental",
            "--hide-error-context",
            "--no-pretty",
            "--show-error-codes",
            str(accept),
            str(reject),
        ]
    )
    assert not stderr, stderr
    found: dict[str, set[tuple[int, str]]] = {"accept.py": set(), "reject.py": set()}
    for line in stdout.splitlines():
        match = _ERROR.match(line)
        if match:
            found[Path(match.group("file")).name].add((int(match.group("line")), match.group("code")))
    assert found["accept.py"] == set(), stdout
    expected = _expected(reject)
    assert len(expected) >= 20
    assert found["reject.py"] == expected, stdout
