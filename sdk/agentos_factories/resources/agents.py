"""``client.agents``: kept as an import path; the classes are written once in ``_async/agents.py``."""

from agentos_factories._async.agents import AsyncAgentFactoryHandle, AsyncAgents
from agentos_factories._sync.agents import AgentFactoryHandle, Agents

__all__ = ["AgentFactoryHandle", "Agents", "AsyncAgentFactoryHandle", "AsyncAgents"]
