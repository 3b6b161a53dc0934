"""``client.with_raw_response``: the endpoint groups again, each non-streamed method returning an
``APIResponse`` (status, headers, request id, body) whose ``parse()`` gives the typed result.

Streams already carry their response (``stream.response``, ``stream.request_id``). Written once
in ``_async/raw.py``; ``_sync/`` is generated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentos_factories._response import async_to_raw_response_wrapper

if TYPE_CHECKING:
    from .agents import AsyncAgents
    from .client import AsyncClient
    from .teams import AsyncTeams
    from .workflows import AsyncWorkflows

__all__ = [
    "AsyncAgentsWithRawResponse",
    "AsyncClientWithRawResponse",
    "AsyncTeamsWithRawResponse",
    "AsyncWorkflowsWithRawResponse",
]


class AsyncAgentsWithRawResponse:
    """``client.with_raw_response.agents``: the agent methods, answering ``APIResponse``s."""

    def __init__(self, agents: AsyncAgents) -> None:
        self.list = async_to_raw_response_wrapper(agents.list)
        self.get = async_to_raw_response_wrapper(agents.get)
        self.run = async_to_raw_response_wrapper(agents.run)
        self.continue_run = async_to_raw_response_wrapper(agents.continue_run)
        self.cancel = async_to_raw_response_wrapper(agents.cancel)


class AsyncTeamsWithRawResponse:
    """``client.with_raw_response.teams``: the team methods, answering ``APIResponse``s."""

    def __init__(self, teams: AsyncTeams) -> None:
        self.list = async_to_raw_response_wrapper(teams.list)
        self.get = async_to_raw_response_wrapper(teams.get)
        self.run = async_to_raw_response_wrapper(teams.run)
        self.continue_run = async_to_raw_response_wrapper(teams.continue_run)
        self.cancel = async_to_raw_response_wrapper(teams.cancel)


class AsyncWorkflowsWithRawResponse:
    """``client.with_raw_response.workflows``: the workflow methods, answering ``APIResponse``s."""

    def __init__(self, workflows: AsyncWorkflows) -> None:
        self.list = async_to_raw_response_wrapper(workflows.list)
        self.get = async_to_raw_response_wrapper(workflows.get)
        self.run = async_to_raw_response_wrapper(workflows.run)
        self.continue_run = async_to_raw_response_wrapper(workflows.continue_run)
        self.get_run = async_to_raw_response_wrapper(workflows.get_run)
        self.list_runs = async_to_raw_response_wrapper(workflows.list_runs)
        self.cancel = async_to_raw_response_wrapper(workflows.cancel)


class AsyncClientWithRawResponse:
    """The client's endpoint groups with raw access (``client.with_raw_response``)."""

    def __init__(self, client: AsyncClient) -> None:
        self.agents = AsyncAgentsWithRawResponse(client.agents)
        self.teams = AsyncTeamsWithRawResponse(client.teams)
        self.workflows = AsyncWorkflowsWithRawResponse(client.workflows)
