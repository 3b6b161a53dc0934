"""Reading a written bindings module back, without running it: its manifest, checked."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from ._discovery import KINDS, Component
from ._errors import CodegenError
from ._module import MANIFEST_FORMAT, MANIFEST_NAME
from ._schemas import fingerprint

__all__ = ["manifest_components", "read_manifest"]


def read_manifest(path: Path) -> dict[str, Any]:
    """The ``AGENTOS_BINDINGS`` literal of the module at ``path`` (:class:`CodegenError` if none)."""
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CodegenError(f"{path} does not exist: generate it first") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CodegenError(f"cannot read {path}: {exc}") from None
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise CodegenError(f"{path} is not Python: {exc.msg} (line {exc.lineno})") from None
    for node in tree.body:
        if not isinstance(node, ast.AnnAssign) or node.value is None:
            continue
        if isinstance(node.target, ast.Name) and node.target.id == MANIFEST_NAME:
            try:
                manifest = ast.literal_eval(node.value)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                break
            if isinstance(manifest, dict) and manifest.get("format") == MANIFEST_FORMAT:
                return manifest
            break
    raise CodegenError(f"{path} is not a module written by `agentos-factories generate` (no {MANIFEST_NAME})")


def manifest_components(manifest: dict[str, Any], path: Path) -> list[Component]:
    """The components the manifest records, refusing one whose fingerprint does not add up."""
    try:
        components = [
            Component(kind=entry["kind"], id=entry["id"], is_factory=entry["is_factory"],
                      input_schema=entry["input_schema"])
            for entry in manifest["components"]
        ]  # fmt: skip
        valid = all(c.kind in KINDS and isinstance(c.id, str) for c in components)
    except (KeyError, TypeError):
        valid = False
    if not valid or fingerprint(components) != manifest.get("schema_fingerprint"):
        raise CodegenError(
            f"{path}: its {MANIFEST_NAME} was edited (the fingerprint does not match); regenerate it"
        )
    return components
