"""Client options: base URL, token sources, timeouts, injected http clients, with_options, close."""

from __future__ import annotations

import itertools

import httpx
import pytest
import respx

from agentos_factories import AsyncClient, Client

from .payloads import BASE_URL, agent_output


def test_token_is_sent_as_bearer_and_a_callable_is_asked_per_request(mock: respx.MockRouter) -> None:
    route = mock.get("/agents").respond(json=[])
    counter = itertools.count(1)
    with Client(BASE_URL, token=lambda: f"fresh-{next(counter)}") as client:
        client.agents.list()
        client.agents.list()
    assert [call.request.headers["authorization"] for call in route.calls] == [
        "Bearer fresh-1",
        "Bearer fresh-2",
    ]


def test_no_token_no_authorization_header(mock: respx.MockRouter) -> None:
    route = mock.get("/agents").respond(json=[])
    with Client(BASE_URL) as client:
        client.agents.list()
    assert "authorization" not in route.calls.last.request.headers


async def test_async_client_accepts_a_coroutine_token_source(mock: respx.MockRouter) -> None:
    route = mock.get("/agents").respond(json=[])

    async def token() -> str:
        return "from-a-coroutine"

    async with AsyncClient(BASE_URL, token=token) as client:
        await client.agents.list()
        assert await client.bearer_token() == "from-a-coroutine"
    assert route.calls.last.request.headers["authorization"] == "Bearer from-a-coroutine"


@pytest.mark.parametrize("bad", [lambda: None, lambda: "", ""])
def test_a_token_source_that_gives_no_string_is_a_type_error(mock: respx.MockRouter, bad: object) -> None:
    route = mock.get("/agents").respond(json=[])
    with Client(BASE_URL, token=bad) as client, pytest.raises(TypeError, match="non-empty string"):  # type: ignore[arg-type]  # testing untyped callers
        client.agents.list()
    assert not route.called


@pytest.mark.parametrize("base_url", ["agentos.test", "ftp://agentos.test", "/relative", ""])
def test_base_url_must_be_absolute_http(base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        Client(base_url)


@pytest.mark.parametrize("max_retries", [-1, 1.5, True])
def test_max_retries_must_be_a_non_negative_int(max_retries: object) -> None:
    with pytest.raises(ValueError, match="max_retries"):
        Client(BASE_URL, max_retries=max_retries)  # type: ignore[arg-type]  # testing untyped callers


def test_base_url_path_prefix_is_kept() -> None:
    with respx.mock() as prefixed:
        route = prefixed.get("http://proxy.test/os/agents").respond(json=[])
        with Client("http://proxy.test/os/") as client:
            client.agents.list()
        assert route.called


def test_granular_timeouts_reach_the_request(mock: respx.MockRouter) -> None:
    route = mock.get("/agents").respond(json=[])
    timeout = httpx.Timeout(connect=1.0, read=20.0, write=3.0, pool=4.0)
    with Client(BASE_URL, timeout=timeout) as client:
        client.agents.list()
        assert route.calls.last.request.extensions["timeout"] == timeout.as_dict()
        client.agents.list(timeout=2.5)
        assert route.calls.last.request.extensions["timeout"] == httpx.Timeout(2.5).as_dict()
        client.agents.list(timeout=None)
        assert route.calls.last.request.extensions["timeout"] == httpx.Timeout(None).as_dict()
        assert client.timeout == timeout


def test_an_injected_transport_is_used() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=agent_output())

    with Client(BASE_URL, transport=httpx.MockTransport(handler)) as client:
        client.agents.run("a", "hi")
    assert seen == [f"{BASE_URL}/agents/a/runs"]


def test_an_injected_http_client_is_used_and_not_closed() -> None:
    http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=[])))
    with Client(BASE_URL, http_client=http) as client:
        assert client.agents.list() == []
        assert client.http_client is http
    assert not http.is_closed
    http.close()


def test_client_and_transport_are_exclusive_and_kinds_match() -> None:
    http = httpx.Client()
    with pytest.raises(ValueError, match="either"):
        Client(BASE_URL, http_client=http, transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    with pytest.raises(TypeError, match=r"httpx\.Client"):
        Client(BASE_URL, http_client=httpx.AsyncClient())  # type: ignore[arg-type]  # testing untyped callers
    with pytest.raises(TypeError, match=r"httpx\.AsyncClient"):
        AsyncClient(BASE_URL, http_client=http)  # type: ignore[arg-type]  # testing untyped callers
    http.close()


def test_with_options_copies_share_connections_and_override_options(mock: respx.MockRouter) -> None:
    route = mock.get("/agents").respond(json=[])
    client = Client(BASE_URL, token="one", headers={"X-Team": "a"}, max_retries=1)
    copy = client.with_options(token="two", timeout=9.0, headers={"X-Extra": "b"}, max_retries=0)
    assert copy.http_client is client.http_client
    assert copy.max_retries == 0
    assert client.max_retries == 1
    assert copy.timeout == httpx.Timeout(9.0)
    copy.agents.list()
    headers = route.calls.last.request.headers
    assert headers["authorization"] == "Bearer two"
    assert headers["x-team"] == "a"
    assert headers["x-extra"] == "b"
    copy.close()
    assert not client.http_client.is_closed  # the copy does not own the connections
    client.agents.list()
    assert route.calls.last.request.headers["authorization"] == "Bearer one"
    client.close()
    assert client.http_client.is_closed


async def test_async_with_options_and_close(mock: respx.MockRouter) -> None:
    route = mock.get("/teams").respond(json=[])
    async with AsyncClient(BASE_URL, token="one") as client:
        copy = client.with_options(token="two", base_url=BASE_URL)
        await copy.teams.list()
        assert route.calls.last.request.headers["authorization"] == "Bearer two"
        await copy.close()
        assert not client.http_client.is_closed
    assert client.http_client.is_closed
