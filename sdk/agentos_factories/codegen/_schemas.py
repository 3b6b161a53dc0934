"""Schemas as data: the fingerprint of a deployment, and one JSON Schema document for the generator.

Each factory's ``factory_input_schema`` becomes the definition named after the factory
(``ResearchAgentInput``). Its own ``$defs`` are hoisted beside it: a definition every factory
that has it declares identically (with everything it refers to) keeps its name and is shared;
otherwise each factory gets its own copy prefixed with its model name (``ResearchAgentInputPersona``).
``$ref``s are rewritten to match; only references inside the schema are allowed.

One rewrite helps the generator keep types plain: ``anyOf: [X, {"type": "null"}]`` with a plain,
typed ``X`` (what pydantic writes for ``Annotated[int, Field(ge=1)] | None``) becomes ``X`` with
``"type": [t, "null"]``, which validates the same values, so the field is ``int | None`` with its
constraint rather than a wrapper class.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from ._discovery import Component
from ._errors import CodegenError
from ._names import RESERVED_NAMES, Key, Names, pascal_case

__all__ = ["canonical_json", "fingerprint", "generator_document"]

_DEF_PREFIXES = ("#/$defs/", "#/definitions/")


def canonical_json(value: object) -> str:
    """One spelling of a JSON value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def fingerprint(components: Iterable[Component]) -> str:
    """``sha256:<hex>`` of every component's kind, id, factory flag and schema (not the URL or time)."""
    entries = [
        [c.kind, c.id, c.is_factory, c.input_schema]
        for c in sorted(components, key=lambda component: component.sort_key)
    ]
    return "sha256:" + hashlib.sha256(canonical_json(entries).encode("utf-8")).hexdigest()


def _ref_target(ref: str, where: str) -> tuple[str, str]:
    """``(definition name, rest of the pointer)`` of a local ``$ref``; ``("", "")`` for ``#``."""
    if ref == "#":
        return "", ""
    for prefix in _DEF_PREFIXES:
        if ref.startswith(prefix):
            name, _, rest = ref[len(prefix) :].partition("/")
            return name.replace("~1", "/").replace("~0", "~"), f"/{rest}" if rest else ""
    raise CodegenError(f"{where}: $ref {ref!r} points outside the schema; only local $defs are supported")


def _refs(value: object, where: str) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                found.add(_ref_target(item, where)[0])
            else:
                found |= _refs(item, where)
    elif isinstance(value, list):
        for item in value:
            found |= _refs(item, where)
    return found


def _merge_nullable(value: Any) -> Any:
    """The ``anyOf: [X, null]`` rewrite of the module docstring, applied everywhere."""
    if isinstance(value, list):
        return [_merge_nullable(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _merge_nullable(item) for key, item in value.items()}
    branches = out.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2 and {"type": "null"} in branches:
        other = branches[0] if branches[1] == {"type": "null"} else branches[1]
        plain = isinstance(other, dict) and isinstance(other.get("type"), str) and other["type"] != "null"
        composite = {"$ref", "anyOf", "oneOf", "allOf", "enum", "const"}
        if plain and not set(other) & composite and not set(other) & (set(out) - {"anyOf"}):
            del out["anyOf"]
            out.update(other)
            out["type"] = [other["type"], "null"]
    return out


class _Factory:
    """One factory's schema split into its root and its definitions (original names)."""

    def __init__(self, key: Key, model: str, schema: Mapping[str, Any]) -> None:
        self.key = key
        self.model = model
        where = f"{key[0]} {key[1]!r}"
        self.where = where
        root = copy.deepcopy(dict(schema))
        defs: dict[str, Any] = {}
        for container in ("$defs", "definitions"):
            found = root.pop(container, {})
            if not isinstance(found, dict):
                raise CodegenError(f"{where}: {container} must be an object")
            defs.update(found)
        # pydantic writes a recursive model as {"$ref": "#/$defs/Model", "$defs": {...}}.
        self.root_alias: str | None = None
        ref = root.get("$ref")
        if isinstance(ref, str) and set(root) <= {"$ref", "title", "description", "$schema"}:
            name, rest = _ref_target(ref, where)
            if name in defs and not rest:
                self.root_alias = name
                root = defs.pop(name)
        if root.get("type", "object") != "object" and "properties" not in root:
            raise CodegenError(f"{where}: factory_input_schema must describe a JSON object")
        self.root = root
        for name in _refs([root, defs], where):
            if name and name not in defs and name != self.root_alias:
                raise CodegenError(f"{where}: $ref to an undefined definition {name!r}")
        # An Enum of the server's model is a list of values on the wire: it becomes a Literal
        # where it is used, so callers write "low" (checked by mypy) and nothing is named after it.
        self.enums = {name: schema for name, schema in defs.items() if _plain_enum(schema)}
        self.defs = {name: schema for name, schema in defs.items() if name not in self.enums}

    def closure(self, name: str) -> str:
        """The canonical text of ``name`` with every definition it reaches (what sharing compares)."""
        seen: dict[str, Any] = {}
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen or current not in self.defs:
                continue
            seen[current] = self.defs[current]
            todo.extend(_refs(self.defs[current], self.where))
        enums = {n: self.enums[n] for n in sorted(_refs(seen, self.where)) if n in self.enums}
        return canonical_json([name, seen, enums, self.root_alias in _refs(seen, self.where)])


def _plain_enum(schema: object) -> bool:
    return (
        isinstance(schema, dict)
        and isinstance(schema.get("enum"), list)
        and set(schema) <= {"enum", "type", "title", "description"}
    )


def _valid_class_name(name: str) -> bool:
    return name.isidentifier() and name.isascii() and name[0].isupper() and name not in RESERVED_NAMES


def _rewrite(value: Any, rename: Mapping[str, str], factory: _Factory) -> Any:
    if isinstance(value, list):
        return [_rewrite(item, rename, factory) for item in value]
    if not isinstance(value, dict):
        return value
    ref = value.get("$ref")
    if isinstance(ref, str):
        name, rest = _ref_target(ref, factory.where)
        if name in factory.enums and not rest:
            values = {k: v for k, v in factory.enums[name].items() if k not in ("title", "description")}
            return _rewrite({**values, **{k: v for k, v in value.items() if k != "$ref"}}, rename, factory)
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "$ref" and isinstance(item, str):
            name, rest = _ref_target(item, factory.where)
            target = factory.model if name in ("", factory.root_alias) else rename[name]
            out[key] = f"#/$defs/{target}{rest}"
        else:
            out[key] = _rewrite(item, rename, factory)
    return out


def generator_document(components: Iterable[Component], names: Mapping[Key, Names]) -> dict[str, Any]:
    """``{"$defs": {...}}``: every factory model and every definition, under its final name."""
    factories: list[_Factory] = []
    for component in sorted(components, key=lambda c: c.sort_key):
        model = names[(component.kind, component.id)].model
        if model is not None and component.input_schema is not None:
            factories.append(_Factory((component.kind, component.id), model, component.input_schema))
    models = {factory.model for factory in factories}
    variants: dict[str, set[str]] = {}
    for factory in factories:
        for name in factory.defs:
            variants.setdefault(name, set()).add(factory.closure(name))
    document: dict[str, Any] = {}
    for factory in factories:
        rename: dict[str, str] = {}
        for name in factory.defs:
            shared = len(variants[name]) == 1 and _valid_class_name(name) and name not in models
            rename[name] = name if shared else f"{factory.model}{pascal_case(name) or 'Definition'}"
        for name, schema in factory.defs.items():
            final = rename[name]
            rewritten = _merge_nullable(_rewrite(schema, rename, factory))
            if final in models or (final in document and document[final] != rewritten):
                raise CodegenError(f"{factory.where}: definition {name!r} would be named {final!r} twice")
            document[final] = rewritten
        document[factory.model] = _merge_nullable(_rewrite(factory.root, rename, factory))
    return {"$defs": dict(sorted(document.items()))}
