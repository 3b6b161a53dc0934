"""The suite as a library: judge a URL, an ASGI app or an httpx transport."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import httpx

from agentos_contract.config import SuiteConfig
from agentos_contract.runner import RunResult, SuiteAborted, run_suite
from agentos_contract.target import Budget, Target, TargetUnreachable


def make_target(
    config: SuiteConfig,
    *,
    url: str | None = None,
    app: Any = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Target:
    """Exactly one of ``url``, ``app`` (in-process ASGI) or ``transport``."""
    if sum(x is not None for x in (url, app, transport)) != 1:
        raise ValueError("give exactly one of url, app or transport")
    budget = Budget(max_requests=config.max_requests, time_budget_s=config.time_budget_s)
    common: dict[str, Any] = {
        "budget": budget,
        "request_timeout_s": config.request_timeout_s,
        "connection": config.connection,
        "max_connections": config.workers,
        "rate_limit": config.rate_limit,
    }
    if url is not None:
        return Target.from_url(url, **common)
    if app is not None:
        return Target.from_asgi(app, **common)
    assert transport is not None
    return Target.from_transport(transport, **common)


async def judge(
    target: Target, config: SuiteConfig, progress: Callable[[str], None] = lambda message: None
) -> RunResult:
    """Enter the target, run the suite, leave the target."""
    try:
        async with target:
            return await run_suite(target, config, progress)
    except TargetUnreachable as exc:
        raise SuiteAborted(str(exc)) from exc


def judge_sync(
    target: Target, config: SuiteConfig, progress: Callable[[str], None] = lambda message: None
) -> RunResult:
    """The same from synchronous code (must not be called inside a running event loop)."""
    result: RunResult = anyio.run(judge, target, config, progress)
    return result
