"""Unit tests of the engine: verdicts, profiles and baselines, curl rendering, SSE and echo parsing."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from agentos_contract.clauses import CLAUSES_BY_ID
from agentos_contract.curl import render_curl
from agentos_contract.echo import echo_from_sse, parse_echo
from agentos_contract.model import Exchange, NotJudged, Observation, Verdict
from agentos_contract.profiles import AGNO_3_1, Deviation, Profile, ProfileError, get_profile, load_baseline
from agentos_contract.sse import parse_sse
from agentos_contract.verdicts import judge


def _obs(clause: str, passed: bool, **facts: object) -> Observation:
    return Observation(clause, "a-check", passed, "expected", "observed", {"check": "a-check", **facts})


def _verdicts(
    observations: list[Observation],
    profile: Profile | None = None,
    not_judged: tuple[NotJudged, ...] = (),
) -> dict[str, Verdict]:
    return {r.clause.id: r.verdict for r in judge(observations, not_judged, profile or Profile("spec"))}


def test_a_failed_observation_violates_its_clause_and_a_pass_holds() -> None:
    verdicts = _verdicts([_obs("C01", True), _obs("C02", True), _obs("C02", False)])
    assert verdicts["C01"] is Verdict.HOLDS
    assert verdicts["C02"] is Verdict.VIOLATED
    assert verdicts["C03"] is Verdict.NOT_JUDGED


def test_a_deviation_is_accepted_only_when_its_signature_matches() -> None:
    deviation = Deviation(
        "d1", "C25", "reason", {"status": 200, "route": ["get-run"], "text": {"contains": "x"}}
    )
    profile = Profile("p", (deviation,))
    matching = _obs("C25", False, status=200, route="get-run", text="..x..")
    assert _verdicts([matching], profile)["C25"] is Verdict.DEVIATION
    other_status = _obs("C25", False, status=500, route="get-run", text="x")
    assert _verdicts([matching, other_status], profile)["C25"] is Verdict.VIOLATED
    other_clause = _obs("C26", False, status=200, route="get-run", text="x")
    assert _verdicts([other_clause], profile)["C26"] is Verdict.VIOLATED
    missing_fact = _obs("C25", False, status=200, route="get-run")
    assert _verdicts([missing_fact], profile)["C25"] is Verdict.VIOLATED


def test_not_judged_keeps_every_reason() -> None:
    results = judge(
        [], [NotJudged("x", ("C15",), "no JWT"), NotJudged("y", ("C15",), "no probes")], Profile("spec")
    )
    result = next(r for r in results if r.clause.id == "C15")
    assert result.verdict is Verdict.NOT_JUDGED
    assert result.reasons == ("x: no JWT", "y: no probes")


def test_the_agno_profile_names_existing_clauses_and_section_2_items() -> None:
    assert get_profile("agno-3.1").deviations == AGNO_3_1
    numbers = {d.id.split("/")[1].rstrip("abcdefghi") for d in AGNO_3_1}
    # Section 2's numbered differences, and section 12's isolation measurements (isolation off).
    # and what the suite's probe protocol v2 measured (docs/agno-compat.md).
    assert numbers == {
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "10",
        "iso1",
        "iso2",
        "iso3",
        "iso4",
        "ev1",
        "json1",
        "json2",
    }
    for deviation in AGNO_3_1:
        if deviation.id.startswith("agno-3.1/iso") and deviation.clause != "H10":
            assert deviation.signature["isolation"] == "off", deviation.id
    for deviation in AGNO_3_1:
        assert deviation.clause in CLAUSES_BY_ID
        assert deviation.signature["check"] in CLAUSES_BY_ID[deviation.clause].checks, deviation.id
    with pytest.raises(ProfileError, match="unknown profile"):
        get_profile("agno-9")


def test_baseline_files_are_loaded_and_checked(tmp_path: Path) -> None:
    good = tmp_path / "baseline.json"
    good.write_text(
        json.dumps(
            {
                "deviations": [
                    {
                        "id": "ours/1",
                        "clause": "H02",
                        "reason": "we show errors",
                        "signature": {"leaked": True},
                    },
                ]
            }
        ),
        encoding="utf-8",
    )
    (deviation,) = load_baseline(good)
    assert (deviation.id, deviation.clause, deviation.source) == ("ours/1", "H02", str(good))
    profile = get_profile("spec").with_baseline([deviation])
    assert _verdicts([_obs("H02", False, leaked=True)], profile)["H02"] is Verdict.DEVIATION
    toml = tmp_path / "baseline.toml"
    toml.write_text(
        '[[deviations]]\nid = "t"\nclause = "C01"\nreason = "r"\nsignature = { status = 404 }\n',
        encoding="utf-8",
    )
    if sys.version_info >= (3, 11):
        assert load_baseline(toml)[0].signature == {"status": 404}
    else:  # no tomllib: refused with the way out, not a crash
        with pytest.raises(ProfileError, match=r"TOML baselines need Python 3\.11"):
            load_baseline(toml)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "top-level 'deviations' list"),
        ('{"deviations": [{"id": "x"}]}', "missing clause, reason, signature"),
        (
            '{"deviations": [{"id": "x", "clause": "C99", "reason": "r", "signature": {"a": 1}}]}',
            "unknown clause",
        ),
        ('{"deviations": [{"id": "x", "clause": "C01", "reason": "r", "signature": {}}]}', "non-empty"),
        (
            '{"deviations": [{"id": "x", "clause": "C01", "reason": "r", '
            '"signature": {"a": {"regex": "."}}}]}',
            "unknown signature operator",
        ),
    ],
)
def test_bad_baselines_are_refused_with_a_clear_error(tmp_path: Path, document: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        load_baseline(path)
    with pytest.raises(ProfileError, match="cannot read"):
        load_baseline(tmp_path / "missing.json")


def test_curl_is_runnable_and_multipart_correct() -> None:
    exchange = Exchange(
        method="POST",
        url="http://h/agents/a/runs?x=1",
        headers=(("Authorization", "Bearer t.k.n"),),
        form=(("message", "it's"), ("factory_input", '{"a": "b;c"}'), ("note", "@/etc/passwd"), ("n", "<x")),
    )
    command = render_curl(exchange)
    words = shlex.split(command)
    assert words[:5] == ["curl", "-sS", "-i", "-X", "POST"]
    assert "http://h/agents/a/runs?x=1" in words
    assert words[words.index("-H") + 1] == "Authorization: Bearer t.k.n"
    assert words[words.index("-F") + 1] == "message=it's"
    # curl would read a file for '@'/'<' and parse ';' as a part option with -F: --form-string never does.
    strings = [words[i + 1] for i, word in enumerate(words) if word == "--form-string"]
    assert strings == ['factory_input={"a": "b;c"}', "note=@/etc/passwd", "n=<x"]


def test_websocket_exchanges_render_as_a_runnable_program() -> None:
    rendered = render_curl(
        Exchange(method="WEBSOCKET", url="ws://h/workflows/ws", ws_sent=('{"action": "ping"}',))
    )
    assert "connect('ws://h/workflows/ws')" in rendered
    assert 'ws.send(\'{"action": "ping"}\')' in rendered


def test_sse_and_echo_parsing() -> None:
    echo = {"agentos_contract_probe": 1, "probe": "p", "kind": "agent", "ctx": {"user_id": "u"}}
    text = (
        f"event: RunStarted\ndata: {json.dumps({'event': 'RunStarted'})}\n\n"
        f"event: RunCompleted\ndata: {json.dumps({'event': 'RunCompleted', 'content': json.dumps(echo)})}\n\n"
        "event: Broken\ndata: {not json\n\n"
    )
    events = parse_sse(text)
    assert [e.event for e in events] == ["RunStarted", "RunCompleted", "Broken"]
    assert events[2].data is None
    parsed = echo_from_sse(text)
    assert parsed is not None
    assert parsed.field("user_id") == "u"
    assert parse_echo("not json") is None
    assert parse_echo(json.dumps({"probe": "x"})) is None
