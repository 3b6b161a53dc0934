"""A minimal but real AgentOS that implements the factories spec."""

__all__: list[str] = []
