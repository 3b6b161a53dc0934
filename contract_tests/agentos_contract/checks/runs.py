"""Checks on probe runs: discovery of the probes, the echo of a run, id enforcement, and the
invocation ledger (is the factory called on every run-scoped request)."""

from __future__ import annotations

from typing import Any

from agentos_contract.checks.base import TRACE_HEADER, Check, describe, echo_of, id_key, unique
from agentos_contract.checks.registry import check as register
from agentos_contract.discovery import KINDS, PROBE_MARKER, Kind
from agentos_contract.sse import parse_sse

# docs/probe-protocol.md section 2, as facts about the JSON schema pydantic produces.
REQUIRED_SCHEMA = {
    "required": ["tenant"],
    "types": {"tenant": "string", "depth": "integer"},
    "defaults": {"depth": 1},
}
DEFAULTS_SCHEMA = {
    "required": [],
    "types": {"depth": "integer"},
    "defaults": {"persona": "analyst", "depth": 3},
    "enums": {"persona": ["analyst", "advisor", "skeptic"]},
}


def schema_facts_match(schema: Any, expected: dict[str, Any]) -> bool:
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return False
    properties: dict[str, Any] = schema["properties"]
    if sorted(schema.get("required", [])) != expected["required"]:
        return False
    for name, kind in expected["types"].items():
        if properties.get(name, {}).get("type") != kind:
            return False
    for name, default in expected["defaults"].items():
        if properties.get(name, {}).get("default") != default:
            return False
    for name, values in expected.get("enums", {}).items():
        if sorted(properties.get(name, {}).get("enum", [])) != sorted(values):
            return False
    return True


@register("probe-discovery", clauses=("C08", "C09", "C45"), needs_probes=True)
async def probe_discovery(check: Check) -> None:
    """C08, C09, C45."""
    deployment = check.deployment
    headers, _ = check.suite.caller()
    for kind in KINDS:
        echo = deployment.probe(kind, "echo")
        if echo is None:
            check.record("C08", False, f"probe-{kind}-echo is listed", "missing from discovery", kind=kind)
            continue
        answer = await check.target.request("GET", echo.path, headers=headers)
        body = answer.json()
        check.record(
            "C08",
            isinstance(body, dict)
            and body.get("description") == echo.description
            and body.get("name") == echo.entry.get("name"),
            f"GET {echo.path} shows the listed name and a description starting {PROBE_MARKER!r}",
            describe(answer),
            answer.exchange,
            kind=kind,
        )
        for name, expected in (("required", REQUIRED_SCHEMA), ("defaults", DEFAULTS_SCHEMA)):
            probe = deployment.probe(kind, name)
            schema = probe.factory_input_schema if probe else None
            check.record(
                "C09",
                schema_facts_match(schema, expected),
                f"probe-{kind}-{name} exposes factory_input_schema {expected}",
                f"factory_input_schema={schema!r}",
                kind=kind,
            )
        check.record(
            "C09",
            echo.factory_input_schema is None,
            f"probe-{kind}-echo (no input_schema) exposes no factory_input_schema",
            f"factory_input_schema={echo.factory_input_schema!r}",
            kind=kind,
        )
    prototype = deployment.get("agent", "probe-agent-prototype")
    factory = deployment.get("agent", "probe-agent-echo")
    check.record(
        "C45",
        prototype is not None and not prototype.is_factory and factory is not None and factory.is_factory,
        "GET /agents lists probe-agent-prototype (is_factory false) beside probe-agent-echo "
        "(is_factory true)",
        f"prototype={prototype.entry if prototype else None!r}, factory is_factory="
        f"{factory.is_factory if factory else None}",
    )


@register("echo-run", clauses=("C07", "C12", "C13", "C46"), needs_probes=True)
async def echo_run(check: Check) -> None:
    """C07, C12, C13, C46: the guide's run (multipart, user_id form field, stream=false), and SSE."""
    for kind in KINDS:
        for name in ("echo", "echo-async"):
            probe = check.deployment.probe(kind, name)
            if probe is None:
                check.record("C07", False, f"probe-{kind}-{name} is listed", "missing", kind=kind)
                continue
            for stream in (False, True):
                headers, identity = check.suite.caller()
                user = unique("contract-user")
                answer = await check.run(probe, user_id=user, stream=stream, headers=headers)
                echo = echo_of(answer, stream)
                shape = "SSE ending in the completion event" if stream else "JSON run output"
                ok = answer.status == 200 and echo is not None and echo.probe == probe.id
                check.record(
                    "C07",
                    ok,
                    f"{probe.id} ({'async' if 'async' in name else 'sync'} factory) "
                    f"answers 200 with its echo as {shape}",
                    describe(answer),
                    answer.exchange,
                    kind=kind,
                    stream=stream,
                )
                if echo is None:
                    continue
                check.record(
                    "C12",
                    echo.ctx is not None,
                    "the factory received a RequestContext",
                    f"echo ctx={echo.ctx!r}",
                    answer.exchange,
                    kind=kind,
                )
                request = echo.field("request")
                path = f"{probe.path}/runs"
                check.record(
                    "C13",
                    isinstance(request, dict)
                    and request.get("method") == "POST"
                    and request.get("path") == path,
                    f"ctx.request is the raw request: POST {path}",
                    f"ctx.request={request!r}",
                    answer.exchange,
                    kind=kind,
                )
                if stream or kind != "agent":
                    continue
                body = answer.json()
                expected_user = identity.user_id or user
                ok = (
                    isinstance(body, dict)
                    and body.get(id_key(kind)) == probe.id
                    and isinstance(body.get("run_id"), str)
                    and body.get("user_id") == expected_user
                    and echo.field("user_id") == expected_user
                )
                check.record(
                    "C46",
                    ok,
                    f"a run output with agent_id={probe.id!r}, a run_id and "
                    f"user_id={expected_user!r} (ctx too)",
                    describe(answer),
                    answer.exchange,
                )


@register("id-enforcement", clauses=("C02",), needs_probes=True)
async def id_enforcement(check: Check) -> None:
    """C02: a component returned with another id runs under the factory's id."""
    for kind in KINDS:
        probe = check.deployment.probe(kind, "id-mismatch")
        if probe is None:
            check.not_judged(("C02",), f"probe-{kind}-id-mismatch is not listed")
            continue
        headers, _ = check.suite.caller()
        answer = await check.run(probe, headers=headers)
        body = answer.json()
        observed = body.get(id_key(kind)) if isinstance(body, dict) else None
        check.record(
            "C02",
            answer.status == 200 and observed == probe.id,
            f"200 with {id_key(kind)}={probe.id!r}",
            describe(answer),
            answer.exchange,
            kind=kind,
        )
        answer = await check.run(probe, headers=headers, stream=True)
        ids = {
            event.data.get(id_key(kind))
            for event in parse_sse(answer.text)
            if isinstance(event.data, dict) and id_key(kind) in event.data
        }
        check.record(
            "C02",
            answer.status == 200 and ids == {probe.id},
            f"every SSE event carries {id_key(kind)}={probe.id!r}",
            f"{answer.status}, ids={ids}",
            answer.exchange,
            kind=kind,
            stream=True,
        )


@register("ledger-every-request", clauses=("C06",), needs_probes=True, setup=True)
async def ledger_every_request(check: Check) -> None:
    """C06 (and the ledger's positive control that other checks rely on)."""
    kinds: tuple[Kind, ...] = KINDS
    for kind in kinds:
        probe = check.deployment.probe(kind, "echo")
        if probe is None:
            continue
        trace = unique("contract-trace")
        headers, _ = check.suite.caller()
        headers[TRACE_HEADER] = trace
        answers = [await check.run(probe, headers=headers) for _ in range(2)]
        invocations = await check.read_ledger(trace)
        if kind == "agent":
            check.suite.ledger_ok = (
                invocations is not None and all(a.status == 200 for a in answers) and len(invocations) >= 1
            )
            if not check.suite.ledger_ok:
                check.not_judged(
                    ("C06",),
                    "the invocation ledger failed its positive control (probe-ledger "
                    f"unreadable or empty after runs: {invocations!r}); a multi-process "
                    "deployment cannot be judged by the ledger",
                )
                return
        mine = [entry for entry in invocations or [] if entry.get("probe") == probe.id]
        check.record(
            "C06",
            len(mine) == 2,
            f"two runs of {probe.id} invoke its factory twice",
            f"ledger entries: {invocations!r}",
            answers[-1].exchange,
            kind=kind,
        )
