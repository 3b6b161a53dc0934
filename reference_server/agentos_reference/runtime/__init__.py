"""Run engines for agents, teams and workflows, producing AgentOS-shaped events and run outputs."""
