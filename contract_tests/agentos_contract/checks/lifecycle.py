"""Runs that live longer than one request: pause and continue, and the workflow GET routes."""

from __future__ import annotations

import json
from typing import Any

from agentos_contract.checks.base import ALL_SCOPES, TRACE_HEADER, Check, describe, echo_of, unique
from agentos_contract.checks.registry import check as register
from agentos_contract.discovery import Component, Kind
from agentos_contract.target import Answer


def confirmed(paused: dict[str, Any], kind: Kind) -> tuple[str, str] | None:
    """The continue form field that confirms a paused run (docs/probe-protocol.md section 5)."""
    if kind == "agent":
        tools = paused.get("tools")
        if not isinstance(tools, list):
            return None
        return "tools", json.dumps([{**t, "confirmed": True} if isinstance(t, dict) else t for t in tools])
    if kind == "team":
        requirements = paused.get("requirements")
        if not isinstance(requirements, list):
            return None
        out = []
        for requirement in requirements:
            if isinstance(requirement, dict) and isinstance(requirement.get("tool_execution"), dict):
                requirement = {
                    **requirement,
                    "tool_execution": {**requirement["tool_execution"], "confirmed": True},
                }
            out.append(requirement)
        return "requirements", json.dumps(out)
    steps = paused.get("step_requirements")
    if not isinstance(steps, list):
        return None
    return "step_requirements", json.dumps(
        [{**s, "confirmed": True} if isinstance(s, dict) else s for s in steps]
    )


async def pause(
    check: Check, probe: Component, factory_input: Any, headers: dict[str, str]
) -> tuple[Answer, dict[str, Any] | None]:
    """Start a run of a pausing probe; the paused run output, or None (recorded as a failure)."""
    session = unique("contract-sess")
    answer = await check.run(probe, factory_input=factory_input, session_id=session, headers=headers)
    body = answer.json()
    if (
        answer.status == 200
        and isinstance(body, dict)
        and body.get("status") == "PAUSED"
        and isinstance(body.get("run_id"), str)
    ):
        return answer, {**body, "session_id": body.get("session_id") or session}
    return answer, None


async def continue_run(
    check: Check,
    probe: Component,
    paused: dict[str, Any],
    headers: dict[str, str],
    extra: list[tuple[str, str]],
) -> Answer | None:
    confirmation = confirmed(paused, probe.kind)
    if confirmation is None:
        return None
    form = [confirmation, ("session_id", str(paused["session_id"])), ("stream", "false"), *extra]
    return await check.target.request(
        "POST", f"{probe.path}/runs/{paused['run_id']}/continue", form=form, headers=headers
    )


_PAUSERS = (
    ("pause", None, "none"),
    ("pause-defaults", {"persona": "skeptic"}, "defaults"),
    ("pause-required", {"tenant": "contract-tenant"}, "required"),
)


@register("continue-agent-team", clauses=("C28",), needs_probes=True)
async def continue_agent_team(check: Check) -> None:
    """C28: agent/team continue re-run the factory with ctx.input=None (factory_input not read)."""
    kinds: tuple[Kind, ...] = ("agent", "team")
    for kind in kinds:
        for name, factory_input, schema in _PAUSERS:
            probe = check.deployment.get(kind, f"probe-{kind}-{name}")
            if probe is None or not probe.is_probe:
                check.not_judged(("C28",), f"probe-{kind}-{name} is not listed")
                continue
            headers, _ = check.suite.caller(ALL_SCOPES)
            started, paused = await pause(
                check, probe, factory_input if factory_input is not None else {"x": 1}, headers
            )
            if paused is None:
                check.record(
                    "C28",
                    False,
                    f"{probe.id} pauses (status PAUSED) so it can be continued",
                    describe(started),
                    started.exchange,
                    kind=kind,
                    schema=schema,
                    stage="pause",
                )
                continue
            # A factory_input on continue must be ignored, however invalid it is.
            answer = await continue_run(check, probe, paused, headers, [("factory_input", "{not json")])
            if answer is None:
                check.record(
                    "C28",
                    False,
                    f"{probe.id}'s paused run carries what continue needs",
                    describe(started),
                    started.exchange,
                    kind=kind,
                    schema=schema,
                    stage="pause",
                )
                continue
            echo = echo_of(answer, False)
            input_type = echo.field("input_type") if echo else None
            check.record(
                "C28",
                answer.status == 200
                and echo is not None
                and echo.field("input") is None
                and input_type == "none",
                f"continue of {probe.id} answers 200 and its factory re-ran with ctx.input=None",
                describe(answer),
                answer.exchange,
                kind=kind,
                schema=schema,
                status=answer.status,
                input_type=input_type,
            )


@register("continue-workflow", clauses=("C24",), needs_probes=True)
async def continue_workflow(check: Check) -> None:
    """C24: workflow continue reads factory_input from the form field (and validates it)."""
    cases = (
        ("pause", {"phase": "continue"}, None),
        ("pause-required", {"tenant": "contract-continue"}, {"tenant": "contract-continue", "depth": 1}),
    )
    for name, sent, as_model in cases:
        probe = check.deployment.get("workflow", f"probe-workflow-{name}")
        if probe is None or not probe.is_probe:
            check.not_judged(("C24",), f"probe-workflow-{name} is not listed")
            continue
        headers, _ = check.suite.caller(ALL_SCOPES)
        started, paused = await pause(check, probe, {"tenant": "contract-start"}, headers)
        if paused is None:
            check.record(
                "C24", False, f"{probe.id} pauses", describe(started), started.exchange, stage="pause"
            )
            continue
        rejected = await continue_run(check, probe, paused, headers, [("factory_input", "[1]")])
        if rejected is not None:
            check.record(
                "C24",
                rejected.status == 400,
                f"continue of {probe.id} with factory_input=[1] is 400",
                describe(rejected),
                rejected.exchange,
                probe=probe.id,
            )
        answer = await continue_run(check, probe, paused, headers, [("factory_input", json.dumps(sent))])
        if answer is None:
            check.record(
                "C24",
                False,
                f"{probe.id}'s paused run carries step_requirements",
                describe(started),
                started.exchange,
                stage="pause",
            )
            continue
        echo = echo_of(answer, False)
        expected = as_model if as_model is not None else sent
        check.record(
            "C24",
            answer.status == 200 and echo is not None and echo.field("input") == expected,
            f"continue of {probe.id} answers 200 and its factory saw ctx.input={expected!r}",
            describe(answer),
            answer.exchange,
            probe=probe.id,
        )


@register("workflow-get-routes", clauses=("C25", "C26"), needs_probes=True)
async def workflow_get_routes(check: Check) -> None:
    """C25, C26: GET a workflow run, and list runs, read factory_input from the query."""
    echo = check.deployment.probe("workflow", "echo")
    required = check.deployment.probe("workflow", "required")
    if echo is None:
        check.not_judged(("C25", "C26"), "probe-workflow-echo is not listed")
        return
    headers, _ = check.suite.caller(ALL_SCOPES)
    session = unique("contract-sess")
    started = await check.run(echo, session_id=session, headers=headers)
    body = started.json()
    if started.status != 200 or not isinstance(body, dict) or not isinstance(body.get("run_id"), str):
        check.record(
            "C25", False, f"{echo.id} runs, so its run can be read", describe(started), started.exchange
        )
        return
    run_path = f"{echo.path}/runs/{body['run_id']}"
    routes = (("get-run", "C25", run_path), ("list-runs", "C26", f"{echo.path}/runs"))
    for route, clause, path in routes:
        for text, status in (("{bad", 400), ("[1, 2]", 400), ('{"contract": 1}', 200)):
            answer = await check.target.request(
                "GET", path, params={"session_id": session, "factory_input": text}, headers=headers
            )
            check.record(
                clause,
                answer.status == status,
                f"GET {path}?factory_input={text} answers {status}",
                describe(answer),
                answer.exchange,
                route=route,
                status=answer.status,
            )
    if check.suite.ledger_ok:
        trace_headers = {**headers, TRACE_HEADER: unique("contract-trace")}
        answer = await check.target.request(
            "GET",
            f"{echo.path}/runs",
            headers=trace_headers,
            params={"session_id": session, "factory_input": '{"contract": 2}'},
        )
        invocations = await check.read_ledger(trace_headers[TRACE_HEADER])
        check.record(
            "C26",
            bool(invocations) and all(e.get("input_type") == "dict" for e in invocations or []),
            "listing runs invokes the factory with the query's factory_input (a dict)",
            f"{describe(answer)}; ledger: {invocations!r}",
            answer.exchange,
            route="list-runs",
            ledger=True,
        )
    if required is not None:
        answer = await check.target.request(
            "GET", f"{required.path}/runs", params={"session_id": session}, headers=headers
        )
        check.record(
            "C26",
            answer.status == 400,
            f"GET {required.path}/runs without factory_input answers 400 (omitted input validated as {{}})",
            describe(answer),
            answer.exchange,
            route="list-runs-required",
            status=answer.status,
        )
