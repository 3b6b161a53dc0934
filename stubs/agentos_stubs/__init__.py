"""respx-backed test doubles of an AgentOS deployment."""

__all__: list[str] = []
