# Generated from _async/raw.py by scripts/unasync.py: edit that file, then rerun the script.
"""``client.with_raw_response``: the endpoint groups again, each non-streamed method returning an
``APIResponse`` (status, headers, request id, body) whose ``parse()`` gives the typed result.

Streams already carry their response (``stream.response``, ``stream.request_id``). Written once
in ``_async/raw.py``; ``_sync/`` is generated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentos_factories._response import to_raw_response_wrapper

if TYPE_CHECKING:
    from .agents import Agents
    from .client import Client
    from .teams import Teams
    from .workflows import Workflows

__all__ = [
    "AgentsWithRawResponse",
    "ClientWithRawResponse",
    "TeamsWithRawResponse",
    "WorkflowsWithRawResponse",
]


class AgentsWithRawResponse:
    """``client.with_raw_response.agents``: the agent methods, answering ``APIResponse``s."""

    def __init__(self, agents: Agents) -> None:
        self.list = to_raw_response_wrapper(agents.list)
        self.get = to_raw_response_wrapper(agents.get)
        self.run = to_raw_response_wrapper(agents.run)
        self.continue_run = to_raw_response_wrapper(agents.continue_run)
        self.cancel = to_raw_response_wrapper(agents.cancel)


class TeamsWithRawResponse:
    """``client.with_raw_response.teams``: the team methods, answering ``APIResponse``s."""

    def __init__(self, teams: Teams) -> None:
        self.list = to_raw_response_wrapper(teams.list)
        self.get = to_raw_response_wrapper(teams.get)
        self.run = to_raw_response_wrapper(teams.run)
        self.continue_run = to_raw_response_wrapper(teams.continue_run)
        self.cancel = to_raw_response_wrapper(teams.cancel)


class WorkflowsWithRawResponse:
    """``client.with_raw_response.workflows``: the workflow methods, answering ``APIResponse``s."""

    def __init__(self, workflows: Workflows) -> None:
        self.list = to_raw_response_wrapper(workflows.list)
        self.get = to_raw_response_wrapper(workflows.get)
        self.run = to_raw_response_wrapper(workflows.run)
        self.continue_run = to_raw_response_wrapper(workflows.continue_run)
        self.get_run = to_raw_response_wrapper(workflows.get_run)
        self.list_runs = to_raw_response_wrapper(workflows.list_runs)
        self.cancel = to_raw_response_wrapper(workflows.cancel)


class ClientWithRawResponse:
    """The client's endpoint groups with raw access (``client.with_raw_response``)."""

    def __init__(self, client: Client) -> None:
        self.agents = AgentsWithRawResponse(client.agents)
        self.teams = TeamsWithRawResponse(client.teams)
        self.workflows = WorkflowsWithRawResponse(client.workflows)
