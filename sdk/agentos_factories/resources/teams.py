"""``client.teams``: kept as an import path; the classes are written once in ``_async/teams.py``."""

from agentos_factories._async.teams import AsyncTeamFactoryHandle, AsyncTeams
from agentos_factories._sync.teams import TeamFactoryHandle, Teams

__all__ = ["AsyncTeamFactoryHandle", "AsyncTeams", "TeamFactoryHandle", "Teams"]
