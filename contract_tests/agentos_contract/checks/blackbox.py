"""Checks any deployment can be judged by, probes or not: discovery, unknown ids,
factory_input that is not a JSON object, bad tokens, and (only when allowed) real runs."""

from __future__ import annotations

from agentos_contract.checks.base import OMIT, Check, describe, unique
from agentos_contract.checks.registry import check as register
from agentos_contract.judgements import error_shape_ok as error_shape_ok
from agentos_contract.spec import KINDS, collection

# Real factories are judged on a bounded number of them: every request to one costs a little.
MAX_NON_PROBE_FACTORIES = 20


@register("discovery-lookup", clauses=("C01",))
async def discovery_lookup(check: Check) -> None:
    """C01: every listed factory is reachable by its id."""
    for component in check.deployment.factories()[:50]:
        headers, _ = check.suite.caller()
        answer = await check.target.request("GET", component.path, headers=headers)
        body = answer.json()
        ok = answer.status == 200 and isinstance(body, dict) and body.get("id") == component.id
        check.record(
            "C01",
            ok,
            f"GET {component.path} answers 200 with id {component.id!r}",
            describe(answer),
            answer.exchange,
            component=component.id,
        )


@register("unknown-ids", clauses=("H01",))
async def unknown_ids(check: Check) -> None:
    """H01: unknown component ids (and unknown runs of a working factory) answer 404."""
    headers, _ = check.suite.caller()
    for kind in KINDS:
        missing = unique(f"contract-missing-{kind}")
        attempts = [
            ("GET", f"{collection(kind)}/{missing}", None),
            ("POST", f"{collection(kind)}/{missing}/runs", [("message", "x"), ("stream", "false")]),
            ("POST", f"{collection(kind)}/{missing}/runs/{unique('run')}/cancel", []),
        ]
        for method, path, form in attempts:
            answer = await check.target.request(method, path, form=form, headers=headers)
            check.record(
                "H01",
                answer.status == 404,
                f"{method} {path} answers 404",
                describe(answer),
                answer.exchange,
                route=method + " " + path.replace(missing, "{id}"),
            )
    for kind in KINDS:
        echo = check.deployment.probe(kind, "echo")
        if echo is None:
            continue
        headers, _ = check.suite.caller((f"{kind}s:run",))
        form = [("session_id", unique("contract-session")), ("stream", "false")]
        if kind == "workflow":
            form.append(("step_requirements", "[]"))
        path = f"{echo.path}/runs/{unique('contract-missing-run')}/continue"
        answer = await check.target.request("POST", path, form=form, headers=headers)
        check.record(
            "H01",
            answer.status == 404,
            f"continue of an unknown run of {echo.id} answers 404",
            describe(answer),
            answer.exchange,
            route=f"continue-{kind}",
        )


@register("bad-tokens", clauses=("H03",), needs_jwt=True)
async def bad_tokens(check: Check) -> None:
    """H03: a token that is malformed, wrongly signed, expired or unsigned answers 401."""
    minter = check.suite.config.minter
    tokens = {"malformed": "not-a-jwt"}
    if minter is not None:
        tokens.update(
            wrong_signature=minter.mint_wrongly_signed(),
            expired=minter.mint_expired(),
            alg_none=minter.mint_alg_none(),
        )
    elif "Authorization" in (given := check.suite.caller()[0]):
        # A token the deployment accepts (--token, --identity, --token-command), its signature broken.
        header, payload, signature = given["Authorization"].split(" ", 1)[1].split(".")
        tokens["wrong_signature"] = ".".join(
            (header, payload, ("A" if signature[:1] != "A" else "B") + signature[1:])
        )
    for name, token in tokens.items():
        answer = await check.target.request("GET", "/agents", headers={"Authorization": f"Bearer {token}"})
        check.record(
            "H03",
            answer.status == 401,
            f"a {name.replace('_', ' ')} token answers 401",
            describe(answer),
            answer.exchange,
            token=name,
        )


@register("allowed-runs", clauses=("C36",), last=True)
async def allowed_runs(check: Check) -> None:
    """C36 on real factories, only within ``--allow-runs``: input every schema accepts is not 400."""
    for component in check.deployment.factories():
        if component.is_probe:
            continue
        if check.suite.runs_left <= 0:
            break
        schema = component.factory_input_schema
        if schema is not None and schema.get("required"):
            continue  # no input is certain to satisfy custom validators beyond the schema
        check.suite.runs_left -= 1
        headers, _ = check.suite.caller()
        answer = await check.run(component, factory_input="{}" if schema is None else OMIT, headers=headers)
        check.record(
            "C36",
            answer.status != 400,
            f"{component.id}: {'{}' if schema is None else 'omitted input (all fields default)'} "
            "is not rejected with 400",
            describe(answer),
            answer.exchange,
            component=component.id,
        )
