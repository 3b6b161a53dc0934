"""Factory exceptions, and the one place that maps them to HTTP status codes.

FactoryError                 500  base; a bad return type or any uncaught exception too
 +-- FactoryValidationError  400  factory_input is not JSON, not an object, or fails input_schema
 +-- FactoryPermissionError  403  raised by a factory that refuses the caller
 +-- FactoryContextRequired  500  a factory was reached without a RequestContext (internal)
"""

from __future__ import annotations


class FactoryError(Exception):
    """Base of every factory failure. Surfaces as HTTP 500 with a generic detail."""


class FactoryValidationError(FactoryError):
    """``factory_input`` failed parsing or ``input_schema`` validation. HTTP 400, before the factory runs."""


class FactoryPermissionError(FactoryError):
    """The factory decided the caller is not authorized. HTTP 403 with the exception text."""


class FactoryContextRequired(FactoryError):
    """A factory was matched where no RequestContext can be built. Internal; never a client-facing 4xx."""


def http_status_for(error: BaseException) -> int:
    """The HTTP status the routers answer for an exception raised while resolving a factory."""
    if isinstance(error, FactoryValidationError):
        return 400
    if isinstance(error, FactoryPermissionError):
        return 403
    return 500
