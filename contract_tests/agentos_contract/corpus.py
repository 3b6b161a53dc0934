"""The edge-case corpus: ``factory_input`` values sent to every factory on every run, whatever the
seed, each with what the spec lets a server answer for it.

Hypothesis explores on top of it (``strategies``); the corpus makes sure the classes of input that
break parsers and validators are always tried: not JSON, not an object, empty, whitespace only,
``null``, arrays, bare numbers and strings, a BOM, duplicate keys, huge and overflowing numbers, deep
nesting, each kind of schema violation, and valid input that pydantic's default (lax) validation
coerces (``"7"`` for an integer field).

Where the spec leaves the answer open (is a BOM part of the JSON text? which of two duplicate keys
wins? can a number with 5,000 digits be parsed?) the entry accepts either a JSON 400 (or 413) or the
value parsed as Python's ``json`` parses it; a 5xx, an SSE stream or a dropped connection is never
an answer to input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

# How the probes' schemas are told apart (docs/probe-protocol.md section 2).
SchemaKind = Literal["none", "required", "defaults"]
Outcome = Literal["reject", "accept", "either"]

_ABSENT: Any = object()
# An accepted value the suite cannot compare (it cannot parse it back either): any 200 will do.
ANY: Any = object()

OVERFLOWING_INT = "9" * 5000  # more digits than Python's int parser takes by default (4300)
DEEP = 10_000  # levels of nesting: past any recursion limit a parser has
MODERATE = 20  # levels of nesting every server must take


@dataclass(frozen=True)
class EdgeInput:
    """One corpus entry: the form value (``None``: the field omitted) and what may come of it."""

    name: str
    text: str | None
    outcome: Outcome
    # The clause a refusal (or a wrong acceptance) is judged under.
    clause: str
    # The value ``ctx.input`` must hold when the input is accepted (a model as model_dump, a dict, None).
    accepted: Any = _ABSENT
    # Other values ``ctx.input`` may hold instead (which of two duplicate keys wins is open).
    also: tuple[Any, ...] = ()

    @property
    def accepts(self) -> bool:
        return self.accepted is not _ABSENT


def _nested(depth: int) -> str:
    return '{"a": ' + "[" * depth + "1" + "]" * depth + "}"


def _nested_value(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return {"a": value}


# Not JSON, or JSON that is not an object: every factory answers 400, whatever its schema.
_NOT_JSON = ("{bad", "{", "{'a': 1}", '{"a": }', "undefined", '{"a": 1}}', "   ", "\n\t", "NaN")
_NOT_OBJECT = ("[]", "[1, 2]", '"hello"', '""', "5", "-1.5", "1e400", "true", "false", "null", '[{"a": 1}]')


def common_refusals() -> tuple[EdgeInput, ...]:
    """What every factory refuses, schema or not (all of these are safe to send to real factories)."""
    return tuple(
        [EdgeInput(f"not JSON {text!r}", text, "reject", "C33") for text in _NOT_JSON]
        + [EdgeInput(f"not an object {text}", text, "reject", "C33") for text in _NOT_OBJECT]
    )


def _omitted(schema: SchemaKind) -> Any:
    return {"none": None, "required": _ABSENT, "defaults": {"persona": "analyst", "depth": 3}}[schema]


def probe_corpus(schema: SchemaKind) -> tuple[EdgeInput, ...]:
    """The whole corpus for a probe of this schema kind (docs/probe-protocol.md section 2)."""
    omitted = _omitted(schema)
    omitted_clause = "C35" if schema == "none" else "C34"
    entries = list(common_refusals())
    # An empty form value is how a form builder sends an unset field: as omitted, or refused.
    empty_outcome: Outcome = "either" if omitted is not _ABSENT else "reject"
    entries.append(EdgeInput("empty", "", empty_outcome, omitted_clause, omitted))
    entries.append(
        EdgeInput(
            "omitted",
            None,
            "accept" if omitted is not _ABSENT else "reject",
            omitted_clause,
            omitted,
        )
    )
    entries += _by_schema[schema]()
    return tuple(entries)


def _no_schema() -> list[EdgeInput]:
    ok = "C32"
    return [
        EdgeInput("empty object", "{}", "accept", ok, {}),
        EdgeInput("BOM before an object", '\ufeff{"a": 1}', "either", "C33", {"a": 1}),
        EdgeInput("duplicate keys", '{"a": 1, "a": 2}', "either", "C33", {"a": 2}, ({"a": 1},)),
        EdgeInput("huge integer", '{"n": ' + "1" + "0" * 30 + "}", "accept", ok, {"n": 10**30}),
        EdgeInput("overflowing float", '{"n": 1e400}', "either", "C33", {"n": float("inf")}),
        EdgeInput("overflowing integer", '{"n": ' + OVERFLOWING_INT + "}", "either", "C33", ANY),
        EdgeInput("moderate nesting", _nested(MODERATE), "accept", ok, _nested_value(MODERATE)),
        EdgeInput("deep nesting", _nested(DEEP), "either", "C33", ANY),
        EdgeInput(
            "unicode and escapes", '{"k\\u00e9y": "\\u2603 \\n \\"q\\""}', "accept", ok, {"kéy": '☃ \n "q"'}
        ),
        EdgeInput(
            "every JSON type",
            '{"s": "x", "i": -3, "f": 0.5, "b": false, "z": null, "l": [1], "o": {}}',
            "accept",
            ok,
            {"s": "x", "i": -3, "f": 0.5, "b": False, "z": None, "l": [1], "o": {}},
        ),
    ]


def _required() -> list[EdgeInput]:
    bad, ok = "C31", "C30"
    return [
        EdgeInput("missing required field", "{}", "reject", bad),
        EdgeInput("required field of the wrong type", '{"tenant": 5}', "reject", bad),
        EdgeInput("required field null", '{"tenant": null}', "reject", bad),
        EdgeInput("required field a list", '{"tenant": ["a"]}', "reject", bad),
        EdgeInput("required field an object", '{"tenant": {"a": 1}}', "reject", bad),
        EdgeInput("integer field not a number", '{"tenant": "a", "depth": "deep"}', "reject", bad),
        EdgeInput("integer field a fraction", '{"tenant": "a", "depth": 1.5}', "reject", bad),
        EdgeInput("integer field overflowing", '{"tenant": "a", "depth": 1e400}', "reject", bad),
        EdgeInput("valid", '{"tenant": "a"}', "accept", ok, {"tenant": "a", "depth": 1}),
        # pydantic's default (lax) validation coerces these: valid input, never a 400.
        EdgeInput(
            "lax: integer as a string",
            '{"tenant": "a", "depth": "7"}',
            "accept",
            ok,
            {"tenant": "a", "depth": 7},
        ),
        EdgeInput(
            "lax: integral float", '{"tenant": "a", "depth": 7.0}', "accept", ok, {"tenant": "a", "depth": 7}
        ),
        EdgeInput(
            "extra keys are ignored",
            '{"tenant": "a", "extra": true}',
            "accept",
            ok,
            {"tenant": "a", "depth": 1},
        ),
        EdgeInput(
            "duplicate keys",
            '{"tenant": "x", "tenant": "y"}',
            "either",
            bad,
            {"tenant": "y", "depth": 1},
            ({"tenant": "x", "depth": 1},),
        ),
        EdgeInput(
            "BOM before a valid object", '\ufeff{"tenant": "a"}', "either", "C33", {"tenant": "a", "depth": 1}
        ),
    ]


def _defaults() -> list[EdgeInput]:
    bad, ok = "C31", "C30"
    return [
        EdgeInput("not in the enum", '{"persona": "pirate"}', "reject", bad),
        EdgeInput("enum value of the wrong case", '{"persona": "Analyst"}', "reject", bad),
        EdgeInput("enum field a number", '{"persona": 5}', "reject", bad),
        EdgeInput("integer field null", '{"depth": null}', "reject", bad),
        EdgeInput("integer field a list", '{"depth": [1]}', "reject", bad),
        EdgeInput("empty object", "{}", "accept", ok, {"persona": "analyst", "depth": 3}),
        EdgeInput(
            "lax: integer as a string", '{"depth": "5"}', "accept", ok, {"persona": "analyst", "depth": 5}
        ),
        EdgeInput(
            "lax: integral float",
            '{"persona": "advisor", "depth": 2.0}',
            "accept",
            ok,
            {"persona": "advisor", "depth": 2},
        ),
    ]


_by_schema = {"none": _no_schema, "required": _required, "defaults": _defaults}


def schema_refusals(schema: Mapping[str, Any] | None) -> tuple[EdgeInput, ...]:
    """Deterministic violations of any factory's ``factory_input_schema`` (for factories that are
    not probes): each required field left out, each typed field given a value no lax validator
    coerces, each enum given a value outside it. Unknown shapes give nothing."""
    if not schema or not isinstance(schema.get("properties"), dict):
        return ()
    properties: dict[str, Any] = schema["properties"]
    required = [name for name in schema.get("required", ()) if name in properties]
    base = {name: _a_valid(properties[name]) for name in required}
    if any(value is _ABSENT for value in base.values()):
        return ()
    out = [
        EdgeInput(
            f"missing required {name!r}",
            json.dumps({k: v for k, v in base.items() if k != name}),
            "reject",
            "C31",
        )
        for name in required
    ]
    for name, prop in properties.items():
        if not isinstance(prop, dict) or "anyOf" in prop:
            continue
        wrong = _a_wrong(prop)
        if wrong is not _ABSENT:
            out.append(
                EdgeInput(f"{name!r} of the wrong type", json.dumps({**base, name: wrong}), "reject", "C31")
            )
    return tuple(out)


def _a_valid(prop: Any) -> Any:
    if not isinstance(prop, dict):
        return _ABSENT
    if prop.get("enum"):
        return prop["enum"][0]
    return {"string": "agentos-contract", "integer": 1, "number": 1.0, "boolean": True}.get(
        str(prop.get("type")), _ABSENT
    )


def _a_wrong(prop: dict[str, Any]) -> Any:
    if "enum" in prop:
        return "agentos-contract-not-in-enum"
    return {"string": [1], "integer": "agentos-contract", "number": [1], "boolean": [1]}.get(
        str(prop.get("type")), _ABSENT
    )
