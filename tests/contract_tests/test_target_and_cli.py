"""The target (budgets, no redirects, in-process WebSocket) and the CLI's exit codes."""

from __future__ import annotations

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from agentos_contract.cli import main
from agentos_contract.target import Budget, BudgetExhausted, Target, WebSocketRejected


async def agents(request: Request) -> JSONResponse:
    return JSONResponse([])


async def elsewhere(request: Request) -> RedirectResponse:
    return RedirectResponse("http://evil.example/agents", status_code=307)


async def echo_ws(websocket: WebSocket) -> None:
    await websocket.accept()
    text = await websocket.receive_text()
    await websocket.send_text(f"echo:{text}")
    await websocket.close()


APP = Starlette(routes=[Route("/agents", agents), Route("/moved", elsewhere), WebSocketRoute("/ws", echo_ws)])


def test_redirects_are_observed_never_followed() -> None:
    async def scenario() -> None:
        async with Target.from_asgi(APP) as target:
            answer = await target.request("GET", "/moved")
            assert answer.status == 307
            assert answer.exchange.url == "http://agentos.test/moved"

    anyio.run(scenario)


def test_the_request_budget_stops_the_run() -> None:
    async def scenario() -> None:
        async with Target.from_asgi(APP, budget=Budget(max_requests=2, time_budget_s=60)) as target:
            await target.request("GET", "/agents")
            await target.request("GET", "/agents")
            with pytest.raises(BudgetExhausted, match="request budget of 2"):
                await target.request("GET", "/agents")

    anyio.run(scenario)


def test_absolute_urls_are_refused() -> None:
    async def scenario() -> None:
        async with Target.from_asgi(APP) as target:
            with pytest.raises(ValueError, match="relative"):
                await target.request("GET", "http://evil.example/agents")

    anyio.run(scenario)


def test_in_process_websocket_conversation_and_refusal() -> None:
    async def scenario() -> None:
        async with Target.from_asgi(APP) as target:
            async with target.websocket("/ws") as ws:
                await ws.send_json({"a": 1})
                assert await ws.receive_text(5) == 'echo:{"a": 1}'
                assert await ws.receive_text(1) is None  # the server closed
            assert ws.exchange().ws_sent == ('{"a": 1}',)
            with pytest.raises(WebSocketRejected) as refused:
                async with target.websocket("/nope"):
                    pass
            assert refused.value.status == 403

    anyio.run(scenario)


def test_cli_exit_codes_for_what_cannot_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--url", "http://127.0.0.1:9", "--quiet", "--time-budget", "5"]) == 2
    assert "cannot run" in capsys.readouterr().err
    assert main(["check", "--url", "ftp://x", "--quiet"]) == 2
    assert "not an http(s) URL" in capsys.readouterr().err
    assert main(["check", "--url", "http://127.0.0.1:9", "--jwt-secret", "s" * 32, "--token", "a.b.c"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["check", "--url", "http://127.0.0.1:9", "--token", "not-a-jwt"]) == 2
    assert "--token is not a JWT" in capsys.readouterr().err
    assert main(["check", "--url", "http://127.0.0.1:9", "--max-examples", "0"]) == 2
    assert main(["clauses"]) == 0
    assert "C01 The factory id is the handle in API URLs" in capsys.readouterr().out


def test_a_deployment_that_is_not_agentos_cannot_be_judged(capsys: pytest.CaptureFixture[str]) -> None:
    from agentos_contract.api import judge_sync, make_target
    from agentos_contract.config import SuiteConfig
    from agentos_contract.runner import SuiteAborted

    async def not_agentos(scope: object, receive: object, send: object) -> None:
        response = JSONResponse({"hello": "world"})
        await response(scope, receive, send)  # type: ignore[arg-type]  # an ASGI app, loosely typed here

    config = SuiteConfig()
    with pytest.raises(SuiteAborted, match="expected a JSON list of components"):
        judge_sync(make_target(config, app=not_agentos), config)
