"""factory_input validation, driven by Hypothesis from each factory's schema."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from agentos_contract.checks.base import OMIT, TRACE_HEADER, Check, describe, echo_of, unique
from agentos_contract.checks.blackbox import MAX_NON_PROBE_FACTORIES, error_shape_ok
from agentos_contract.checks.registry import check as register
from agentos_contract.discovery import KINDS, Component
from agentos_contract.judgements import judge_background_accepted, judge_rejected
from agentos_contract.model import Observation
from agentos_contract.schema_strategies import UnsupportedSchema
from agentos_contract.strategies import (
    InvalidInput,
    expected_model,
    not_an_object,
    schema_violations,
    valid_objects,
)

PROBE_INPUT_NAMES = ("echo", "required", "defaults")


def _probes(check: Check) -> list[Component]:
    return [p for kind in KINDS for name in PROBE_INPUT_NAMES if (p := check.deployment.probe(kind, name))]


@register("valid-input", clauses=("C23", "C30", "C32", "C36"), needs_probes=True)
async def valid_input(check: Check) -> None:
    """C23, C30, C32, C36: every input the schema allows is accepted and reaches ctx.input."""
    probes = _probes(check)
    if not probes:
        check.not_judged(("C23", "C30", "C32", "C36"), "the deployment has no probes")
        return
    for probe in probes:
        schema = probe.factory_input_schema
        try:
            strategy = st.tuples(valid_objects(schema), st.booleans())
        except UnsupportedSchema as exc:
            check.not_judged(("C30", "C36"), f"{probe.id}: cannot generate inputs for its schema: {exc}")
            continue

        async def body(
            example: tuple[dict[str, Any], bool],
            probe: Component = probe,
            schema: dict[str, Any] | None = schema,
        ) -> list[Observation]:
            value, stream = example
            headers, _ = check.suite.caller()
            answer = await check.run(probe, factory_input=value, stream=stream, headers=headers)
            facts = {"component": probe.id, "stream": stream}
            results = [
                check.observe(
                    "C36",
                    answer.status != 400,
                    f"valid factory_input {value!r} is not rejected with 400",
                    describe(answer),
                    answer.exchange,
                    **facts,
                )
            ]
            if answer.status != 200:
                results.append(
                    check.observe(
                        "C23", False, "200 with the probe's echo", describe(answer), answer.exchange, **facts
                    )
                )
                return results
            echo = echo_of(answer, stream)
            seen = echo.field("input") if echo else None
            if schema is None:
                results.append(
                    check.observe(
                        "C32",
                        echo is not None and echo.field("input_type") == "dict" and seen == value,
                        f"ctx.input is the parsed dict {value!r}",
                        f"echo ctx={echo.ctx if echo else None!r}",
                        answer.exchange,
                        **facts,
                    )
                )
            else:
                model = expected_model(schema, value)
                results.append(
                    check.observe(
                        "C30",
                        echo is not None
                        and echo.field("input_type") == "model"
                        and echo.field("input_model") == schema.get("title")
                        and seen == model,
                        f"ctx.input is a {schema.get('title')} instance dumping to {model!r}",
                        f"echo ctx={echo.ctx if echo else None!r}",
                        answer.exchange,
                        **facts,
                    )
                )
            results.append(
                check.observe(
                    "C23",
                    echo is not None and seen is not None,
                    "the factory_input form field reached ctx.input",
                    f"echo ctx={echo.ctx if echo else None!r}",
                    answer.exchange,
                    **facts,
                )
            )
            return results

        await check.prop(probe.id, strategy, body)


@register("invalid-input", clauses=("C31", "C33", "C37"))
async def invalid_input(check: Check) -> None:
    """C31, C33, C37: every input the spec rejects gets exactly 400, before the factory runs."""
    targets = _probes(check)
    targets += [c for c in check.deployment.factories() if not c.is_probe][:MAX_NON_PROBE_FACTORIES]
    if not targets:
        check.not_judged(("C31", "C33", "C37"), "the deployment lists no factories")
        return
    use_ledger = bool(check.suite.ledger_ok)
    if not use_ledger:
        check.not_judged(
            ("C37",), "the invocation ledger is not available (no probes, or its control failed)"
        )
    for component in targets:

        async def body(
            example: tuple[InvalidInput, bool], component: Component = component
        ) -> list[Observation]:
            invalid, stream = example
            headers, _ = check.suite.caller()
            trace = unique("contract-trace")
            if component.is_probe:
                headers[TRACE_HEADER] = trace
            answer = await check.run(component, factory_input=invalid.text, stream=stream, headers=headers)
            clause = "C31" if invalid.schema_violation else "C33"
            facts = {"component": component.id, "why": invalid.why, "stream": stream, "status": answer.status}
            results = [
                check.observe(
                    clause,
                    answer.status == 400 and error_shape_ok(answer),
                    f"factory_input={invalid.text!r} ({invalid.why}) answers a JSON 400",
                    describe(answer),
                    answer.exchange,
                    **facts,
                )
            ]
            if use_ledger and component.is_probe:
                invocations = await check.read_ledger(trace)
                results.append(
                    check.observe(
                        "C37",
                        invocations == [],
                        f"{component.id} is not invoked for invalid input",
                        f"ledger: {invocations!r}",
                        answer.exchange,
                        **facts,
                    )
                )
            return results

        # Two properties, so schema violations are always exercised, not only when drawn by chance.
        strategies = {"not-an-object": not_an_object()}
        try:
            violations = schema_violations(component.factory_input_schema or {})
        except UnsupportedSchema as exc:
            check.not_judged(("C31",), f"{component.id}: cannot derive schema violations: {exc}")
            violations = None
        if violations is not None:
            strategies["schema-violation"] = violations
        examples = None if component.is_probe else max(5, check.suite.config.max_examples // 5)
        for name, strategy in strategies.items():
            await check.prop(
                f"{component.id}:{name}",
                st.tuples(strategy, st.booleans()),
                body,
                max_examples=examples,
                shrink=component.is_probe,  # shrinking a real factory means more runs
            )


@register("omitted-input", clauses=("C30", "C34", "C35"), needs_probes=True)
async def omitted_input(check: Check) -> None:
    """C30, C34, C35: omitted input is validated as {}; without a schema ctx.input is None."""
    for kind in KINDS:
        required = check.deployment.probe(kind, "required")
        defaults = check.deployment.probe(kind, "defaults")
        echo = check.deployment.probe(kind, "echo")
        headers, _ = check.suite.caller()
        if required is not None:
            answer = await check.run(required, headers=headers)
            check.record(
                "C34",
                answer.status == 400,
                f"{required.id}: omitted input (validated as {{}}) is 400",
                describe(answer),
                answer.exchange,
                kind=kind,
            )
        if defaults is not None and defaults.factory_input_schema is not None:
            answer = await check.run(defaults, headers=headers)
            seen = echo_of(answer, False)
            model = expected_model(defaults.factory_input_schema, {})
            check.record(
                "C34",
                answer.status == 200 and seen is not None and seen.field("input") == model,
                f"{defaults.id}: omitted input succeeds with the defaults {model!r}",
                f"{describe(answer)}",
                answer.exchange,
                kind=kind,
            )
            if seen is not None:
                check.record(
                    "C30",
                    seen.field("input_type") == "model",
                    "ctx.input is a model instance",
                    f"echo ctx={seen.ctx!r}",
                    answer.exchange,
                    kind=kind,
                )
        if echo is not None:
            answer = await check.run(echo, headers=headers)
            seen = echo_of(answer, False)
            check.record(
                "C35",
                answer.status == 200
                and seen is not None
                and seen.field("input") is None
                and seen.field("input_type") == "none",
                f"{echo.id}: omitted input leaves ctx.input None",
                describe(answer),
                answer.exchange,
                kind=kind,
            )


@register("validation-before-permission", clauses=("C37",), needs_probes=True)
async def validation_before_permission(check: Check) -> None:
    """C37: invalid input to a scope-gated factory is 400 (validation), not 403 (the factory)."""
    for kind in KINDS:
        probe = check.deployment.probe(kind, "scope-required")
        if probe is None:
            continue
        headers, _ = check.suite.caller()
        for text in ("{}", "{bad", '{"tenant": 5}'):
            answer = await check.run(probe, factory_input=text, headers=headers)
            check.record(
                "C37",
                answer.status == 400,
                f"{probe.id} without its scope and factory_input={text!r} answers 400 (validation "
                "before the factory's permission check)",
                describe(answer),
                answer.exchange,
                kind=kind,
            )


# factory_input a background run must refuse before its 202: (probe, text, clause, why).
_BACKGROUND_REFUSALS = (
    ("echo", "{bad", "C33", "not JSON"),
    ("echo", "[1, 2]", "C33", "not an object"),
    ("echo", "null", "C33", "not an object"),
    ("required", '{"tenant": 5}', "C31", "wrong type"),
    ("required", "{}", "C31", "missing required field"),
    ("required", None, "C34", "omitted, validated as {}"),
    ("defaults", '{"persona": "pirate"}', "C31", "not in enum"),
)


@register("background-validation", clauses=("C31", "C33", "C34", "C36", "C37"), needs_probes=True)
async def background_validation(check: Check) -> None:
    """background=true keeps validation: input the spec rejects is a JSON 400 (never a 202), before
    the factory runs (ledger, and 400 not 403 from a scope-gated factory); valid input is a 202."""
    use_ledger = bool(check.suite.ledger_ok)
    if not use_ledger:
        check.not_judged(("C37",), "the invocation ledger is not available (its control failed)")
    background = [("background", "true")]
    for kind in KINDS:
        for name, text, clause, why in _BACKGROUND_REFUSALS:
            probe = check.deployment.probe(kind, name)
            if probe is None:
                continue
            headers, _ = check.suite.caller()
            trace = unique("contract-trace")
            answer = await check.run(
                probe,
                factory_input=OMIT if text is None else text,
                stream=False,
                headers={**headers, TRACE_HEADER: trace},
                extra_form=background,
            )
            facts = {"kind": kind, "mode": "background", "why": why, "status": answer.status}
            shown = "omitted" if text is None else repr(text)
            check.record_all(
                [
                    judge_rejected(
                        answer, clause, f"{probe.id}, background=true, factory_input {shown} ({why})"
                    )
                ],
                answer.exchange,
                **facts,
            )
            if use_ledger:
                invocations = await check.read_ledger(trace)
                check.record(
                    "C37",
                    invocations == [],
                    f"{probe.id} is not invoked for invalid input in a background run",
                    f"ledger: {invocations!r}",
                    answer.exchange,
                    **facts,
                )
        gated = check.deployment.probe(kind, "scope-required")
        if gated is not None:
            headers, _ = check.suite.caller()
            answer = await check.run(
                gated, factory_input='{"tenant": 5}', stream=False, headers=headers, extra_form=background
            )
            check.record(
                "C37",
                answer.status == 400,
                f"{gated.id} without its scope and invalid input, background=true, answers 400 (validation "
                "before the factory's permission check), not 403 or 202",
                describe(answer),
                answer.exchange,
                kind=kind,
                mode="background",
            )
        required = check.deployment.probe(kind, "required")
        if required is not None:
            headers, _ = check.suite.caller()
            answer = await check.run(
                required,
                factory_input='{"tenant": "t"}',
                stream=False,
                headers=headers,
                extra_form=background,
            )
            check.record_all(
                [
                    judge_background_accepted(
                        answer, "C36", f"{required.id} with valid input, background=true"
                    )
                ],
                answer.exchange,
                kind=kind,
                mode="background",
            )
