"""Reports of a run: readable text, JSON, and JUnit XML (one test case per clause)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from agentos_contract.curl import render_curl
from agentos_contract.model import Observation, Verdict
from agentos_contract.redaction import Redactor
from agentos_contract.runner import RunResult
from agentos_contract.verdicts import ClauseResult

SHOWN_PER_CLAUSE = 3
_MARK = {
    Verdict.HOLDS: "holds",
    Verdict.VIOLATED: "VIOLATED",
    Verdict.DEVIATION: "deviation",
    Verdict.NOT_JUDGED: "not judged",
}


def _rerun_hint(result: RunResult) -> str:
    config = result.config
    return f"--seed {config.seed} --max-examples {config.max_examples} --profile {config.profile}"


_REDACTORS: dict[int, Redactor] = {}


def redactor(result: RunResult) -> Redactor:
    """The run's redactor (every report passes through it: no secret, no usable token)."""
    key = id(result.config)
    if key not in _REDACTORS:
        _REDACTORS.clear()
        _REDACTORS[key] = Redactor.for_config(result.config)
    return _REDACTORS[key]


def describe_observation(observation: Observation, result: RunResult, indent: str = "    ") -> list[str]:
    return [redactor(result).text(line) for line in _describe_observation(observation, result, indent)]


def _describe_observation(observation: Observation, result: RunResult, indent: str) -> list[str]:
    lines = [
        f"{indent}check:    {observation.check}",
        f"{indent}expected: {observation.expected}",
        f"{indent}observed: {observation.observed}",
    ]
    if observation.exchange is not None:
        replay = render_curl(observation.exchange).replace("\n", "\n" + indent + "          ")
        lines.append(f"{indent}replay:   {replay}")
    if observation.replay is not None:
        blob = observation.replay.blob or "(no blob: the failure was not reproducible)"
        lines.append(
            f"{indent}hypothesis: property {observation.replay.property_name}, "
            f"seed {observation.replay.seed} (derived from --seed {result.config.seed}); {blob}"
        )
        lines.append(f"{indent}rerun:    agentos-contract check --url {result.target} {_rerun_hint(result)}")
    return lines


def _header(clause_result: ClauseResult) -> str:
    clause = clause_result.clause
    house = " (house rule)" if clause.house else ""
    return f"{clause.id} {clause.title}{house}  [{clause.source}]"


def render_text(result: RunResult) -> str:
    return redactor(result).text(_render_text(result))


def _render_text(result: RunResult) -> str:
    config = result.config
    lines = [
        f"AgentOS contract suite: {result.target}",
        f"profile {result.profile.name}, seed {config.seed}, {config.max_examples} examples per property",
        f"deployment: {len(result.deployment.components)} components "
        f"({len(result.deployment.factories())} factories), "
        f"probes: {'yes' if result.deployment.probed else 'no'}",
        *(f"  {line}" for line in result.posture.lines()),
        "",
    ]
    for item in result.results:
        count = (
            f"({item.passed} passed" + (f", {len(item.violations)} failed" if item.violations else "") + ")"
        )
        lines.append(
            f"  {item.clause.id:<4} {_MARK[item.verdict]:<10} {item.clause.title}"
            + (" [house]" if item.clause.house else "")
            + f"  {count if item.passed or item.violations else ''}"
            + (f"  (judged under {', '.join(item.conditions)})" if item.conditions else "")
        )
    violated = [r for r in result.results if r.verdict is Verdict.VIOLATED]
    if violated:
        lines += ["", "Violations", "=========="]
        for item in violated:
            lines += ["", _header(item), f'  spec: "{item.clause.quote}"']
            for observation in item.violations[:SHOWN_PER_CLAUSE]:
                lines += describe_observation(observation, result)
                lines.append("")
            if len(item.violations) > SHOWN_PER_CLAUSE:
                lines.append(
                    f"    ... and {len(item.violations) - SHOWN_PER_CLAUSE} more failed observations"
                )
    deviations = [r for r in result.results if r.deviations]
    if deviations:
        lines += ["", f"Accepted deviations (profile {result.profile.name})", "=" * 40]
        seen: set[str] = set()
        for item in deviations:
            for accepted in item.deviations:
                key = f"{item.clause.id}/{accepted.deviation.id}"
                if key in seen:
                    continue
                seen.add(key)
                lines.append(f"  {item.clause.id} {accepted.deviation.id}: {accepted.deviation.reason}")
                lines.append(f"      observed: {accepted.observation.observed[:300]}")
    not_judged = [r for r in result.results if r.verdict is Verdict.NOT_JUDGED]
    if not_judged:
        lines += ["", "Not judged", "=========="]
        for item in not_judged:
            lines.append(f"  {item.clause.id} {item.clause.title}: {'; '.join(item.reasons)}")
    if result.crashed_checks:
        lines += ["", "Checks that crashed (a suite problem, not a verdict)", "=" * 50]
        lines += [f"  {text}" for text in result.crashed_checks]
    if result.gate_failures:
        lines += ["", "Judged too little (exit 1)", "=" * 26]
        lines += [f"  {text}" for text in result.gate_failures]
    lines += [
        "",
        f"{result.count(Verdict.HOLDS)} hold, {result.count(Verdict.VIOLATED)} violated, "
        f"{result.count(Verdict.DEVIATION)} accepted deviations, "
        f"{result.count(Verdict.NOT_JUDGED)} not judged; "
        f"{result.requests} requests in {result.elapsed_s:.1f} s"
        + (f"; stopped early: {result.stopped_early}" if result.stopped_early else ""),
    ]
    return "\n".join(lines)


def _observation_json(observation: Observation) -> dict[str, Any]:
    data: dict[str, Any] = {
        "check": observation.check,
        "expected": observation.expected,
        "observed": observation.observed,
        "facts": {k: v for k, v in observation.facts.items()},
    }
    if observation.exchange is not None:
        data["curl"] = render_curl(observation.exchange)
        data["status"] = observation.exchange.status
    if observation.replay is not None:
        data["replay"] = {
            "seed": observation.replay.seed,
            "property": observation.replay.property_name,
            "blob": observation.replay.blob,
        }
    return data


def to_json(result: RunResult) -> dict[str, Any]:
    document: dict[str, Any] = redactor(result).data(_to_json(result))
    return document


def _to_json(result: RunResult) -> dict[str, Any]:
    return {
        "target": result.target,
        "profile": result.profile.name,
        "seed": result.config.seed,
        "max_examples": result.config.max_examples,
        "probed": result.deployment.probed,
        "posture": result.posture.as_dict(),
        "requests": result.requests,
        "elapsed_s": round(result.elapsed_s, 3),
        "exit_code": result.exit_code,
        "crashed_checks": result.crashed_checks,
        "judged": result.judged,
        "gate_failures": result.gate_failures,
        "stopped_early": result.stopped_early,
        "clauses": [
            {
                "id": item.clause.id,
                "title": item.clause.title,
                "source": item.clause.source,
                "quote": item.clause.quote,
                "house": item.clause.house,
                "verdict": item.verdict.value,
                "passed": item.passed,
                "violations": [_observation_json(o) for o in item.violations],
                "deviations": [
                    {
                        "id": d.deviation.id,
                        "reason": d.deviation.reason,
                        "source": d.deviation.source,
                        "observation": _observation_json(d.observation),
                    }
                    for d in item.deviations
                ],
                "not_judged_reasons": list(item.reasons) if item.verdict is Verdict.NOT_JUDGED else [],
                "judged_under": list(item.conditions),
            }
            for item in result.results
        ],
    }


def write_json(result: RunResult, path: Path) -> None:
    path.write_text(json.dumps(to_json(result), indent=2, default=str) + "\n", encoding="utf-8")


def write_junit(result: RunResult, path: Path) -> None:
    suite = ET.Element(
        "testsuite",
        name="agentos-contract",
        tests=str(len(result.results)),
        failures=str(result.count(Verdict.VIOLATED)),
        errors=str(len(result.crashed_checks)),
        skipped=str(result.count(Verdict.NOT_JUDGED)),
        time=f"{result.elapsed_s:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("target", result.target),
        ("profile", result.profile.name),
        ("seed", str(result.config.seed)),
        ("max_examples", str(result.config.max_examples)),
        *((f"posture.{name}", finding["setting"]) for name, finding in result.posture.as_dict().items()),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for item in result.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"agentos_contract.{item.clause.source}",
            name=f"{item.clause.id} {item.clause.title}",
        )
        if item.verdict is Verdict.VIOLATED:
            text = "\n".join(
                line for o in item.violations[:SHOWN_PER_CLAUSE] for line in describe_observation(o, result)
            )
            ET.SubElement(case, "failure", message=item.violations[0].expected[:200]).text = text
        elif item.verdict is Verdict.NOT_JUDGED:
            ET.SubElement(case, "skipped", message="; ".join(item.reasons)[:500])
        elif item.verdict is Verdict.DEVIATION:
            ET.SubElement(case, "system-out").text = "\n".join(
                f"accepted deviation {d.deviation.id}: {d.deviation.reason}" for d in item.deviations
            )
    ET.indent(suite)
    xml = ET.tostring(suite, encoding="unicode", xml_declaration=True)
    path.write_text(redactor(result).text(xml) + "\n", encoding="utf-8")


_ICON = {Verdict.HOLDS: "✅", Verdict.VIOLATED: "❌", Verdict.DEVIATION: "⚠️", Verdict.NOT_JUDGED: "➖"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_summary(result: RunResult) -> str:
    """A Markdown summary for CI job pages (GitHub's step summary format)."""
    outcome = {0: "✅ holds", 1: "❌ fails", 2: "⚠️ could not run"}[result.exit_code]
    lines = [
        f"## AgentOS contract suite: {outcome}",
        "",
        f"`{result.target}`, profile `{result.profile.name}`, seed {result.config.seed}: "
        f"**{result.count(Verdict.HOLDS)}** hold, **{result.count(Verdict.VIOLATED)}** violated, "
        f"**{result.count(Verdict.DEVIATION)}** accepted deviations, "
        f"**{result.count(Verdict.NOT_JUDGED)}** not judged; {result.requests} requests in "
        f"{result.elapsed_s:.1f} s.",
        "",
        "| what the deployment enforces | |",
        "| --- | --- |",
        *(
            f"| {_cell(line.split(': ', 1)[0])} | {_cell(line.split(': ', 1)[1])} |"
            for line in result.posture.lines()
        ),
        "",
    ]
    if result.gate_failures:
        lines += ["**Judged too little:**", *(f"- {_cell(text)}" for text in result.gate_failures), ""]
    if result.crashed_checks:
        lines += ["**Checks that crashed:**", *(f"- {_cell(text)}" for text in result.crashed_checks), ""]
    shown = [r for r in result.results if r.verdict is not Verdict.HOLDS]
    if shown:
        lines += ["| clause | verdict | | why |", "| --- | --- | --- | --- |"]
        for item in shown:
            if item.violations:
                why = f"expected {item.violations[0].expected}; observed {item.violations[0].observed}"
            elif item.deviations:
                why = "; ".join(sorted({d.deviation.id for d in item.deviations}))
            else:
                why = "; ".join(item.reasons)
            lines.append(
                f"| {item.clause.id} | {_ICON[item.verdict]} {item.verdict.value} | "
                f"{_cell(item.clause.title)} | {_cell(why[:300])} |"
            )
        lines.append("")
    lines.append("Full report: the job's log (and `--json`/`--junit` when given).")
    return redactor(result).text("\n".join(lines)) + "\n"


def write_summary(result: RunResult, path: Path) -> None:
    """Appended, as CI step summaries are."""
    with path.open("a", encoding="utf-8") as out:
        out.write(render_summary(result))


def write_aborted_summary(path: Path, target: str, reason: str) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write(f"## AgentOS contract suite: ⚠️ could not run\n\n`{target}`: {_cell(reason)}\n")
