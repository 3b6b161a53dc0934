"""Endpoint groups: ``client.agents``, ``client.teams``, ``client.workflows`` (sync and async)."""

from .agents import AgentFactoryHandle, Agents, AsyncAgentFactoryHandle, AsyncAgents
from .teams import AsyncTeamFactoryHandle, AsyncTeams, TeamFactoryHandle, Teams
from .workflows import AsyncWorkflowFactoryHandle, AsyncWorkflows, WorkflowFactoryHandle, Workflows

__all__ = [
    "AgentFactoryHandle",
    "Agents",
    "AsyncAgentFactoryHandle",
    "AsyncAgents",
    "AsyncTeamFactoryHandle",
    "AsyncTeams",
    "AsyncWorkflowFactoryHandle",
    "AsyncWorkflows",
    "TeamFactoryHandle",
    "Teams",
    "WorkflowFactoryHandle",
    "Workflows",
]
