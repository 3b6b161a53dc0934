"""Fixtures of the SDK unit tests: respx-mocked deployments and both clients."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

import pytest
import respx

from agentos_factories import AsyncClient, Client, RunStream

from .payloads import BASE_URL

T = TypeVar("T")


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture(params=["sync", "async"])
async def client(
    request: pytest.FixtureRequest, mock: respx.MockRouter
) -> AsyncIterator[Client | AsyncClient]:
    """Each test that takes ``client`` runs once with ``Client`` and once with ``AsyncClient``."""
    if request.param == "sync":
        with Client(BASE_URL, token="tok", max_retries=0) as sync_client:
            yield sync_client
    else:
        async with AsyncClient(BASE_URL, token="tok", max_retries=0) as async_client:
            yield async_client


async def invoke(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a sync or async client method and return its result. A stream is started, as a caller
    who iterates it would: ``await`` sends an async one, entering (``__enter__``) a sync one."""
    result = function(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    elif isinstance(result, RunStream):
        result.__enter__()
    return result


async def collect(stream: Any) -> list[Any]:
    """All events of a sync or async run stream."""
    if hasattr(stream, "__aiter__"):
        return [event async for event in stream]
    return list(stream)
