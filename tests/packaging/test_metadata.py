"""The version comes from the package metadata, and constraints.txt pins what this venv runs.

constraints.txt holds one pin per package where one release serves every supported Python, and a
pair split by ``python_version`` markers where the pinned release needs 3.11: each venv
(``PYTHON=python3.X make install``) must hold exactly the versions pinned for its Python.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import respx
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import agentos_factories

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = ROOT / "constraints.txt"
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")


def _pyproject_version() -> str:
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8").split("[project]", 1)[1]
    found = re.search(r'^version = "([^"]+)"$', project, flags=re.MULTILINE)
    assert found is not None
    return found.group(1)


def test_version_is_the_distributions_metadata() -> None:
    assert agentos_factories.__version__ == metadata.version("agentos-factories") == _pyproject_version()


def test_the_version_is_read_on_first_use_not_at_import() -> None:
    # importlib.metadata costs ~20 ms of the 0.35 s budget of `import agentos_factories`.
    program = (
        "import sys, agentos_factories\n"
        "assert 'importlib.metadata' not in sys.modules, 'imported at import'\n"
        "print(agentos_factories.__version__)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == metadata.version("agentos-factories")


def test_the_sdk_announces_its_version_in_the_user_agent() -> None:
    with respx.mock(base_url="http://agentos.test") as router:
        route = router.get("/agents").respond(200, json=[])
        with agentos_factories.Client("http://agentos.test", max_retries=0) as client:
            client.agents.list()
    sent = route.calls.last.request.headers["user-agent"]
    assert sent == f"agentos-factories/{agentos_factories.__version__}"


def _pins() -> list[Requirement]:
    lines = CONSTRAINTS.read_text(encoding="utf-8").splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def _pinned_for(python_version: str | None = None) -> dict[str, str]:
    """name -> pinned version on ``python_version`` (default: the running Python)."""
    environment = None if python_version is None else {"python_version": python_version}
    pinned: dict[str, str] = {}
    for pin in _pins():
        if pin.marker is not None and not pin.marker.evaluate(environment):
            continue
        name = canonicalize_name(pin.name)
        assert name not in pinned, f"{name} is pinned twice for Python {python_version or 'this'}"
        (specifier,) = pin.specifier
        assert specifier.operator == "==", f"{pin} is not an exact pin"
        pinned[name] = specifier.version
    return pinned


def test_every_pin_is_exact_and_once_per_python() -> None:
    for python_version in SUPPORTED:
        _pinned_for(python_version)


def test_a_split_pin_covers_every_supported_python() -> None:
    on = {version: set(_pinned_for(version)) for version in SUPPORTED}
    assert on["3.11"] == on["3.12"] == on["3.13"]
    # 3.10 needs everything 3.11+ does (plus its backports: tomli, exceptiongroup, ...).
    assert on["3.11"] <= on["3.10"], f"not pinned for 3.10: {sorted(on['3.11'] - on['3.10'])}"


def _requirements_closure(name: str, extras: frozenset[str]) -> set[str]:
    """Every distribution ``name[extras]`` needs on this Python, transitively, from installed metadata."""
    found: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(canonicalize_name(name), extras)]
    while todo:
        distribution, wanted = todo.pop()
        if (distribution, wanted) in seen:
            continue
        seen.add((distribution, wanted))
        for line in metadata.requires(distribution) or ():
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is not None and not any(marker.evaluate({"extra": e}) for e in wanted or {""}):
                continue
            required = canonicalize_name(requirement.name)
            if required != "agentos-factories":
                found.add(required)
            todo.append((required, frozenset(requirement.extras)))
    return found


def test_the_venv_holds_the_versions_pinned_for_its_python() -> None:
    pinned = _pinned_for()
    needed = _requirements_closure("agentos-factories", frozenset({"dev"}))
    assert needed, "agentos-factories[dev] has no requirements: is the project installed?"
    unpinned = sorted(needed - set(pinned))
    assert not unpinned, f"installed by `make install` but not pinned in constraints.txt: {unpinned}"
    drifted = {
        name: (metadata.version(name), pinned[name])
        for name in needed
        if metadata.version(name) != pinned[name]
    }
    assert not drifted, f"installed version differs from its pin (installed, pinned): {drifted}"


EXTRAS = sorted(metadata.metadata("agentos-factories").get_all("Provides-Extra") or [])


def test_the_extras_are_read_from_the_installed_metadata() -> None:
    assert {"server", "contract", "stubs", "agno", "dev"} <= set(EXTRAS)


@pytest.mark.parametrize("extra", EXTRAS)
def test_the_readme_install_section_names_every_extra(extra: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    install = readme.split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
    assert f"`[{extra}]`" in install
