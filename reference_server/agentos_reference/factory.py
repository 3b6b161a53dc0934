"""Factories: components built fresh for every request from a RequestContext.

Resolution, in order: validate ``factory_input`` -> invoke the callable (sync or
async) -> check the returned type -> post-resolve (the id forced to the factory's
id, ``db`` filled in when the component has none, ``store_events=True``).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel, ValidationError

from agentos_reference.components import Agent, Team, Workflow
from agentos_reference.context import RequestContext
from agentos_reference.errors import FactoryError, FactoryValidationError

if TYPE_CHECKING:
    from agentos_reference.storage import SqliteDb

logger = logging.getLogger("agentos_reference.factory")

T = TypeVar("T", Agent, Team, Workflow)

FactoryCallable = Callable[[RequestContext], T | Awaitable[T]]

# Ids travel in URL paths; anything that cannot sit in one path segment as-is is refused up front.
MAX_ID_LENGTH = 128


def check_component_id(id: object, what: str) -> str:
    """Refuse ids that are empty or cannot be one URL path segment (ValueError)."""
    if not isinstance(id, str) or not id:
        raise ValueError(f"{what} requires a non-empty 'id' argument.")
    if len(id) > MAX_ID_LENGTH:
        raise ValueError(f"{what} id must be at most {MAX_ID_LENGTH} characters, got {len(id)}.")
    if id in {".", ".."} or any(ch in id for ch in "/\\?#%") or not id.isprintable() or id != id.strip():
        raise ValueError(f"{what} id {id!r} cannot be used in a URL path segment.")
    return id


class BaseFactory(Generic[T]):
    """A registered callable that produces a fresh component of type ``T`` per request."""

    component_type: ClassVar[type[Agent] | type[Team] | type[Workflow]]
    kind: ClassVar[str]

    def __init__(
        self,
        id: str,
        db: SqliteDb,
        factory: FactoryCallable[T],
        name: str | None = None,
        description: str | None = None,
        input_schema: type[BaseModel] | None = None,
    ) -> None:
        check_component_id(id, type(self).__name__)
        if db is None:
            raise ValueError(f"{type(self).__name__} requires a 'db' argument for session storage.")
        if not callable(factory):
            raise ValueError(
                f"{type(self).__name__} 'factory' must be callable, got {type(factory).__name__}."
            )
        if input_schema is not None and not (
            isinstance(input_schema, type) and issubclass(input_schema, BaseModel)
        ):
            raise ValueError(f"{type(self).__name__} 'input_schema' must be a pydantic BaseModel subclass.")
        self.id = id
        self.db = db
        self.factory: FactoryCallable[T] = factory
        self.name = name
        self.description = description
        self.input_schema = input_schema

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r})"

    # -- input ------------------------------------------------------------------------------------

    def validate_input(self, raw_input: Any) -> BaseModel | dict[str, Any] | None:
        """Validate a parsed ``factory_input`` (or its JSON text) against ``input_schema``.

        Without a schema the value passes through (a dict or None); with one, an
        omitted input is validated as ``{}``.
        """
        if isinstance(raw_input, str):
            try:
                raw_input = json.loads(raw_input)
            except (ValueError, RecursionError) as error:
                raise FactoryValidationError(f"factory_input must be valid JSON: {error}") from error
            if not isinstance(raw_input, dict):
                raise FactoryValidationError(
                    f"factory_input must be a JSON object, got {type(raw_input).__name__}"
                )
        if self.input_schema is None:
            if raw_input is not None and not isinstance(raw_input, dict):
                raise FactoryValidationError(
                    f"factory_input must be a JSON object, got {type(raw_input).__name__}"
                )
            return raw_input
        if raw_input is None:
            raw_input = {}
        if not isinstance(raw_input, dict):
            raise FactoryValidationError(
                f"factory_input must be a JSON object, got {type(raw_input).__name__}"
            )
        try:
            return self.input_schema.model_validate(raw_input)
        except ValidationError as error:
            raise FactoryValidationError(f"factory_input validation failed: {error}") from error

    # -- invocation -------------------------------------------------------------------------------

    def is_async(self) -> bool:
        """Whether the callable is a coroutine function (or an object whose ``__call__`` is one)."""
        return inspect.iscoroutinefunction(self.factory) or inspect.iscoroutinefunction(
            getattr(self.factory, "__call__", None)  # noqa: B004 - a callable object's async __call__
        )

    def invoke(self, ctx: RequestContext) -> T:
        """Call the factory synchronously; an async factory is a FactoryError here."""
        if self.is_async():
            raise FactoryError("Cannot invoke an async factory synchronously. Use invoke_async() instead.")
        result = self.factory(ctx)
        if inspect.isawaitable(result):
            _close_unawaited(result)
            raise FactoryError("Cannot invoke an async factory synchronously. Use invoke_async() instead.")
        return result

    async def invoke_async(self, ctx: RequestContext) -> T:
        """Call the factory, awaiting it when it is async (detected per call)."""
        result = self.factory(ctx)
        if inspect.isawaitable(result):
            return await result
        return result

    # -- resolution -------------------------------------------------------------------------------

    def resolve(self, ctx: RequestContext, *, validate: bool = True) -> T:
        """Synchronous resolution (sync factories only)."""
        ctx = self._with_validated_input(ctx) if validate else ctx
        return self._finish(self.invoke(ctx))

    async def resolve_async(self, ctx: RequestContext, *, validate: bool = True) -> T:
        """Validate ``ctx.input`` (unless ``validate=False``), invoke, type-check, post-resolve."""
        ctx = self._with_validated_input(ctx) if validate else ctx
        return self._finish(await self.invoke_async(ctx))

    def _with_validated_input(self, ctx: RequestContext) -> RequestContext:
        return dataclasses.replace(ctx, input=self.validate_input(ctx.input))

    def _finish(self, component: object) -> T:
        expected = self.component_type
        if not isinstance(component, expected):
            raise FactoryError(
                f"{type(self).__name__} '{self.id}' returned {type(component).__name__},"
                f" expected {expected.__name__}."
            )
        produced = cast(T, component)
        self._post_resolve(produced)
        return produced

    def _post_resolve(self, component: T) -> None:
        if component.id is not None and component.id != self.id:
            logger.warning(
                "Factory '%s': produced component has id='%s', overriding to match factory id='%s'.",
                self.id,
                component.id,
                self.id,
            )
        component.id = self.id
        if not component.db:
            component.db = self.db
        component.store_events = True


def _close_unawaited(result: object) -> None:
    close = getattr(result, "close", None)
    if callable(close):
        close()


class AgentFactory(BaseFactory[Agent]):
    """Builds an :class:`Agent` per request."""

    component_type = Agent
    kind = "agent"


class TeamFactory(BaseFactory[Team]):
    """Builds a :class:`Team` per request."""

    component_type = Team
    kind = "team"


class WorkflowFactory(BaseFactory[Workflow]):
    """Builds a :class:`Workflow` per request."""

    component_type = Workflow
    kind = "workflow"
