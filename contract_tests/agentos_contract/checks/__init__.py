"""The checks, registered by decorator (``checks.registry``) with the clauses each judges.

Importing this package imports every check module, so each check registers as it is defined.
Checks are independent of each other's order except ``setup`` ones (run first) and ``last`` ones.
"""

from __future__ import annotations

from agentos_contract.checks import (  # noqa: F401  (imported to register their checks)
    blackbox,
    edges,
    errors,
    identity,
    isolation,
    lifecycle,
    runs,
    stored,
    validation,
    websocket,
)
from agentos_contract.checks.registry import CheckSpec, UndeclaredClause, check, registered

CHECKS: tuple[CheckSpec, ...] = registered()
CHECKS_BY_NAME = {spec.name: spec for spec in CHECKS}

__all__ = ["CHECKS", "CHECKS_BY_NAME", "CheckSpec", "UndeclaredClause", "check", "registered"]
