"""``probe_factories`` and ``ProbeEchoModel`` in process, without a server.

The wire behaviour is proven against a running AgentOS in test_agno_probes.py;
these tests pin what can be seen without one: the composition of the ProbeSet,
the offline model's answers and the ledger-before-raise order.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("agno", reason="agno is not importable: install the [agno] extra")

from agno.agent import Agent, AgentFactory
from agno.db.sqlite import SqliteDb
from agno.factory import (
    FactoryError,
    FactoryPermissionError,
    FactoryValidationError,
    RequestContext,
    TrustedContext,
)
from agno.models.message import Message
from agno.models.response import ModelResponse
from agno.team import Team, TeamFactory
from agno.workflow import Workflow, WorkflowFactory
from starlette.requests import Request

from agentos_contract.probes import (
    CATALOGUE,
    CRASH_SECRET,
    FACTORY_ERROR_SECRET,
    InvocationLedger,
    probe_spec,
)
from agentos_contract.probes.agno import CONFIRM_TOOL, ProbeEchoModel, ProbeSet, probe_factories

pytestmark = pytest.mark.agno


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> SqliteDb:
    return SqliteDb(db_file=str(tmp_path_factory.mktemp("probe-set") / "probes.db"))


def http_request(path: str, trace: str | None = None) -> Request:
    headers = [] if trace is None else [(b"x-agentos-contract-trace", trace.encode())]
    return Request({"type": "http", "method": "POST", "path": path, "headers": headers, "query_string": b""})


def factory_of(probes: ProbeSet, probe_id: str) -> AgentFactory | TeamFactory | WorkflowFactory:
    for entry in [*probes.agents, *probes.teams, *probes.workflows]:
        if isinstance(entry, (AgentFactory, TeamFactory, WorkflowFactory)) and entry.id == probe_id:
            return entry
    raise AssertionError(f"{probe_id} is not a factory of the probe set")


def invoke(factory: AgentFactory | TeamFactory | WorkflowFactory, ctx: RequestContext) -> Any:
    return asyncio.run(factory.invoke_async(ctx))


def test_probe_set_holds_the_catalogue_by_kind(db: SqliteDb) -> None:
    probes = probe_factories(db)
    ids_by_list = {
        "agent": [e.id for e in probes.agents if isinstance(e, (Agent, AgentFactory))],
        "team": [e.id for e in probes.teams if isinstance(e, TeamFactory)],
        "workflow": [e.id for e in probes.workflows if isinstance(e, WorkflowFactory)],
    }
    for kind, ids in ids_by_list.items():
        assert ids == [spec.id for spec in CATALOGUE if spec.kind == kind]
    prototype = next(e for e in probes.agents if isinstance(e, Agent))
    assert prototype.id == "probe-agent-prototype"
    assert prototype.db is db


def test_factories_carry_the_catalogue_metadata(db: SqliteDb) -> None:
    probes = probe_factories(db)
    for spec in CATALOGUE:
        if not spec.is_factory:
            continue
        factory = factory_of(probes, spec.id)
        assert (factory.description, factory.input_schema, factory.is_async()) == (
            spec.description,
            spec.input_schema,
            spec.is_async,
        )
        assert factory.db is db


def test_echo_model_answers_with_the_last_user_message() -> None:
    model = ProbeEchoModel(reply=lambda message: f"<{message}>")
    messages = [Message(role="system", content="s"), Message(role="user", content="hello")]
    answer = model.invoke(messages=messages)
    assert (answer.content, answer.tool_calls) == ("<hello>", [])
    assert model.invoke(messages=[]).content == "<None>"


def test_echo_model_streams_the_answer_in_two_chunks() -> None:
    model = ProbeEchoModel(reply=lambda message: "0123456789")

    async def collect() -> list[ModelResponse]:
        return [chunk async for chunk in model.ainvoke_stream(messages=[Message(role="user", content="x")])]

    chunks = asyncio.run(collect())
    assert [chunk.content for chunk in chunks] == ["01234", "56789"]


def test_pausing_model_calls_the_confirm_tool_until_a_tool_result_exists() -> None:
    model = ProbeEchoModel(reply=lambda message: "done", confirm_tool=CONFIRM_TOOL)
    first = model.invoke(messages=[Message(role="user", content="x")])
    assert first.content is None
    assert [call["function"]["name"] for call in first.tool_calls] == [CONFIRM_TOOL]
    after = model.invoke(
        messages=[Message(role="user", content="x"), Message(role="tool", content="confirmed")]
    )
    assert (after.content, after.tool_calls) == ("done", [])


@pytest.mark.parametrize(
    ("probe_id", "error", "text"),
    [
        ("probe-agent-crash", RuntimeError, CRASH_SECRET),
        ("probe-team-factory-error", FactoryError, FACTORY_ERROR_SECRET),
        ("probe-workflow-scope", FactoryPermissionError, "Missing 'workflows:run' scope"),
    ],
)
def test_failing_probes_are_recorded_before_they_raise(
    db: SqliteDb, probe_id: str, error: type[Exception], text: str
) -> None:
    ledger = InvocationLedger()
    factory = factory_of(probe_factories(db, ledger=ledger), probe_id)
    ctx = RequestContext(request=http_request(f"/x/{probe_id}/runs", trace="t-fail"))
    with pytest.raises(error, match=text):
        invoke(factory, ctx)
    assert ledger.invocations("t-fail") == [
        {"probe": probe_id, "method": "POST", "path": f"/x/{probe_id}/runs", "input_type": "none"}
    ]


def test_nothing_is_recorded_without_trace_header_or_request(db: SqliteDb) -> None:
    ledger = InvocationLedger()
    factory = factory_of(probe_factories(db, ledger=ledger), "probe-agent-echo")
    invoke(factory, RequestContext(request=http_request("/agents/probe-agent-echo/runs")))
    invoke(factory, RequestContext(request=None))
    assert len(ledger) == 0


def test_scope_probe_builds_with_its_scope(db: SqliteDb) -> None:
    factory = factory_of(probe_factories(db), "probe-team-scope")
    ctx = RequestContext(trusted=TrustedContext(scopes=frozenset({"teams:run"})))
    assert isinstance(invoke(factory, ctx), Team)


@pytest.mark.parametrize(
    ("probe_id", "produced"),
    [
        ("probe-agent-wrong-type", Team),
        ("probe-team-wrong-type", Agent),
        ("probe-workflow-wrong-type", Agent),
    ],
)
def test_wrong_type_probes_return_another_kind(db: SqliteDb, probe_id: str, produced: type) -> None:
    assert isinstance(invoke(factory_of(probe_factories(db), probe_id), RequestContext()), produced)


def test_id_mismatch_probe_produces_the_other_id(db: SqliteDb) -> None:
    produced = invoke(factory_of(probe_factories(db), "probe-workflow-id-mismatch"), RequestContext())
    assert isinstance(produced, Workflow)
    assert produced.id == "probe-produced-other-id"


def test_ledger_probe_reports_its_trace_and_never_itself(db: SqliteDb) -> None:
    ledger = InvocationLedger()
    probes = probe_factories(db, ledger=ledger)
    invoke(factory_of(probes, "probe-agent-echo"), RequestContext(request=http_request("/e", trace="t-led")))
    ledger_ctx = RequestContext(request=http_request("/l", trace="t-led"), input={"trace": "t-led"})
    agent = invoke(factory_of(probes, "probe-ledger"), ledger_ctx)
    assert isinstance(agent, Agent)
    reply = json.loads(agent.run("ledger?").content or "")
    assert reply["trace"] == "t-led"
    assert [e["probe"] for e in reply["invocations"]] == ["probe-agent-echo"]
    assert len(ledger.invocations("t-led")) == 1


@pytest.mark.parametrize("factory_input", [None, {}, {"trace": ""}, {"trace": 5}])
def test_ledger_probe_rejects_input_without_a_trace(
    db: SqliteDb, factory_input: dict[str, Any] | None
) -> None:
    factory = factory_of(probe_factories(db), "probe-ledger")
    with pytest.raises(FactoryValidationError, match="trace"):
        invoke(factory, RequestContext(input=factory_input))


def test_echo_agent_answers_with_its_context_in_process(db: SqliteDb, tmp_path: Path) -> None:
    factory = factory_of(probe_factories(db), "probe-agent-echo")
    ctx = RequestContext(user_id="u", session_id="s", input={"k": "v"})
    agent = invoke(factory, ctx)
    assert isinstance(agent, Agent)
    agent.db = SqliteDb(db_file=str(tmp_path / "run.db"))
    echo = json.loads(agent.run("hi").content or "")
    assert echo["probe"] == "probe-agent-echo"
    assert echo["message"] == "hi"
    assert echo["ctx"]["input"] == {"k": "v"}
    assert (echo["ctx"]["user_id"], echo["ctx"]["request"]) == ("u", None)
    assert probe_spec(echo["probe"]).kind == echo["kind"]


@pytest.mark.parametrize("probe_id", ["probe-agent-raise", "probe-team-raise-async", "probe-workflow-raise"])
def test_raise_probes_raise_what_factory_input_names(db: SqliteDb, probe_id: str) -> None:
    from agentos_contract.probes import RAISABLE, raise_secret
    from agentos_contract.probes.agno import ProbeFactoryFailure, ProbePermissionDenied, ProbeUnprintable

    expected: dict[str, type[BaseException]] = {
        "FactoryPermissionError": FactoryPermissionError,
        "FactoryPermissionError-subclass": ProbePermissionDenied,
        "FactoryError": FactoryError,
        "FactoryError-subclass": ProbeFactoryFailure,
        "FactoryValidationError": FactoryValidationError,
        "ValueError": ValueError,
        "KeyError": KeyError,
        "TypeError": TypeError,
        "RuntimeError": RuntimeError,
        "AssertionError": AssertionError,
        "unprintable": ProbeUnprintable,
    }
    assert set(expected) == set(RAISABLE)
    ledger = InvocationLedger()
    factory = factory_of(probe_factories(db, ledger=ledger), probe_id)
    for name, error in expected.items():
        ctx = RequestContext(request=http_request("/x", trace="t-raise"), input={"raise": name})
        with pytest.raises(error) as raised:
            invoke(factory, ctx)
        assert type(raised.value) is error
        assert raised.value.args == (raise_secret(name),)
    assert len(ledger.invocations("t-raise")) == len(expected)
    with pytest.raises(RuntimeError, match="str"):
        str(ProbeUnprintable(raise_secret("unprintable")))
    # without a name to raise it builds its echo component
    assert invoke(factory, RequestContext(request=None, input={})).id == probe_id
