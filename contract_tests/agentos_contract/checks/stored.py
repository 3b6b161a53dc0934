"""What the post-resolve step leaves on a stored run, seen over the wire (C04, C10).

Probe components are built without a db and with ``store_events`` unset (protocol v2, section 4):
only the factory's post-resolve makes them storable through the factory's db (C04) and makes their
per-step events persist on the run output (C10). After a run in each HTTP mode, on every kind,
``GET .../runs/{run_id}`` must show the run and its events.
"""

from __future__ import annotations

from agentos_contract.checks.base import ALL_SCOPES, Check, unique
from agentos_contract.checks.modes import read_run, run_in_mode
from agentos_contract.checks.registry import check as register
from agentos_contract.echo import echo_from_run_output
from agentos_contract.judgements import describe, judge_stored_run
from agentos_contract.spec import HTTP_RUN_MODES, KINDS


@register("stored-runs", clauses=("C04", "C10"), needs_probes=True, probe_version=2)
async def stored_runs(check: Check) -> None:
    """C04, C10 on every kind, after a run with stream=false, stream=true and background=true."""
    for kind in KINDS:
        probe = check.deployment.probe(kind, "echo")
        if probe is None:
            check.not_judged(("C04", "C10"), f"probe-{kind}-echo is not listed")
            continue
        for mode in HTTP_RUN_MODES:
            headers, _ = check.suite.caller(ALL_SCOPES)
            ran = await run_in_mode(check, probe, mode, headers=headers, session_id=unique("contract-sess"))
            facts = {"kind": kind, "mode": mode}
            if ran.run_id is None:
                check.record(
                    "C04",
                    False,
                    f"{probe.id} runs ({mode}), so its stored run can be read",
                    describe(ran.answer),
                    ran.answer.exchange,
                    **facts,
                )
                continue
            read_back = ran.read_back or await read_run(check, probe, ran.run_id, ran.session_id, headers)
            body = read_back.json()
            echo = echo_from_run_output(body) if isinstance(body, dict) else None
            check.record_all(
                judge_stored_run(
                    read_back, kind, ran.run_id, echo, probe.id, f"{probe.id} after a {mode} run"
                ),
                read_back.exchange,
                **facts,
            )
