"""Valid JSON values for a JSON schema, for the subset pydantic emits for plain models.

hypothesis-jsonschema 0.23 cannot generate objects under Hypothesis 6.170 (it calls
``cu.many(...).more()``, which Hypothesis removed), so the suite carries this small
generator. It covers what ``BaseModel.model_json_schema()`` produces for fields of
str/int/float/bool/None, Literal/Enum, lists, nested models (``$ref`` into ``$defs``) and
Optional/Union (``anyOf``), with the common numeric and length bounds. A schema using
anything else raises :class:`UnsupportedSchema`, and the caller reports that factory's
valid-input property as not judged instead of guessing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

_KNOWN = {
    "type",
    "properties",
    "required",
    "title",
    "description",
    "default",
    "enum",
    "const",
    "anyOf",
    "oneOf",
    "allOf",
    "$ref",
    "$defs",
    "definitions",
    "items",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "additionalProperties",
    "examples",
    "pattern",
    "format",
    "uniqueItems",
}


class UnsupportedSchema(ValueError):
    """The schema uses a construct this generator does not understand."""


def values_for(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    return _Builder(schema).build(schema, depth=0)


class _Builder:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.defs: dict[str, Any] = {**root.get("definitions", {}), **root.get("$defs", {})}

    def build(self, schema: Mapping[str, Any], depth: int) -> st.SearchStrategy[Any]:
        if depth > 8:
            raise UnsupportedSchema("schema nested deeper than 8 levels")
        unknown = set(schema) - _KNOWN
        if unknown:
            raise UnsupportedSchema(f"unsupported keywords {sorted(unknown)}")
        if "$ref" in schema:
            ref = schema["$ref"]
            name = ref.rsplit("/", 1)[-1]
            if not isinstance(ref, str) or name not in self.defs:
                raise UnsupportedSchema(f"unresolvable $ref {ref!r}")
            return self.build(self.defs[name], depth + 1)
        if "pattern" in schema or "format" in schema:
            raise UnsupportedSchema("string patterns and formats are not generated")
        if "allOf" in schema:
            parts = schema["allOf"]
            if len(parts) != 1:
                raise UnsupportedSchema("allOf with more than one schema")
            return self.build(parts[0], depth + 1)
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(list(schema["enum"]))
        for key in ("anyOf", "oneOf"):
            if key in schema:
                if key == "oneOf":
                    raise UnsupportedSchema("oneOf needs exclusive branches")
                return st.one_of([self.build(branch, depth + 1) for branch in schema[key]])
        kind = schema.get("type")
        if isinstance(kind, list):
            return st.one_of([self.build({**schema, "type": k}, depth) for k in kind])
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            items = self.build(schema.get("items", {"type": "integer"}), depth + 1)
            if schema.get("uniqueItems"):
                raise UnsupportedSchema("uniqueItems")
            return st.lists(
                items, min_size=schema.get("minItems", 0), max_size=min(schema.get("maxItems", 4), 4)
            )
        if kind == "string":
            min_size = schema.get("minLength", 0)
            return st.text(min_size=min_size, max_size=max(min_size, min(schema.get("maxLength", 20), 20)))
        if kind == "integer":
            low, high = _bounds(schema, integer=True)
            return st.integers(low, high)
        if kind == "number":
            low, high = _bounds(schema, integer=False)
            return st.floats(
                low,
                high,
                allow_nan=False,
                allow_infinity=False,
                exclude_min="exclusiveMinimum" in schema,
                exclude_max="exclusiveMaximum" in schema,
            )
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        raise UnsupportedSchema(f"unsupported type {kind!r}")

    def _object(self, schema: Mapping[str, Any], depth: int) -> st.SearchStrategy[dict[str, Any]]:
        properties: dict[str, Any] = dict(schema.get("properties", {}))
        required = [name for name in schema.get("required", []) if name in properties]
        optional = [name for name in properties if name not in required]
        fields = {name: self.build(properties[name], depth + 1) for name in properties}
        extras = schema.get("additionalProperties", True)

        @st.composite
        def build(draw: st.DrawFn) -> dict[str, Any]:
            value = {name: draw(fields[name]) for name in required}
            for name in optional:
                if draw(st.booleans()):
                    value[name] = draw(fields[name])
            if extras is True and draw(st.booleans()):
                key = draw(st.text(max_size=8).filter(lambda k: k not in properties))
                value[key] = draw(st.integers() | st.text(max_size=5))
            return value

        return build()


def _bounds(schema: Mapping[str, Any], integer: bool) -> tuple[Any, Any]:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if integer:
        if "exclusiveMinimum" in schema:
            low = math.floor(low) + 1
        if "exclusiveMaximum" in schema:
            high = math.ceil(high) - 1
    return low, high
