"""``agentos-factories generate`` piece by piece: names, the generator's document, drift lines,
determinism, and that ``import agentos_factories`` loads none of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field

from agentos_factories.codegen._discovery import Component
from agentos_factories.codegen._drift import drift
from agentos_factories.codegen._errors import CodegenError
from agentos_factories.codegen._manifest import manifest_components, read_manifest
from agentos_factories.codegen._module import generation_time, render_module
from agentos_factories.codegen._names import assign_names, pascal_case, snake_case
from agentos_factories.codegen._schemas import fingerprint, generator_document


def factory(kind: Any, component_id: str, schema: dict[str, Any] | None) -> Component:
    return Component(kind=kind, id=component_id, is_factory=True, input_schema=schema)


def test_names_come_from_ids_and_never_collide() -> None:
    assert pascal_case("research-agent") == "ResearchAgent"
    assert pascal_case("researchAgent_v2") == "ResearchAgentV2"
    assert snake_case("Research-Agent") == "research_agent"
    assert snake_case("class") == "class_"
    assert snake_case("2fa") == "n2fa"
    names = assign_names(
        [
            factory("agent", "research", {}),
            factory("team", "research", {}),
            factory("agent", "a-b", {}),
            factory("agent", "a_b", {}),
            factory("agent", "plain", None),
            Component("agent", "proto", False, None),
        ]
    )
    models = [n.model for n in names.values() if n.model is not None]
    attributes = [n.attribute for (kind, _), n in names.items() if kind == "agent"]
    assert len(set(models)) == len(models) == 4
    assert len(set(attributes)) == len(attributes)
    assert names[("agent", "research")].model == "ResearchAgentInput"
    assert names[("team", "research")].model == "ResearchTeamInput"
    assert names[("agent", "plain")].model is None
    # Stable: a name depends on the ids, not on the order the deployment lists them in.
    again = assign_names(reversed([factory("agent", "a_b", {}), factory("agent", "a-b", {})]))
    assert again[("agent", "a-b")] == names[("agent", "a-b")]


class Address(BaseModel):
    city: str


class Node(BaseModel):
    name: str
    children: list[Node] = []


def test_definitions_are_shared_when_identical_and_prefixed_when_not() -> None:
    def uses(name: str, definition: dict[str, Any]) -> dict[str, Any]:
        return {"$defs": {name: definition}, "properties": {"home": {"$ref": f"#/$defs/{name}"}}}

    place = {"properties": {"street": {"type": "string"}}, "type": "object", "title": "Place"}
    other_place = {"properties": {"lat": {"type": "number"}}, "type": "object", "title": "Place"}
    components = [
        factory("agent", "one", uses("Address", Address.model_json_schema())),
        factory("agent", "two", uses("Address", Address.model_json_schema())),
        factory("team", "three", uses("Place", place)),
        factory("team", "four", uses("Place", other_place)),
        factory("workflow", "tree", Node.model_json_schema()),
    ]
    document = generator_document(components, assign_names(components))["$defs"]
    assert set(document) == {
        "OneInput", "TwoInput", "Address", "ThreeInput", "ThreeInputPlace", "FourInput", "FourInputPlace",
        "TreeInput",
    }  # fmt: skip
    assert document["OneInput"]["properties"]["home"] == {"$ref": "#/$defs/Address"}
    assert document["FourInput"]["properties"]["home"] == {"$ref": "#/$defs/FourInputPlace"}
    # pydantic's recursive root ({"$ref": "#/$defs/Node"}) becomes the factory's own model.
    assert document["TreeInput"]["properties"]["children"]["items"] == {"$ref": "#/$defs/TreeInput"}


class Optional(BaseModel):
    n: int | None = Field(default=None, ge=1)
    level: Any = None


def test_nullable_constrained_fields_stay_plain_and_foreign_refs_are_refused() -> None:
    components = [factory("agent", "a", Optional.model_json_schema())]
    document = generator_document(components, assign_names(components))["$defs"]
    assert document["AInput"]["properties"]["n"]["type"] == ["integer", "null"]
    assert document["AInput"]["properties"]["n"]["minimum"] == 1
    bad = [factory("agent", "a", {"properties": {"x": {"$ref": "https://example.test/s.json"}}})]
    with pytest.raises(CodegenError, match="points outside the schema"):
        generator_document(bad, assign_names(bad))


def _schema(**properties: Any) -> dict[str, Any]:
    required = [name for name, spec in properties.items() if spec.pop("required", False)]
    return {"type": "object", "properties": properties, "required": required}


def test_drift_names_each_change_per_factory() -> None:
    before = [
        factory(
            "agent",
            "a",
            _schema(
                depth={"type": "integer", "maximum": 5, "default": 1},
                note={"type": "string", "default": ""},
                mode={"enum": ["x", "y"], "default": "x"},
            ),
        ),
        factory("team", "t", None),
        factory("workflow", "w", _schema(x={"type": "string"})),
        Component("agent", "p", False, None),
    ]
    after = [
        factory(
            "agent",
            "a",
            _schema(
                depth={"type": "integer", "maximum": 10, "required": True},
                mode={"enum": ["x", "y", "z"], "default": "x"},
                lang={"type": "string", "required": True},
            ),
        ),
        factory("team", "t", _schema(x={"type": "string"})),
        factory("workflow", "w", {**_schema(x={"type": "string"}), "title": "Renamed"}),
        factory("agent", "p", None),
        factory("agent", "new", None),
    ]
    assert drift(before, after) == [
        "agent 'a': field 'depth' made required",
        "agent 'a': field 'depth' default changed: 1 -> none",
        "agent 'a': field 'depth' maximum changed: 5 -> 10",
        "agent 'a': field 'lang' added (required, string)",
        "agent 'a': field 'mode' retyped: one of ['x', 'y'] -> one of ['x', 'y', 'z']",
        "agent 'a': field 'note' removed",
        "agent 'new': new factory, not in the bindings",
        "agent 'p': now a factory",
        "team 't': now declares an input_schema (the bindings take any JSON object)",
        "workflow 'w': schema changed (titles, descriptions or other annotations only)",
    ]
    assert drift(after, before[:1])[-1] == "workflow 'w': factory gone"
    assert drift(before, before) == []


COMPONENTS = [
    factory(
        "agent",
        "research-agent",
        {
            "properties": {"topic": {"type": "string", "description": "x" * 200}},
            "required": ["topic"],
            "type": "object",
        },
    ),
    factory(
        "workflow",
        "flow",
        {"properties": {"channel": {"enum": ["a", "b"], "default": "a", "type": "string"}}, "type": "object"},
    ),
    Component("agent", "greeter", False, None),
]


def test_the_module_is_deterministic_and_its_manifest_reads_back(tmp_path: Path) -> None:
    first = render_module(COMPONENTS, url="http://x.test", generated_at="2026-01-02T03:04:05Z")
    assert (
        render_module(list(reversed(COMPONENTS)), url="http://x.test", generated_at="2026-01-02T03:04:05Z")
        == first
    )
    # No line over black's 88 columns but a single word (which ruff's E501 lets through).
    assert all(len(line) <= 88 or " " not in line.strip() for line in first.splitlines())
    path = tmp_path / "bindings.py"
    path.write_text(first)
    manifest = read_manifest(path)
    assert manifest["generated_at"] == "2026-01-02T03:04:05Z"
    assert fingerprint(manifest_components(manifest, path)) == fingerprint(COMPONENTS)
    # The time: kept while the fingerprint and URL hold, else SOURCE_DATE_EPOCH, else now.
    assert generation_time(manifest, fingerprint(COMPONENTS), "http://x.test") == "2026-01-02T03:04:05Z"
    assert generation_time(manifest, "sha256:other", "http://x.test") != "2026-01-02T03:04:05Z"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "0")
        assert generation_time(None, "sha256:x", "http://x.test") == "1970-01-01T00:00:00Z"
        patch.setenv("SOURCE_DATE_EPOCH", "soon")
        with pytest.raises(CodegenError, match="SOURCE_DATE_EPOCH"):
            generation_time(None, "sha256:x", "http://x.test")


def test_importing_the_sdk_loads_no_generator() -> None:
    probe = (
        "import sys, agentos_factories; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('datamodel_code_generator', 'black', 'isort', 'jinja2')"
        " or m.startswith('agentos_factories.codegen')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
