"""The demo deployment: the factories of the spec's guide, plus one team and one workflow factory.

- ``tenant-agent``: a per-tenant assistant built from ``ctx.user_id``;
- ``research-agent``: ``input_schema=ResearchInput`` picks the persona and depth;
- ``workspace-agent``: needs the verified scope ``agents:run``; its tools follow the verified ``role``;
- ``support-team``: a per-tenant team of a researcher and a writer;
- ``publish-workflow``: drafts, waits for a human confirmation, then publishes;
- ``greeter``: a plain prototype agent, registered beside the factories.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from agentos_reference.app import ReferenceOS
from agentos_reference.auth.jwt import JWTAuth
from agentos_reference.components import Agent, Step, StepInput, Team, Tool, Workflow
from agentos_reference.context import RequestContext
from agentos_reference.errors import FactoryPermissionError
from agentos_reference.factory import AgentFactory, TeamFactory, WorkflowFactory
from agentos_reference.limits import Limits
from agentos_reference.storage import SqliteDb

PERSONAS = {
    "analyst": "You are a data-driven research analyst. Cite sources and use numbers.",
    "advisor": "You are a strategic advisor. Focus on actionable recommendations.",
    "skeptic": "You are a critical skeptic. Challenge assumptions and highlight risks.",
}


class ResearchInput(BaseModel):
    persona: Literal["analyst", "advisor", "skeptic"] = "analyst"
    depth: int = 3


class PublishInput(BaseModel):
    channel: Literal["blog", "newsletter"] = "blog"


def read_docs() -> str:
    """Read the workspace documents."""
    return "3 documents: roadmap.md, pricing.md, onboarding.md"


def write_docs() -> str:
    """Edit a workspace document."""
    return "document saved"


def manage_members() -> str:
    """Invite or remove workspace members."""
    return "member list updated"


def build_tenant_agent(ctx: RequestContext) -> Agent:
    user_id = ctx.user_id or "anonymous"
    return Agent(
        name="Per-tenant assistant",
        instructions=f"You are a helpful assistant for tenant {user_id}. Be concise.",
    )


def build_research_agent(ctx: RequestContext) -> Agent:
    config = ctx.input
    assert isinstance(config, ResearchInput)  # input_schema guarantees it
    return Agent(
        name="Research agent",
        instructions=f"{PERSONAS[config.persona]} Research depth: {config.depth} (higher = more thorough).",
    )


def build_workspace_agent(ctx: RequestContext) -> Agent:
    if "agents:run" not in ctx.trusted.scopes:
        raise FactoryPermissionError("Missing 'agents:run' scope")
    role = ctx.trusted.claims.get("role")
    tools = [Tool("read_docs", read_docs, description="Read the workspace documents.")]
    if role in ("admin", "editor"):
        tools.append(Tool("write_docs", write_docs, description="Edit a workspace document."))
    if role == "admin":
        tools.append(Tool("manage_members", manage_members, description="Invite or remove members."))
    return Agent(
        name="Workspace agent",
        instructions=f"You work in the workspace as {role or 'a viewer'}.",
        tools=tools,
    )


def build_support_team(ctx: RequestContext) -> Team:
    tenant = ctx.user_id or "anonymous"
    return Team(
        name="Support team",
        instructions=f"Answer tenant {tenant}'s support question with the members' findings.",
        members=[
            Agent(id="researcher", name="Researcher", instructions="Find the relevant facts."),
            Agent(id="writer", name="Writer", instructions="Write a friendly answer."),
        ],
    )


async def build_publish_workflow(ctx: RequestContext) -> Workflow:
    config = ctx.input
    assert isinstance(config, PublishInput)
    channel = config.channel

    def publish(step_input: StepInput) -> str:
        return f"Published to the {channel}: {step_input.previous_step_content}"

    return Workflow(
        name="Publish workflow",
        steps=[
            Step(name="draft", agent=Agent(name="Drafter", instructions=f"Draft a {channel} post.")),
            Step(
                name="publish",
                executor=publish,
                requires_confirmation=True,
                confirmation_message=f"Publish this draft to the {channel}?",
            ),
        ],
    )


def demo_os(
    db: SqliteDb, *, auth: JWTAuth | None = None, with_probes: bool = False, limits: Limits | None = None
) -> ReferenceOS:
    return ReferenceOS(
        agents=[
            AgentFactory(
                id="tenant-agent",
                db=db,
                factory=build_tenant_agent,
                name="Per-tenant assistant",
                description="Builds a personalized agent per tenant on each request.",
            ),
            AgentFactory(
                id="research-agent",
                db=db,
                factory=build_research_agent,
                name="Research agent",
                description="Persona and depth come from factory_input.",
                input_schema=ResearchInput,
            ),
            AgentFactory(
                id="workspace-agent",
                db=db,
                factory=build_workspace_agent,
                name="Workspace agent",
                description="Needs the agents:run scope; tools follow the verified role claim.",
            ),
            Agent(id="greeter", name="Greeter", instructions="Greet the user warmly.", db=db),
        ],
        teams=[
            TeamFactory(
                id="support-team",
                db=db,
                factory=build_support_team,
                name="Support team",
                description="A per-tenant researcher and writer.",
            )
        ],
        workflows=[
            WorkflowFactory(
                id="publish-workflow",
                db=db,
                factory=build_publish_workflow,
                name="Publish workflow",
                description="Drafts a post, waits for confirmation, publishes it.",
                input_schema=PublishInput,
            )
        ],
        db=db,
        auth=auth,
        limits=limits,
        with_probes=with_probes,
    )
