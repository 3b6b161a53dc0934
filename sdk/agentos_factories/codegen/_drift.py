"""What changed between the schemas a bindings module was written from and the deployment's now.

Each factory's schema is flattened to its fields (``home.city`` for nested models, ``tags[]`` for
the items of an array) with a type description, required flag, default and constraints, and the
two flattenings are compared: a field added, removed, retyped, made required or optional, its
default or a bound changed, extra fields refused or allowed; then whole factories gone, added,
turned into prototypes. Definitions' names are not compared (a renamed model is the same shape).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._discovery import Component
from ._schemas import canonical_json

__all__ = ["drift"]

_CONSTRAINTS = (
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength",
    "maxLength", "pattern", "format", "minItems", "maxItems", "uniqueItems", "minProperties",
    "maxProperties",
)  # fmt: skip
_MISSING = object()


@dataclass(frozen=True)
class _Field:
    type: str
    required: bool
    default: Any
    constraints: Mapping[str, Any]


class _Schema:
    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.defs: dict[str, Any] = {**schema.get("definitions", {}), **schema.get("$defs", {})}
        self.root = schema

    def resolve(self, node: Any, depth: int = 0) -> Any:
        """``node`` with a ``$ref`` (or a single ``allOf``) followed; the root for ``#``."""
        while isinstance(node, dict) and depth < 32:
            depth += 1
            ref = node.get("$ref")
            if isinstance(ref, str):
                target = self.root if ref == "#" else self.defs.get(ref.rsplit("/", 1)[-1])
                if target is None:
                    return node
                node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
                continue
            parts = node.get("allOf")
            if isinstance(parts, list) and len(parts) == 1:
                node = {**parts[0], **{k: v for k, v in node.items() if k != "allOf"}}
                continue
            return node
        return node

    def describe(self, node: Any, depth: int = 0) -> str:
        if depth > 8:
            return "..."
        node = self.resolve(node)
        if not isinstance(node, dict):
            return "any" if node is True else "nothing"
        for union in ("anyOf", "oneOf"):
            if isinstance(node.get(union), list):
                return " | ".join(sorted({self.describe(branch, depth + 1) for branch in node[union]}))
        if "const" in node:
            return f"const {node['const']!r}"
        if isinstance(node.get("enum"), list):
            return f"one of {node['enum']!r}"
        kind = node.get("type")
        if isinstance(kind, list):
            return " | ".join(sorted(self.describe({**node, "type": k}, depth + 1) for k in kind))
        if kind == "array":
            if isinstance(node.get("prefixItems"), list):
                return f"tuple[{', '.join(self.describe(i, depth + 1) for i in node['prefixItems'])}]"
            return f"array of {self.describe(node.get('items', True), depth + 1)}"
        if kind == "object" or "properties" in node:
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and "properties" not in node:
                return f"object of {self.describe(extra, depth + 1)}"
            return "object"
        if kind is None:
            return "any"
        return str(kind)

    def constraints(self, node: Any) -> dict[str, Any]:
        node = self.resolve(node)
        found = {key: node[key] for key in _CONSTRAINTS if isinstance(node, dict) and key in node}
        for branch in node.get("anyOf", []) if isinstance(node, dict) else []:
            branch = self.resolve(branch)
            if isinstance(branch, dict) and branch.get("type") != "null":
                found.update({key: branch[key] for key in _CONSTRAINTS if key in branch})
        return found

    def objects(self, node: Any) -> list[dict[str, Any]]:
        """The object schemas ``node`` may be (itself, its union branches, resolved)."""
        node = self.resolve(node)
        if not isinstance(node, dict):
            return []
        if "properties" in node:
            return [node]
        found: list[dict[str, Any]] = []
        for union in ("anyOf", "oneOf"):
            for branch in node.get(union, []):
                found += self.objects(branch)
        return found

    def flatten(self, node: Any, path: str, out: dict[str, Any], depth: int = 0) -> None:
        if depth > 8:
            return
        for obj in self.objects(node):
            required = set(obj.get("required", []))
            closed = obj.get("additionalProperties") is False
            out[f"{path}<extra>"] = "refused" if closed else "allowed"
            for name, prop in obj.get("properties", {}).items():
                where = f"{path}{name}"
                resolved = self.resolve(prop)
                default = resolved.get("default", _MISSING) if isinstance(resolved, dict) else _MISSING
                out[where] = _Field(self.describe(prop), name in required, default, self.constraints(prop))
                self.flatten(prop, f"{where}.", out, depth + 1)
                items = resolved.get("items") if isinstance(resolved, dict) else None
                if items is not None:
                    self.flatten(items, f"{where}[].", out, depth + 1)


def _fields(schema: Mapping[str, Any]) -> dict[str, Any]:
    reader = _Schema(schema)
    out: dict[str, Any] = {}
    reader.flatten(schema, "", out)
    return out


def _show(value: Any) -> str:
    return "none" if value is _MISSING else repr(value)


def _field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for path in sorted(old.keys() | new.keys()):
        before, after = old.get(path), new.get(path)
        if path.endswith("<extra>"):
            where = path[: -len("<extra>")].rstrip(".") or "the input"
            if before is not None and after is not None and before != after:
                lines.append(f"extra fields in {where} now {after}")
            continue
        label = f"field {path!r}"
        if before is None and isinstance(after, _Field):
            lines.append(f"{label} added ({'required' if after.required else 'optional'}, {after.type})")
        elif after is None and isinstance(before, _Field):
            lines.append(f"{label} removed")
        elif isinstance(before, _Field) and isinstance(after, _Field):
            if before.type != after.type:
                lines.append(f"{label} retyped: {before.type} -> {after.type}")
            if before.required != after.required:
                lines.append(f"{label} made {'required' if after.required else 'optional'}")
            if before.default != after.default:
                lines.append(f"{label} default changed: {_show(before.default)} -> {_show(after.default)}")
            for key in sorted(before.constraints.keys() | after.constraints.keys()):
                was = before.constraints.get(key, _MISSING)
                now = after.constraints.get(key, _MISSING)
                if was != now:
                    lines.append(f"{label} {key} changed: {_show(was)} -> {_show(now)}")
    return lines


def drift(recorded: list[Component], live: list[Component]) -> list[str]:
    """One line per change, ``<kind> <id>: <what>``; empty when the schemas match."""
    before = {(c.kind, c.id): c for c in recorded}
    after = {(c.kind, c.id): c for c in live}
    lines: list[str] = []
    for key in sorted(
        before.keys() | after.keys(), key=lambda k: (("agent", "team", "workflow").index(k[0]), k[1])
    ):
        name = f"{key[0]} {key[1]!r}"
        old, new = before.get(key), after.get(key)
        if new is None:
            lines.append(f"{name}: {'factory' if old and old.is_factory else 'component'} gone")
            continue
        if old is None:
            lines.append(f"{name}: new {'factory' if new.is_factory else 'prototype'}, not in the bindings")
            continue
        if old.is_factory != new.is_factory:
            lines.append(f"{name}: now {'a factory' if new.is_factory else 'a prototype'}")
            continue
        if old.input_schema is None and new.input_schema is not None:
            lines.append(f"{name}: now declares an input_schema (the bindings take any JSON object)")
        elif old.input_schema is not None and new.input_schema is None:
            lines.append(f"{name}: no longer declares an input_schema")
        elif (
            old.input_schema is not None
            and new.input_schema is not None
            and canonical_json(old.input_schema) != canonical_json(new.input_schema)
        ):
            changes = _field_changes(_fields(old.input_schema), _fields(new.input_schema))
            lines += [f"{name}: {change}" for change in changes] or [
                f"{name}: schema changed (titles, descriptions or other annotations only)"
            ]
    return lines
