"""Checks register themselves with the clauses they judge (schemathesis' shape).

::

    @check("exception-table", clauses=("C38", "C39", "H02"), needs_probes=True)
    async def exception_table(check: Check) -> None: ...

The declaration is the only place a check-to-clause link is written: the catalogue's
``Clause.checks`` is derived from it, a check that records (or reports as not judged) a clause it
did not declare raises :class:`UndeclaredClause` (the run reports the check as crashed), and a
declaration naming a clause the catalogue does not have fails at import.

Checks run in registration order (the import order of ``agentos_contract.checks``), except that
``setup`` checks, whose findings other checks rely on (the ledger's positive control, the
WebSocket route), run first and run even when ``--clauses`` selects none of their clauses, and
``last`` checks (runs of real factories) run at the end.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from agentos_contract.clauses import CLAUSES_BY_ID

CheckFunction = Callable[..., Awaitable[None]]


class UndeclaredClause(Exception):
    """A check recorded a clause it did not declare: the catalogue and the checks drifted apart."""


@dataclass(frozen=True)
class CheckSpec:
    name: str
    clauses: tuple[str, ...]
    run: CheckFunction
    needs_probes: bool = False
    needs_jwt: bool = False
    needs_minter: bool = False
    needs_websocket: bool = False
    # Needs the probes of this protocol version or later (judged "not judged" on older deployments).
    probe_version: int = 1
    setup: bool = False
    last: bool = False


_REGISTERED: list[CheckSpec] = []


def check(
    name: str,
    *,
    clauses: tuple[str, ...],
    needs_probes: bool = False,
    needs_jwt: bool = False,
    needs_minter: bool = False,
    needs_websocket: bool = False,
    probe_version: int = 1,
    setup: bool = False,
    last: bool = False,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated coroutine as the check ``name`` judging ``clauses``."""
    if not clauses:
        raise ValueError(f"check {name!r} declares no clause")
    unknown = [clause for clause in clauses if clause not in CLAUSES_BY_ID]
    if unknown:
        raise ValueError(f"check {name!r} declares clauses the catalogue does not have: {unknown}")
    if len(set(clauses)) != len(clauses):
        raise ValueError(f"check {name!r} declares a clause twice: {clauses}")
    if any(spec.name == name for spec in _REGISTERED):
        raise ValueError(f"check {name!r} is registered twice")
    if setup and last:
        raise ValueError(f"check {name!r} cannot be both setup and last")

    def register(function: CheckFunction) -> CheckFunction:
        _REGISTERED.append(
            CheckSpec(
                name,
                tuple(clauses),
                function,
                needs_probes=needs_probes,
                needs_jwt=needs_jwt,
                needs_minter=needs_minter,
                needs_websocket=needs_websocket,
                probe_version=probe_version,
                setup=setup,
                last=last,
            )
        )
        return function

    return register


def registered() -> tuple[CheckSpec, ...]:
    """Every registered check, in the order the runner runs them."""
    return tuple(
        [spec for spec in _REGISTERED if spec.setup]
        + [spec for spec in _REGISTERED if not spec.setup and not spec.last]
        + [spec for spec in _REGISTERED if spec.last]
    )


def checks_judging(clause_id: str) -> tuple[str, ...]:
    """The names of the checks that declared ``clause_id`` (after every check module is imported)."""
    import agentos_contract.checks  # noqa: F401  (registers every check)

    return tuple(spec.name for spec in registered() if clause_id in spec.clauses)
