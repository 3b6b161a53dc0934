"""Building the component that answers a request, with the spec's exception-to-status mapping."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from agentos_reference.context import RequestContext
from agentos_reference.errors import http_status_for
from agentos_reference.factory import BaseFactory
from agentos_reference.http.problems import FactoryRefused
from agentos_reference.logs import log_failure
from agentos_reference.registry import KIND_TITLES, Component, Kind, Registration

logger = logging.getLogger("agentos_reference.resolution")

_ERROR_TYPES = {400: "validation", 403: "permission"}


@contextmanager
def factory_failures(kind: Kind, component_id: str) -> Iterator[None]:
    """Turn whatever a factory raises into a FactoryRefused; a 500 never carries the exception's text."""
    try:
        yield
    except Exception as error:
        status = http_status_for(error)
        if status == 500:
            log_failure(logger, error, "%s factory %r failed", KIND_TITLES[kind], component_id)
            raise FactoryRefused(500, f"{KIND_TITLES[kind]} factory error", "factory") from error
        raise FactoryRefused(status, str(error), _ERROR_TYPES[status]) from error


async def resolve(registration: Registration, ctx: RequestContext, *, validate: bool = True) -> Component:
    """The component for this request: a fresh one from a factory, or the registered prototype."""
    entry = registration.entry
    if not isinstance(entry, BaseFactory):
        return entry
    with factory_failures(registration.kind, registration.id):
        component: Component = await entry.resolve_async(ctx, validate=validate)
    return component
