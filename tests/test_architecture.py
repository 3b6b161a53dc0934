"""The house rules of ../shared/ARCHITECTURE.md, enforced on every test run.

Each package may import only what the architecture drawing allows; a forbidden
import anywhere in a package (even inside a function) fails this test.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PACKAGES = {
    "agentos_factories": ROOT / "sdk" / "agentos_factories",
    "agentos_reference": ROOT / "reference_server" / "agentos_reference",
    "agentos_contract": ROOT / "contract_tests" / "agentos_contract",
    "agentos_stubs": ROOT / "stubs" / "agentos_stubs",
}

# Which of our own packages each package may import (besides itself).
ALLOWED_OURS = {
    "agentos_factories": set(),
    "agentos_reference": set(),
    "agentos_contract": {"agentos_factories"},
    "agentos_stubs": {"agentos_factories"},
}

# The SDK ships with exactly these third-party dependencies.
SDK_THIRD_PARTY = {"httpx", "pydantic", "pydantic_core", "typing_extensions"}
# Binding generation lives in the SDK's folder, but only its console script imports it, and its
# generator libraries come from the [codegen] extra (ARCHITECTURE.md, second milestone).
CODEGEN = PACKAGES["agentos_factories"] / "codegen"
CODEGEN_THIRD_PARTY = {"datamodel_code_generator", "black"}


def imported_top_levels(package_dir: Path) -> dict[str, set[str]]:
    """Map each top-level module name imported anywhere in the package to the files importing it."""
    found: dict[str, set[str]] = {}
    for path in sorted(package_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_package_imports_only_what_the_architecture_allows(package: str) -> None:
    imports = imported_top_levels(PACKAGES[package])
    ours = set(PACKAGES) - {package}
    forbidden = {name: files for name, files in imports.items() if name in ours - ALLOWED_OURS[package]}
    assert not forbidden, f"{package} imports packages the architecture forbids: {forbidden}"


def test_sdk_imports_only_the_standard_library_httpx_and_pydantic() -> None:
    imports = imported_top_levels(PACKAGES["agentos_factories"])
    codegen_files = {str(path.relative_to(ROOT)) for path in CODEGEN.rglob("*.py")}
    third_party = {
        name: files - (codegen_files if name in CODEGEN_THIRD_PARTY else set())
        for name, files in imports.items()
        if name not in sys.stdlib_module_names and name not in SDK_THIRD_PARTY and name != "agentos_factories"
    }
    third_party = {name: files for name, files in third_party.items() if files}
    assert not third_party, f"the SDK imports beyond httpx/pydantic/typing-extensions: {third_party}"


def test_only_the_codegen_console_script_imports_codegen() -> None:
    sdk = PACKAGES["agentos_factories"]
    importers = {
        str(path.relative_to(ROOT))
        for path in sdk.rglob("*.py")
        if CODEGEN not in path.parents
        and re.search(
            r"^\s*(from|import)\s+agentos_factories\.codegen", path.read_text(encoding="utf-8"), re.M
        )
    }
    assert not importers, f"SDK modules outside codegen/ import it: {importers}"


def test_sdk_distribution_dependencies_are_exactly_three() -> None:
    # Read from the installed distribution's metadata: what a user's pip really resolves.
    requirements = metadata.requires("agentos-factories") or []
    unconditional = [req for req in requirements if "extra ==" not in req]
    names = sorted(re.split(r"[\s;<>=!~\[]", req, maxsplit=1)[0].lower() for req in unconditional)
    assert names == ["httpx", "pydantic", "typing-extensions"]
