"""The typed facade of the written module: one attribute per component, sync and async.

``Bindings(client).agents.research_agent.run("...", factory_input=ResearchAgentInput(...))``.
Each attribute is a small class bound to one component; the ones with a model delegate to the
SDK's typed handles (``client.agents.factory(id, Model)``), the others to the endpoint methods:

============  ===================================================================
flavour       ``factory_input`` on run, stream (and workflow continue, list_runs)
============  ===================================================================
required      the model, required (it has a required field)
defaults      the model, or left out (every field has a default)
json          a JSON object, or left out (a factory without ``input_schema``)
prototype     not a parameter (a prototype never reads it)
============  ===================================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TypeAlias

from ._discovery import KINDS, ComponentKind

__all__ = ["Binding", "Flavour", "render_base", "render_facade", "wrapper_name"]

Flavour: TypeAlias = Literal["required", "defaults", "json", "prototype"]

_COLLECTION = {"agent": "agents", "team": "teams", "workflow": "workflows"}
_CLASS_SUFFIX: dict[Flavour, str] = {
    "required": "WithRequiredInput",
    "defaults": "WithDefaultInput",
    "json": "WithJsonInput",
    "prototype": "Prototype",
}
_FLAVOUR_DOC: dict[Flavour, str] = {
    "required": "``factory_input`` is its model, always (a field is required).",
    "defaults": "``factory_input`` is its model, or left out (every field has a default).",
    "json": "It declares no ``input_schema``: ``factory_input`` is a JSON object or left out.",
    "prototype": "A prototype: it reads no ``factory_input``.",
}
_HITL = {
    "agent": ("tools", "Sequence[ToolExecution | Mapping[str, Any]]"),
    "team": ("requirements", "Sequence[RunRequirement | Mapping[str, Any]]"),
    "workflow": ("step_requirements", "Sequence[StepRequirement | Mapping[str, Any]]"),
}


@dataclass(frozen=True)
class Binding:
    """One component of the facade."""

    kind: ComponentKind
    id: str
    attribute: str
    flavour: Flavour
    model: str | None


def wrapper_name(kind: ComponentKind, flavour: Flavour, is_async: bool) -> str:
    return f"{'Async' if is_async else ''}{kind.capitalize()}{_CLASS_SUFFIX[flavour]}"


BASE = '''
class FactoryInputModel(BaseModel):
    """Base of the factory_input models: they send what the deployment reads.

    A field left unset whose value is None is left out of the JSON sent, so the
    deployment applies its own default (a schema declares none where the server's
    model has a default factory, and null would be refused there).
    """

    @model_serializer(mode="wrap")
    def _leave_out_unset_nones(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            fields = type(self).model_fields
            for name in fields.keys() - self.model_fields_set:
                field = fields[name]
                alias = field.serialization_alias or field.alias
                key = (alias or name) if info.by_alias else name
                if key in data and data[key] is None:
                    del data[key]
        return data
'''


def render_base() -> str:
    return BASE.strip("\n")


def _params(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def _wrapper(kind: ComponentKind, flavour: Flavour, is_async: bool) -> str:
    title = kind.capitalize()
    collection = _COLLECTION[kind]
    client = "AsyncClient" if is_async else "Client"
    prefix = "Async" if is_async else ""
    fn = "async def" if is_async else "def"
    aw = "await " if is_async else ""
    name = wrapper_name(kind, flavour, is_async)
    with_model = flavour in ("required", "defaults")
    ident = f"{kind}_id"
    hitl_name, hitl_type = _HITL[kind]
    output = f"{title}RunOutput"
    stream = f"{prefix}{title}RunStream"
    timeout = "timeout: float | NotGiven | None = NOT_GIVEN"
    identity = "user_id: str | None = None, session_id: str | None = None"
    fi_param = {
        "required": "factory_input: InputT",
        "defaults": "factory_input: InputT | None = None",
        "json": "factory_input: Mapping[str, JsonValue] | None = None",
        "prototype": "",
    }[flavour]
    fi_arg = {
        "required": "factory_input=factory_input",
        "defaults": "factory_input=NOT_GIVEN if factory_input is None else factory_input",
        "json": "factory_input=factory_input",
        "prototype": "",
    }[flavour]
    # The model flavours call the SDK's typed handle; the others the endpoint with the id.
    target = "self._handle" if with_model else f"self._{collection}"
    id_arg = "" if with_model else f"self.{ident}"
    generic = "(Generic[InputT])" if with_model else ""
    lines = [
        f"class {name}{generic}:",
        f'    """One {kind} of the deployment.',
        "",
        f"    {_FLAVOUR_DOC[flavour]}",
        '    """',
        "",
    ]
    if with_model:
        lines += [
            f"    def __init__(self, client: {client}, {ident}: str, input_model: type[InputT]) -> None:",
            f"        self.{ident} = {ident}",
            "        self.input_model = input_model",
            f"        self._handle = client.{collection}.factory({ident}, input_model)",
            "",
        ]
    else:
        lines += [
            f"    def __init__(self, client: {client}, {ident}: str) -> None:",
            f"        self.{ident} = {ident}",
            f"        self._{collection} = client.{collection}",
            "",
        ]
    info_call = (
        f"{target}.info(timeout=timeout)" if with_model else f"{target}.get({id_arg}, timeout=timeout)"
    )
    lines += [
        f"    {fn} info(self, *, {timeout}) -> {title}Info:",
        f"        return {aw}{info_call}",
        "",
    ]
    run_args = _params(
        id_arg, "message", fi_arg, "user_id=user_id", "session_id=session_id", "timeout=timeout"
    )
    for method, returns in (("run", output), ("stream", stream)):
        lines += [
            f"    {fn} {method}(self, message: str, *, {_params(fi_param, identity, timeout)}) -> {returns}:",
            f"        return {aw}{target}.{method}({run_args})",
            "",
        ]
    # Agent and team continue never read factory_input; workflow continue does.
    continue_fi_param = fi_param if kind == "workflow" else ""
    continue_fi_arg = fi_arg if kind == "workflow" else ""
    follow_up = "input: str | None = None" if kind != "workflow" else ""
    for method, returns in (("continue_run", output), ("continue_stream", stream)):
        params = _params(
            "session_id: str", continue_fi_param, f"{hitl_name}: {hitl_type} | None = None", follow_up,
            "user_id: str | None = None", timeout,
        )  # fmt: skip
        args = _params(
            id_arg, "run_id", "session_id=session_id", continue_fi_arg, f"{hitl_name}={hitl_name}",
            "input=input" if follow_up else "", "user_id=user_id", "timeout=timeout",
        )  # fmt: skip
        lines += [
            f"    {fn} {method}(self, run_id: str, *, {params}) -> {returns}:",
            f"        return {aw}{target}.{method}({args})",
            "",
        ]
    if kind == "workflow":
        read_param = {
            "required": "factory_input: InputT | None = None",
            "defaults": "factory_input: InputT | None = None",
            "json": fi_param,
            "prototype": "",
        }[flavour]
        read_arg = "factory_input=factory_input" if flavour != "prototype" else ""
        get_params = _params("session_id: str", read_param, timeout)
        get_args = _params(id_arg, "run_id", "session_id=session_id", read_arg, "timeout=timeout")
        list_params = _params("session_id: str", fi_param, "status: RunStatus | None = None", timeout)
        list_args = _params(id_arg, "session_id=session_id", fi_arg, "status=status", "timeout=timeout")
        lines += [
            f"    {fn} get_run(self, run_id: str, *, {get_params}) -> WorkflowRunOutput:",
            f"        return {aw}{target}.get_run({get_args})",
            "",
            f"    {fn} list_runs(self, *, {list_params}) -> list[WorkflowRunSummary]:",
            f"        return {aw}{target}.list_runs({list_args})",
            "",
        ]
    cancel_args = _params(id_arg, "run_id", "session_id=session_id", "timeout=timeout")
    lines += [
        f"    {fn} cancel(self, run_id: str, *, session_id: str | None = None, {timeout}) -> None:",
        f"        {aw}{target}.cancel({cancel_args})",
    ]
    return "\n".join(lines)


def _collection_class(kind: ComponentKind, bindings: list[Binding], is_async: bool) -> str:
    prefix = "Async" if is_async else ""
    client = "AsyncClient" if is_async else "Client"
    name = f"{prefix}{_COLLECTION[kind].capitalize()}"
    lines = [
        f"class {name}:",
        f'    """The {_COLLECTION[kind]} of the deployment, one attribute each."""',
        "",
        f"    def __init__(self, client: {client}) -> None:",
    ]
    for binding in bindings:
        wrapper = wrapper_name(kind, binding.flavour, is_async)
        if binding.model is not None:
            annotation = f"{wrapper}[{binding.model}]"
            value = f"{wrapper}(client, {binding.id!r}, {binding.model})"
        else:
            annotation = wrapper
            value = f"{wrapper}(client, {binding.id!r})"
        lines.append(f"        self.{binding.attribute}: {annotation} = {value}")
    if not bindings:
        lines.append("        del client  # the deployment has none")
    return "\n".join(lines)


def _deployment_class(is_async: bool) -> str:
    prefix = "Async" if is_async else ""
    client = "AsyncClient" if is_async else "Client"
    return "\n".join(
        [
            f"class {prefix}Bindings:",
            f'    """Typed handles on every component of the deployment, through a ``{client}``."""',
            "",
            f"    def __init__(self, client: {client}) -> None:",
            "        self.client = client",
            f"        self.agents = {prefix}Agents(client)",
            f"        self.teams = {prefix}Teams(client)",
            f"        self.workflows = {prefix}Workflows(client)",
        ]
    )


def render_facade(bindings: Iterable[Binding]) -> list[str]:
    """The facade's class definitions, in a fixed order."""
    every = list(bindings)
    blocks: list[str] = []
    for is_async in (False, True):
        used = sorted({(b.kind, b.flavour) for b in every}, key=lambda pair: (KINDS.index(pair[0]), pair[1]))
        blocks += [_wrapper(kind, flavour, is_async) for kind, flavour in used]
        for kind in KINDS:
            blocks.append(_collection_class(kind, [b for b in every if b.kind == kind], is_async))
        blocks.append(_deployment_class(is_async))
    return blocks
