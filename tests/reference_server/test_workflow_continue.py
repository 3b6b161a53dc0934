"""Continue and reject of a paused workflow step, as agno 3.1.10 answers them (measured with the
same workflows on a real agno AgentOS; wire-notes section 9):

- confirmed: the continued step reads the step before it as ``previous_step_content``, and the
  stream is ``StepContinued, StepStarted, StepOutput, StepCompleted, ..., WorkflowCompleted``;
- rejected (``on_reject="skip"``): no event and no result for the skipped step; the next step
  reads the content from before it, and when it was the last step that content is the run's;
- rejected when no step ran at all: the run completes with the content ``"No steps executed"``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from agentos_reference import ReferenceOS, RequestContext, SqliteDb, WorkflowFactory
from agentos_reference.components import Step, StepInput, StepOutput, Workflow

from .conftest import client_for, sse_events

SEEN: list[tuple[str, str | None]] = []


def draft(step_input: StepInput) -> StepOutput:
    SEEN.append(("draft", step_input.previous_step_content))
    return StepOutput(content=f"DRAFT of {step_input.input}")


def publish(step_input: StepInput) -> str:
    SEEN.append(("publish", step_input.previous_step_content))
    return f"Published: {step_input.previous_step_content}"


def after(step_input: StepInput) -> str:
    SEEN.append(("after", step_input.previous_step_content))
    return f"after:{step_input.previous_step_content}"


def gate(name: str = "publish") -> Step:
    return Step(name=name, executor=publish, requires_confirmation=True, confirmation_message="ok?")


SHAPES = {
    "draft-publish": lambda: [Step(name="draft", executor=draft), gate()],
    "draft-publish-after": lambda: [
        Step(name="draft", executor=draft),
        gate(),
        Step(name="after", executor=after),
    ],
    "publish-after": lambda: [gate(), Step(name="after", executor=after)],
    "publish-only": lambda: [gate()],
}

# (shape, confirmed) -> (final content, step results, what the steps after the pause read, stream)
EXPECTED: dict[tuple[str, bool], tuple[str, list[str], list[tuple[str, str | None]], list[str]]] = {
    ("draft-publish", True): (
        "Published: DRAFT of hello",
        ["draft", "publish"],
        [("publish", "DRAFT of hello")],
        ["StepContinued", "StepStarted", "StepOutput", "StepCompleted", "WorkflowCompleted"],
    ),
    ("draft-publish", False): ("DRAFT of hello", ["draft"], [], ["WorkflowCompleted"]),
    ("draft-publish-after", True): (
        "after:Published: DRAFT of hello",
        ["draft", "publish", "after"],
        [("publish", "DRAFT of hello"), ("after", "Published: DRAFT of hello")],
        [
            "StepContinued",
            *("StepStarted", "StepOutput", "StepCompleted") * 2,
            "WorkflowCompleted",
        ],
    ),
    ("draft-publish-after", False): (
        "after:DRAFT of hello",
        ["draft", "after"],
        [("after", "DRAFT of hello")],
        ["StepStarted", "StepOutput", "StepCompleted", "WorkflowCompleted"],
    ),
    ("publish-after", True): (
        "after:Published: None",
        ["publish", "after"],
        [("publish", None), ("after", "Published: None")],
        ["StepContinued", *("StepStarted", "StepOutput", "StepCompleted") * 2, "WorkflowCompleted"],
    ),
    ("publish-after", False): (
        "after:None",
        ["after"],
        [("after", None)],
        ["StepStarted", "StepOutput", "StepCompleted", "WorkflowCompleted"],
    ),
    ("publish-only", True): (
        "Published: None",
        ["publish"],
        [("publish", None)],
        ["StepContinued", "StepStarted", "StepOutput", "StepCompleted", "WorkflowCompleted"],
    ),
    ("publish-only", False): ("No steps executed", [], [], ["WorkflowCompleted"]),
}


@pytest.fixture
def app_db(db: SqliteDb) -> tuple[ReferenceOS, SqliteDb]:
    def factory_for(shape: str) -> WorkflowFactory:
        def build(ctx: RequestContext) -> Workflow:
            return Workflow(name=shape, steps=SHAPES[shape]())

        return WorkflowFactory(id=f"factory-{shape}", db=db, factory=build)

    prototypes = [Workflow(id=f"prototype-{shape}", steps=SHAPES[shape]()) for shape in SHAPES]
    factories = [factory_for(shape) for shape in SHAPES]
    return ReferenceOS(workflows=[*prototypes, *factories], db=db), db


async def paused(client: httpx.AsyncClient, workflow_id: str) -> dict[str, Any]:
    response = await client.post(
        f"/workflows/{workflow_id}/runs", data={"message": "hello", "stream": "false"}
    )
    assert response.status_code == 200, response.text
    output: dict[str, Any] = response.json()
    assert output["status"] == "PAUSED"
    return output


async def continue_run(
    client: httpx.AsyncClient, workflow_id: str, output: dict[str, Any], *, confirmed: bool, stream: bool
) -> httpx.Response:
    requirements = [{**item, "confirmed": confirmed} for item in output["step_requirements"]]
    return await client.post(
        f"/workflows/{workflow_id}/runs/{output['run_id']}/continue",
        data={
            "step_requirements": json.dumps(requirements),
            "session_id": output["session_id"],
            "stream": "true" if stream else "false",
        },
    )


@pytest.mark.parametrize("origin", ["prototype", "factory"])
@pytest.mark.parametrize(("shape", "confirmed"), sorted(EXPECTED))
async def test_continue_and_reject_answer_as_agno_does(
    app_db: tuple[ReferenceOS, SqliteDb], origin: str, shape: str, confirmed: bool
) -> None:
    content, steps, read_after_pause, stream_names = EXPECTED[(shape, confirmed)]
    workflow_id = f"{origin}-{shape}"
    async with client_for(app_db[0].get_app()) as client:
        output = await paused(client, workflow_id)
        SEEN.clear()
        answered = await continue_run(client, workflow_id, output, confirmed=confirmed, stream=False)
        assert answered.status_code == 200, answered.text
        done = answered.json()
        assert (done["status"], done["content"]) == ("COMPLETED", content)
        assert [result["step_name"] for result in done["step_results"]] == steps
        assert read_after_pause == SEEN

        streamed_run = await paused(client, workflow_id)
        streamed = await continue_run(client, workflow_id, streamed_run, confirmed=confirmed, stream=True)
        events = sse_events(streamed.text)
        assert [name for name, _ in events] == stream_names
        assert events[-1][1]["content"] == content
        stored = await client.get(
            f"/workflows/{workflow_id}/runs/{streamed_run['run_id']}",
            params={"session_id": streamed_run["session_id"]},
        )
        assert (stored.json()["status"], stored.json()["content"]) == ("COMPLETED", content)
        decided = [item["confirmed"] for item in stored.json()["step_requirements"]]
        assert decided == [confirmed]


async def test_the_demo_publish_workflow_publishes_its_draft(db: SqliteDb) -> None:
    from agentos_reference.demo_factories import demo_os

    async with client_for(demo_os(db).get_app()) as client:
        started = await client.post(
            "/workflows/publish-workflow/runs",
            data={"message": "Launch notes", "stream": "false", "factory_input": '{"channel": "blog"}'},
        )
        output = started.json()
        assert output["status"] == "PAUSED", output
        draft_content = output["step_results"][0]["content"]
        assert draft_content
        requirements = [{**item, "confirmed": True} for item in output["step_requirements"]]
        done = await client.post(
            f"/workflows/publish-workflow/runs/{output['run_id']}/continue",
            data={
                "step_requirements": json.dumps(requirements),
                "session_id": output["session_id"],
                "stream": "false",
                "factory_input": '{"channel": "blog"}',
            },
        )
    assert done.status_code == 200, done.text
    assert done.json()["content"] == f"Published to the blog: {draft_content}"
