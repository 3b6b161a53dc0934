"""The written module: header, models, facade and manifest, formatted by black.

Same deployment, same bytes: everything comes from the deployment's answer (in its order) and
fixed tables, except the time of generation, which is taken from the file being replaced when its
schema fingerprint is the same (else ``SOURCE_DATE_EPOCH``, else now). ``generate --check``
compares schemas, never the time.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from importlib.metadata import version
from typing import Any

from ._discovery import Component
from ._errors import CodegenError
from ._facade import Binding, Flavour, render_base, render_facade
from ._models import generate_models, generator_version
from ._names import assign_names
from ._schemas import fingerprint, generator_document

__all__ = ["MANIFEST_FORMAT", "MANIFEST_NAME", "generation_time", "render_module"]

MANIFEST_NAME = "AGENTOS_BINDINGS"
MANIFEST_FORMAT = 1
LINE_LENGTH = 88
#: Characters of a long string per line of the written module.
_PIECE = 48

#: Every name the facade and base may use, by module; only the used ones are imported.
_CANDIDATE_IMPORTS: Mapping[str, tuple[str, ...]] = {
    "collections.abc": ("Mapping", "Sequence"),
    "typing": ("Any", "Final", "Generic", "TypeVar"),
    "pydantic": (
        "BaseModel", "JsonValue", "SerializationInfo", "SerializerFunctionWrapHandler", "model_serializer",
    ),
    "agentos_factories": (
        "NOT_GIVEN", "AgentInfo", "AgentRunOutput", "AgentRunStream", "AsyncAgentRunStream", "AsyncClient",
        "AsyncTeamRunStream", "AsyncWorkflowRunStream", "Client", "NotGiven", "RunRequirement", "RunStatus",
        "StepRequirement", "TeamInfo", "TeamRunOutput", "TeamRunStream", "ToolExecution", "WorkflowInfo",
        "WorkflowRunOutput", "WorkflowRunStream", "WorkflowRunSummary",
    ),
}  # fmt: skip


def generation_time(previous: Mapping[str, Any] | None, schema_fingerprint: str, url: str) -> str:
    """The time the header shows (see the module docstring)."""
    if (
        previous is not None
        and previous.get("schema_fingerprint") == schema_fingerprint
        and previous.get("deployment_url") == url
        and isinstance(previous.get("generated_at"), str)
    ):
        return str(previous["generated_at"])
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise CodegenError(f"SOURCE_DATE_EPOCH must be seconds since 1970, not {epoch!r}") from None
    else:
        moment = datetime.now(timezone.utc)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _has_required_field(schema: Mapping[str, Any]) -> bool:
    root: Any = schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and "required" not in schema:  # pydantic's recursive root
        definitions = schema.get("$defs") or schema.get("definitions") or {}
        root = definitions.get(ref.rsplit("/", 1)[-1], schema)
    required = root.get("required") if isinstance(root, dict) else None
    return isinstance(required, list) and len(required) > 0


def _flavour(component: Component) -> Flavour:
    if not component.is_factory:
        return "prototype"
    if component.input_schema is None:
        return "json"
    return "required" if _has_required_field(component.input_schema) else "defaults"


def _used_names(source: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}


def _import_block(imports: Mapping[str, set[str]]) -> str:
    """isort's layout: future, then the standard library, then pydantic and the SDK, each sorted."""

    def name_order(name: str) -> tuple[int, str]:
        kind = 0 if name.isupper() and len(name) > 1 else 1 if name[0].isupper() else 2
        return (kind, name.lower())

    third_party = {"pydantic", "agentos_factories"}
    sections = [
        sorted(module for module in imports if module.split(".")[0] not in third_party),
        sorted(module for module in imports if module.split(".")[0] in third_party),
    ]
    lines = ["from __future__ import annotations"]
    for modules in sections:
        if modules:
            lines.append("")
        for module in modules:
            names = sorted(imports[module], key=name_order)
            lines.append(f"from {module} import {', '.join(names)}")
    return "\n".join(lines)


def py_literal(value: object) -> str:
    """A JSON value as a Python literal whose long strings are split into short adjacent pieces,
    so no line of the module is longer than black's 88 columns however long a description is."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(item) for item in value) + "]"
    if isinstance(value, str) and len(value) > _PIECE:
        pieces = [value[i : i + _PIECE] for i in range(0, len(value), _PIECE)]
        return "(" + " ".join(repr(piece) for piece in pieces) + ")"
    return repr(value)


def _format(source: str) -> str:
    try:
        import black
    except ImportError as exc:
        raise CodegenError(
            f"black is not installed ({exc}): pip install 'agentos-factories[codegen]'"
        ) from None
    from black.mode import Mode, TargetVersion

    mode = Mode(target_versions={TargetVersion.PY310}, line_length=LINE_LENGTH)
    return black.format_str(source, mode=mode)


def render_module(components: Sequence[Component], *, url: str, generated_at: str) -> str:
    """The text of the bindings module for ``components`` of the deployment at ``url``."""
    names = assign_names(components)
    ordered = sorted(components, key=lambda component: component.sort_key)
    schema_fingerprint = fingerprint(ordered)
    models = generate_models(
        generator_document(ordered, names), {n.model for n in names.values() if n.model is not None}
    )
    bindings = [
        Binding(c.kind, c.id, names[(c.kind, c.id)].attribute, _flavour(c), names[(c.kind, c.id)].model)
        for c in ordered
    ]
    manifest = {
        "format": MANIFEST_FORMAT,
        "deployment_url": url,
        "generated_at": generated_at,
        "schema_fingerprint": schema_fingerprint,
        "components": [
            {
                "kind": c.kind,
                "id": c.id,
                "is_factory": c.is_factory,
                "attribute": names[(c.kind, c.id)].attribute,
                "model": names[(c.kind, c.id)].model,
                "input_schema": c.input_schema,
            }
            for c in ordered
        ],
    }
    blocks = [
        f"DEPLOYMENT_URL: Final = {py_literal(url)}",
        f"SCHEMA_FINGERPRINT: Final = ({schema_fingerprint!r})",
    ]
    if any(b.flavour in ("required", "defaults") for b in bindings):
        blocks.append('InputT = TypeVar("InputT", bound=BaseModel)')
    if models.classes:
        blocks.append(render_base())
    blocks += models.body
    blocks += render_facade(bindings)
    blocks.append(
        "#: What this module was generated from, read by `agentos-factories generate --check` and\n"
        "#: `agentos_stubs.StubDeployment.from_bindings`; do not edit.\n"
        f"{MANIFEST_NAME}: Final[dict[str, Any]] = {py_literal(manifest)}"
    )
    body = "\n\n\n".join(blocks)
    used = _used_names(body)
    imports: dict[str, set[str]] = {module: set(found) for module, found in models.imports.items()}
    for module, candidates in _CANDIDATE_IMPORTS.items():
        imports.setdefault(module, set()).update(name for name in candidates if name in used)
    imports = {module: {n for n in found if n in used} for module, found in imports.items()}
    imports = {module: found for module, found in imports.items() if found}
    example = next((b for b in bindings if b.flavour != "prototype"), None)
    call = (
        f"bindings.{example.kind}s.{example.attribute}.run(\"Hello\")" if example is not None
        else "bindings.agents  # this deployment declares no factory"
    )  # fmt: skip
    header = "\n".join(
        [
            "# Generated by `agentos-factories generate`; do not edit.",
            f"# Tools: agentos-factories {version('agentos-factories')}, {generator_version()}",
            f"# Deployment: {url}",
            f"# Generated at: {generated_at} (kept while the fingerprint holds)",
            f"# Fingerprint: {schema_fingerprint}",
            f'"""Typed bindings of the AgentOS deployment at {url}.',
            "",
            "    from agentos_factories import Client",
            "",
            "    with Client(DEPLOYMENT_URL) as client:",
            "        bindings = Bindings(client)",
            f"        {call}",
            "",
            "Each factory with an ``input_schema`` has a model named after its id here;",
            "``AsyncBindings`` takes an ``AsyncClient``. ``agentos-factories generate --check",
            "-o <this file>`` exits 1 and says what changed when the deployment's schemas",
            "no longer match this module.",
            '"""',
        ]
    )
    return _format(f"{header}\n\n{_import_block(imports)}\n\n\n{body}\n")
