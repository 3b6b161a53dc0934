"""``client.workflows``: kept as an import path; the classes are written once in ``_async/workflows.py``."""

from agentos_factories._async.workflows import AsyncWorkflowFactoryHandle, AsyncWorkflows
from agentos_factories._sync.workflows import WorkflowFactoryHandle, Workflows

__all__ = ["AsyncWorkflowFactoryHandle", "AsyncWorkflows", "WorkflowFactoryHandle", "Workflows"]
