"""The registry of checks, in the order they run, with what each one needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from agentos_contract.checks import (
    blackbox,
    errors,
    identity,
    isolation,
    lifecycle,
    runs,
    validation,
    websocket,
)
from agentos_contract.checks.base import Check


@dataclass(frozen=True)
class CheckSpec:
    name: str
    run: Callable[[Check], Awaitable[None]]
    needs_probes: bool = False
    needs_jwt: bool = False
    needs_minter: bool = False
    needs_websocket: bool = False


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("discovery-lookup", blackbox.discovery_lookup),
    CheckSpec("unknown-ids", blackbox.unknown_ids),
    CheckSpec("bad-tokens", blackbox.bad_tokens, needs_jwt=True),
    CheckSpec("non-object-input", blackbox.non_object_input),
    CheckSpec("probe-discovery", runs.probe_discovery, needs_probes=True),
    CheckSpec("ledger-every-request", runs.ledger_every_request, needs_probes=True),
    CheckSpec("echo-run", runs.echo_run, needs_probes=True),
    CheckSpec("id-enforcement", runs.id_enforcement, needs_probes=True),
    CheckSpec("omitted-input", validation.omitted_input, needs_probes=True),
    CheckSpec("valid-input", validation.valid_input, needs_probes=True),
    CheckSpec("invalid-input", validation.invalid_input),
    CheckSpec("validation-before-permission", validation.validation_before_permission, needs_probes=True),
    CheckSpec("identity-matrix", identity.identity_matrix, needs_probes=True),
    CheckSpec("smuggling", identity.smuggling, needs_probes=True),
    CheckSpec("trusted-from-token", identity.trusted_from_token, needs_probes=True, needs_jwt=True),
    CheckSpec("exception-table", errors.exception_table, needs_probes=True),
    CheckSpec("cancel", errors.cancel, needs_probes=True),
    CheckSpec("continue-agent-team", lifecycle.continue_agent_team, needs_probes=True),
    CheckSpec("continue-workflow", lifecycle.continue_workflow, needs_probes=True),
    CheckSpec("workflow-get-routes", lifecycle.workflow_get_routes, needs_probes=True),
    CheckSpec("ws-run", websocket.ws_run_check, needs_probes=True, needs_websocket=True),
    CheckSpec("ws-validation", websocket.ws_validation, needs_probes=True, needs_websocket=True),
    CheckSpec("ws-errors", websocket.ws_errors, needs_probes=True, needs_websocket=True),
    CheckSpec(
        "ws-identity", websocket.ws_identity, needs_probes=True, needs_websocket=True, needs_minter=True
    ),
    CheckSpec("ws-continue", websocket.ws_continue, needs_probes=True, needs_websocket=True),
    CheckSpec("tenant-isolation", isolation.tenant_isolation, needs_probes=True),
    CheckSpec("concurrent-contexts", isolation.concurrent_contexts, needs_probes=True),
    CheckSpec("ws-isolation", isolation.ws_isolation, needs_probes=True, needs_websocket=True),
    CheckSpec("allowed-runs", blackbox.allowed_runs),
)

CHECKS_BY_NAME = {spec.name: spec for spec in CHECKS}
