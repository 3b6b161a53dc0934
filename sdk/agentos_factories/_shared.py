"""Small helpers of the resource classes."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, JsonValue, TypeAdapter

from ._errors import FactoryInputError
from ._types import ModelT, NotGiven

#: Adapters build their validators on first use, not at import: most programs use a few endpoints,
#: and building them all made ``import agentos_factories`` cost ~1.5 MB and ~40 ms more.
DEFERRED = ConfigDict(defer_build=True)

#: The body of a cancel answer (agno: ``{}``); anything but a JSON object is a malformed answer.
CANCEL_ADAPTER: TypeAdapter[dict[str, JsonValue]] = TypeAdapter(dict[str, JsonValue], config=DEFERRED)


def cancel_answer(data: Any) -> None:
    """A cancel answer is checked to be a JSON object; the method returns nothing."""
    CANCEL_ADAPTER.validate_python(data)


def checked_model(value: Any, model: type[ModelT]) -> ModelT:
    """``value`` when it is an instance of the handle's model; mypy checks this, this checks at runtime."""
    if not isinstance(value, model):
        raise FactoryInputError(
            f"this factory handle takes factory_input as {model.__name__}, not {type(value).__name__}"
        )
    return value


def checked_model_type(model: object) -> None:
    from pydantic import BaseModel

    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"a factory handle needs a pydantic model class, not {model!r}")


def model_or_omitted(value: Any, model: type[ModelT]) -> ModelT | None:
    """What a typed handle sends: ``value`` checked as above, or ``None`` (leave ``factory_input`` out)
    when the caller passed nothing (``NOT_GIVEN``).

    Leaving it out is allowed only when every field of ``model`` has a default: the deployment
    then validates ``{}``, which such a model accepts. Otherwise this raises before anything is sent.
    """
    if not isinstance(value, NotGiven):
        return checked_model(value, model)
    required = [name for name, field in model.model_fields.items() if field.is_required()]
    if required:
        raise FactoryInputError(
            f"this factory handle needs factory_input as {model.__name__}: it has required fields"
            f" {', '.join(required)}"
        )
    return None
