"""Contract suite: judges any AgentOS deployment against the factories spec."""

__all__: list[str] = []
