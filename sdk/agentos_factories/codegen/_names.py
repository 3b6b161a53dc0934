"""Python names from factory ids: stable (a function of the deployment alone) and collision-free.

``research-agent`` gives the model ``ResearchAgentInput`` and the attribute ``research_agent``.
Ids that give the same model name in two kinds add the kind (``ResearchAgentInput``,
``ResearchTeamInput``); ids that still collide (``a-b`` and ``a_b``) add the first six hex digits
of the id's SHA-256, so a name never depends on the order in which the deployment lists things.
"""

from __future__ import annotations

import hashlib
import keyword
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ._discovery import KINDS, Component, ComponentKind

__all__ = ["RESERVED_NAMES", "Key", "Names", "assign_names", "pascal_case", "snake_case"]

_WORDS = re.compile(r"[A-Za-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

#: Names the written module defines or imports itself; a schema's own definitions yield to them.
RESERVED_NAMES = frozenset(
    {
        "Annotated", "Any", "AsyncBindings", "AsyncClient", "BaseModel", "Bindings", "Client",
        "ConfigDict", "Enum", "Field", "FactoryInputModel", "Final", "Generic", "InputT", "JsonValue",
        "Literal", "Mapping", "RootModel", "Sequence", "SerializationInfo",
        "SerializerFunctionWrapHandler", "TypeVar", "date", "datetime", "model_serializer", "time",
        "timedelta",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Names:
    """What the bindings call one component."""

    attribute: str
    #: The factory_input model's class name; None for a factory without a schema and for prototypes.
    model: str | None


def _words(text: str) -> list[str]:
    return [word for chunk in _WORDS.findall(text) for word in _CAMEL.split(chunk) if word]


def pascal_case(text: str) -> str:
    """``research-agent`` -> ``ResearchAgent`` (``""`` when ``text`` has no ASCII letter or digit)."""
    return "".join(word[0].upper() + word[1:] for word in _words(text))


def snake_case(text: str) -> str:
    """``research-agent`` -> ``research_agent``; a keyword gets a trailing underscore."""
    name = "_".join(word.lower() for word in _words(text))
    if not name or name[0].isdigit():
        name = f"n{name}"
    return f"{name}_" if keyword.iskeyword(name) else name


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:6]


def _model_base(component: Component) -> str:
    base = pascal_case(component.id)
    return base if base and not base[0].isdigit() else f"{component.kind.capitalize()}{base}"


Key = tuple[ComponentKind, str]


def _unique(first: Mapping[Key, str], widen: Mapping[Key, str]) -> dict[Key, str]:
    """``first[key]``, or ``widen[key]`` where two components share a first name."""
    counts = Counter(first.values())
    return {key: widen[key] if counts[name] > 1 else name for key, name in first.items()}


def _model_names(factories: list[Component]) -> dict[Key, str]:
    bases = {(c.kind, c.id): _model_base(c) for c in factories}
    plain = {key: f"{base}Input" for key, base in bases.items()}
    with_kind = {key: f"{base}{key[0].capitalize()}Input" for key, base in bases.items()}
    hashed = {key: f"{base}{key[0].capitalize()}{_digest(key[1])}Input" for key, base in bases.items()}
    return _unique(_unique(plain, with_kind), hashed)


def _attribute_names(components: list[Component]) -> dict[Key, str]:
    plain = {(c.kind, c.id): snake_case(c.id) for c in components}
    hashed = {(c.kind, c.id): f"{snake_case(c.id).rstrip('_')}_{_digest(c.id)}" for c in components}
    return _unique(plain, hashed)


def assign_names(components: Iterable[Component]) -> dict[Key, Names]:
    """Names for every component, keyed by ``(kind, id)``."""
    every = sorted(components, key=lambda component: component.sort_key)
    models = _model_names([c for c in every if c.is_factory and c.input_schema is not None])
    attributes: dict[Key, str] = {}
    for kind in KINDS:
        attributes.update(_attribute_names([c for c in every if c.kind == kind]))
    return {
        (c.kind, c.id): Names(attribute=attributes[(c.kind, c.id)], model=models.get((c.kind, c.id)))
        for c in every
    }
