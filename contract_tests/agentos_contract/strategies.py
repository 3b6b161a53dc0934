"""Hypothesis strategies for ``factory_input``: valid ones from a factory's
``factory_input_schema`` and invalid ones of every kind the spec rejects.

Valid objects come from :mod:`agentos_contract.schema_strategies`. Invalid ones are built here, each
labelled with why it is invalid, because only a few kinds of violation are certain to be
rejected by every conforming server: pydantic's lax mode coerces ``"7"`` to an int and
``1`` to ``True``, so a "wrong type" is only one that no lax validator accepts. NaN and
infinities are never generated (Python's ``json`` accepts them, JSON does not).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from agentos_contract.schema_strategies import UnsupportedSchema, values_for

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    return st.recursive(
        JSON_SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=max_leaves,
    )


def json_objects() -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.text(max_size=10), json_values(), max_size=4)


@dataclass(frozen=True)
class InvalidInput:
    """A ``factory_input`` form value a conforming server must answer with 400."""

    text: str
    why: str  # "not-json", "not-object", "missing-required", "wrong-type", "not-in-enum"

    @property
    def schema_violation(self) -> bool:
        return self.why not in ("not-json", "not-object")


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


# "" is what an HTML form sends for an empty field; servers treat it as omitted, so it is
# never sent as "not JSON". Lone surrogates cannot travel as UTF-8 form data.
not_json_texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40).filter(
    lambda text: text.strip() != "" and not _is_json(text)
) | st.sampled_from(["{bad", "{", "{'a': 1}", "   ", '{"a": }', "[1,", "undefined", '{"a":1}}'])

non_object_json = st.one_of(
    st.lists(json_values(), max_size=3),
    JSON_SCALARS,
).map(json.dumps)


def _property_type(prop: Mapping[str, Any]) -> str | None:
    if "enum" in prop or "const" in prop:
        return "enum"
    kind = prop.get("type")
    return kind if isinstance(kind, str) else None


# Values no lax validator turns into the type on the left.
_WRONG_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "string": st.one_of(
        st.integers(),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.none(),
    ),
    "integer": st.one_of(
        st.text(alphabet="abcxyz!?", min_size=1, max_size=6),
        st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not float(f).is_integer()),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.none(),
    ),
    "number": st.one_of(
        st.text(alphabet="abcxyz!?", min_size=1, max_size=6), st.lists(st.integers(), max_size=2), st.none()
    ),
    "boolean": st.one_of(
        st.lists(st.integers(), max_size=2), st.none(), st.floats(min_value=2, max_value=1e6, allow_nan=False)
    ),
}


def _replacing(name: str, why: str) -> Callable[[tuple[dict[str, Any], Any]], InvalidInput]:
    def build(pair: tuple[dict[str, Any], Any]) -> InvalidInput:
        return InvalidInput(json.dumps({**pair[0], name: pair[1]}), why)

    return build


def _not_in(allowed: list[Any]) -> Any:
    return lambda value: value not in allowed


def _nullable(prop: Mapping[str, Any]) -> bool:
    return any(isinstance(b, dict) and b.get("type") == "null" for b in prop.get("anyOf", ()))


def schema_violations(schema: Mapping[str, Any]) -> st.SearchStrategy[InvalidInput] | None:
    """Objects that break a simple object schema: a required field dropped, a field of a
    type no coercion accepts, a value outside an enum. None when the schema has nothing
    we can break with certainty."""
    properties = schema.get("properties")
    if schema.get("type") != "object" or not isinstance(properties, dict):
        return None
    valid = valid_objects(schema)
    options: list[st.SearchStrategy[InvalidInput]] = []
    required = [name for name in schema.get("required", ()) if isinstance(name, str)]
    if required:
        options.append(
            st.tuples(valid, st.sampled_from(required)).map(
                lambda pair: InvalidInput(
                    json.dumps({k: v for k, v in pair[0].items() if k != pair[1]}), "missing-required"
                )
            )
        )
    for name, prop in properties.items():
        if not isinstance(prop, dict) or _nullable(prop):
            continue
        kind = _property_type(prop)
        if kind == "enum":
            allowed: list[Any] = list(prop.get("enum", [prop.get("const")]))
            bad: st.SearchStrategy[str] = st.text(max_size=12).filter(_not_in(allowed))
            options.append(st.tuples(valid, bad).map(_replacing(name, "not-in-enum")))
        elif kind in _WRONG_VALUES:
            options.append(st.tuples(valid, _WRONG_VALUES[kind]).map(_replacing(name, "wrong-type")))
    return st.one_of(options) if options else None


def not_an_object() -> st.SearchStrategy[InvalidInput]:
    """factory_input text every factory rejects: not JSON, or JSON that is not an object."""
    return st.one_of(
        not_json_texts.map(lambda text: InvalidInput(text, "not-json")),
        non_object_json.map(lambda text: InvalidInput(text, "not-object")),
    )


def invalid_inputs(schema: Mapping[str, Any] | None) -> st.SearchStrategy[InvalidInput]:
    """Every kind of factory_input the spec rejects for a factory with this schema (or none)."""
    try:
        violations = schema_violations(schema) if schema else None
    except UnsupportedSchema:
        violations = None  # still judged with text that is not JSON or not an object
    return not_an_object() if violations is None else st.one_of(not_an_object(), violations)


def valid_objects(schema: Mapping[str, Any] | None) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects a factory with this schema (or none) must accept; raises UnsupportedSchema
    for a schema the generator does not understand."""
    if not schema:
        return json_objects()
    generated: st.SearchStrategy[Any] = values_for(schema)
    return generated.filter(lambda value: isinstance(value, dict) and _finite(value))


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def expected_model(schema: Mapping[str, Any], value: Mapping[str, Any]) -> dict[str, Any]:
    """What a validated model of this schema dumps to for ``value``: declared fields only,
    defaults filled in (extra keys are ignored, as pydantic does by default)."""
    properties = schema.get("properties", {})
    result: dict[str, Any] = {}
    for name, prop in properties.items():
        if name in value:
            result[name] = value[name]
        elif isinstance(prop, dict) and "default" in prop:
            result[name] = prop["default"]
    return result
