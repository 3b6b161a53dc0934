"""The edge-case corpus (``agentos_contract.corpus``), sent to every factory on every run.

Probes get their whole corpus (refusals, accepted values and the open cases), each entry once,
cycling through ``stream=false``, ``stream=true`` and ``stream`` omitted; a trace per probe shows
that no refused entry reached its factory (C37). Factories that are not probes get the refusals
only (every conforming server refuses them before the factory runs), and the suite stops at the
first one that runs anyway.
"""

from __future__ import annotations

from functools import partial

from agentos_contract.checks.base import OMIT, TRACE_HEADER, Check, echo_of, unique
from agentos_contract.checks.blackbox import MAX_NON_PROBE_FACTORIES
from agentos_contract.checks.errors import CLOSE
from agentos_contract.checks.registry import check as register
from agentos_contract.corpus import EdgeInput, SchemaKind, common_refusals, probe_corpus, schema_refusals
from agentos_contract.discovery import Component
from agentos_contract.judgements import judge_edge
from agentos_contract.spec import KINDS

_PROBE_SCHEMAS: tuple[tuple[str, SchemaKind], ...] = (
    ("echo", "none"),
    ("required", "required"),
    ("defaults", "defaults"),
)
_STREAMS: tuple[bool | None, ...] = (False, True, None)


@register(
    "edge-corpus",
    clauses=("C30", "C31", "C32", "C33", "C34", "C35", "C36", "C37", "H04"),
)
async def edge_corpus(check: Check) -> None:
    """Every corpus entry, whatever the seed: the spec's answer for each class of input."""
    probes = [
        (p, schema)
        for kind in KINDS
        for name, schema in _PROBE_SCHEMAS
        if (p := check.deployment.probe(kind, name))
    ]
    others = [c for c in check.deployment.factories() if not c.is_probe][:MAX_NON_PROBE_FACTORIES]
    if not probes and not others:
        check.not_judged(check.declared, "the deployment lists no factories")
        return
    if not probes:
        check.not_judged(
            ("C30", "C32", "C34", "C35", "C37"), "the deployment has no probes: only refusals are sent"
        )
    # One part per factory: with several workers they are sent at once (the report keeps this order).
    for probe, schema in probes:
        await check.fork(partial(_send, component=probe, entries=probe_corpus(schema), stop_when_run=False))
    for component in others:
        entries = common_refusals() + schema_refusals(component.factory_input_schema)
        await check.fork(partial(_send, component=component, entries=entries, stop_when_run=True))


async def _send(
    check: Check, component: Component, entries: tuple[EdgeInput, ...], *, stop_when_run: bool
) -> None:
    trace = unique("contract-trace")
    use_ledger = component.is_probe and bool(check.suite.ledger_ok)
    refused = 0
    last = None
    for index, edge in enumerate(entries):
        stream = _STREAMS[index % len(_STREAMS)]
        headers, _ = check.suite.caller()
        if edge.outcome != "accept":
            # Input that may crash a fragile parser goes on a connection of its own (errors.CLOSE).
            headers.update(CLOSE)
        if use_ledger and edge.outcome == "reject":
            headers[TRACE_HEADER] = trace
            refused += 1
        answer = await check.run(
            component,
            factory_input=OMIT if edge.text is None else edge.text,
            stream=stream,
            headers=headers,
        )
        last = answer
        streamed = stream is not False
        echo = echo_of(answer, streamed) if answer.status == 200 else None
        shown = "stream=false" if stream is False else "stream=true" if stream else "stream omitted"
        check.record_all(
            judge_edge(answer, edge, echo, f"{component.id}: {edge.name} ({shown})"),
            answer.exchange,
            component=component.id,
            edge=edge.name,
            outcome=edge.outcome,
            mode="sse" if streamed else "json",
            status=answer.status,
        )
        if stop_when_run and 200 <= answer.status < 300:
            break  # a broken server just ran a real factory: do not run it again
    if use_ledger and refused:
        invocations = await check.read_ledger(trace)
        check.record(
            "C37",
            invocations == [],
            f"none of the {refused} refused corpus entries invoked {component.id}",
            f"ledger: {invocations!r}",
            last.exchange if last is not None else None,
            component=component.id,
        )
