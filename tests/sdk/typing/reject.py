"""Misuses mypy --strict must reject, each with the error code test_typing.py expects on its line.

Excluded from the repo-wide mypy run (pyproject ``[tool.mypy] exclude``); never executed.
Each expected error is marked at the end of its line as ``# E: <code>``.
"""

from __future__ import annotations

from pydantic import BaseModel

from agentos_factories import AgentRunOutput, AsyncClient, Client, TeamRunOutput


class ResearchInput(BaseModel):
    depth: int = 3


class OtherInput(BaseModel):
    tenant: str


def misuse(client: Client) -> None:
    research = client.agents.factory("research-agent", ResearchInput)
    research.run("hi", factory_input={"depth": 3})  # E: arg-type
    research.run("hi", factory_input=OtherInput(tenant="x"))  # E: arg-type
    research.run("hi", factory_input=None)  # E: arg-type
    research.stream("hi", factory_input=None)  # E: arg-type
    client.workflows.factory("w", ResearchInput).list_runs(session_id="s", factory_input={})  # E: arg-type
    flow = client.workflows.factory("w", ResearchInput)
    flow.continue_run("r", session_id="s", factory_input=OtherInput(tenant="x"))  # E: arg-type
    client.agents.factory("a", dict)  # E: type-var
    client.agents.run("a", "hi", factory_input=[1, 2])  # E: arg-type
    client.agents.run("a", "hi", factory_input="{}")  # E: arg-type
    client.agents.run("a", 5)  # E: arg-type
    client.agents.continue_run("a", "r", session_id="s", factory_input={})  # E: call-arg
    client.teams.continue_run("t", "r", session_id="s", tools=[])  # E: call-arg
    client.agents.cancel("a", "r", factory_input={})  # E: call-arg
    client.workflows.list_runs("w")  # E: call-arg
    client.workflows.list_runs("w", session_id="s", status="DONE")  # E: arg-type
    wrong: TeamRunOutput = client.agents.run("a", "hi")  # E: assignment
    client.with_options(max_retries="3")  # E: arg-type
    Client("http://x", token=5)  # E: arg-type
    stream = client.agents.stream("a", "hi")
    print(stream.completion.content)  # E: union-attr
    for event in stream:
        print(event.step_name)  # E: union-attr
    del wrong


async def async_misuse(client: AsyncClient) -> None:
    not_awaited: AgentRunOutput = client.agents.run("a", "hi")  # E: assignment
    handle = client.agents.factory("a", ResearchInput)
    await handle.run("hi", factory_input={"depth": 1})  # E: arg-type
    for _event in await client.agents.stream("a", "hi"):  # E: attr-defined
        pass
    socket = await client.workflows.websocket("w", route="sideways")  # E: arg-type
    for _frame in await socket.start("go"):  # E: attr-defined
        pass
    del not_awaited


def misuse_of_the_new_surface(client: Client, async_client: AsyncClient) -> None:
    client.agents.run("a", "hi", extra_headers={"X-Tenant": 1})  # E: dict-item
    client.agents.run("a", "hi", total_timeout="5")  # E: arg-type
    client.agents.stream("a", "hi", max_events="3")  # E: arg-type
    wrong_output: TeamRunOutput = client.agents.stream("a", "hi").get_final_output()  # E: assignment
    client.with_raw_response.agents.stream("a", "hi")  # E: attr-defined
    client.with_raw_response.agents.run("a", 5)  # E: arg-type
    parsed_too_early: AgentRunOutput = client.with_raw_response.agents.run("a", "hi")  # E: assignment
    with async_client.agents.stream("a", "hi"):  # E: attr-defined
        pass
    for _text in async_client.agents.stream("a", "hi").text_stream:  # E: attr-defined
        pass
    del wrong_output, parsed_too_early
