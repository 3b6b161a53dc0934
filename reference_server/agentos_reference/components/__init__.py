"""Minimal Agent, Team and Workflow components with a deterministic offline model."""

from agentos_reference.components.agent import Agent, Team
from agentos_reference.components.messages import Message, ToolCall
from agentos_reference.components.model import (
    MemberReply,
    Model,
    ModelReply,
    ModelRequest,
    OfflineModel,
    describe_request,
)
from agentos_reference.components.tools import Tool, tool
from agentos_reference.components.workflow import Step, StepInput, StepOutput, Workflow

__all__ = [
    "Agent",
    "MemberReply",
    "Message",
    "Model",
    "ModelReply",
    "ModelRequest",
    "OfflineModel",
    "Step",
    "StepInput",
    "StepOutput",
    "Team",
    "Tool",
    "ToolCall",
    "Workflow",
    "describe_request",
    "tool",
]
