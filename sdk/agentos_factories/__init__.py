"""Typed client for Agno AgentOS factories (filled in by the SDK issue)."""

__all__: list[str] = []
