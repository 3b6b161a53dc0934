"""The continue/reject table of ``tests/reference_server/test_workflow_continue.py``, measured on a
real agno 3.1.10 AgentOS (in process): the reference server answers as agno does because both
are held to the same expectations."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import AGNO_MISSING
from tests.reference_server.test_workflow_continue import EXPECTED

pytestmark = pytest.mark.skipif(AGNO_MISSING, reason="agno is not importable (the [agno] extra)")

SEEN: list[tuple[str, str | None]] = []


def agno_app(db_file: Path) -> Any:
    from agno.db.sqlite import SqliteDb
    from agno.factory import RequestContext
    from agno.os import AgentOS
    from agno.workflow import Step, Workflow, WorkflowFactory
    from agno.workflow.types import HumanReview, StepInput, StepOutput

    def record(name: str, step_input: StepInput, content: str) -> StepOutput:
        SEEN.append((name, step_input.previous_step_content))
        return StepOutput(content=content)

    def draft(step_input: StepInput) -> StepOutput:
        SEEN.append(("draft", step_input.previous_step_content))
        return StepOutput(content=f"DRAFT of {step_input.get_input_as_string()}")

    def publish(step_input: StepInput) -> StepOutput:
        return record("publish", step_input, f"Published: {step_input.previous_step_content}")

    def after(step_input: StepInput) -> StepOutput:
        return record("after", step_input, f"after:{step_input.previous_step_content}")

    def gate() -> Step:
        review = HumanReview(requires_confirmation=True, confirmation_message="ok?")
        return Step(name="publish", executor=publish, human_review=review)

    # list[Any]: agno types steps as an invariant list of a union.
    shapes: dict[str, Callable[[], list[Any]]] = {
        "draft-publish": lambda: [Step(name="draft", executor=draft), gate()],
        "draft-publish-after": lambda: [
            Step(name="draft", executor=draft),
            gate(),
            Step(name="after", executor=after),
        ],
        "publish-after": lambda: [gate(), Step(name="after", executor=after)],
        "publish-only": lambda: [gate()],
    }
    db = SqliteDb(db_file=str(db_file), id="continue-db")

    def factory(shape: str) -> Any:
        def build(ctx: RequestContext) -> Workflow:
            return Workflow(id=shape, name=shape, steps=shapes[shape](), telemetry=False)

        return WorkflowFactory(id=shape, db=db, factory=build)

    return AgentOS(workflows=[factory(shape) for shape in shapes], db=db, telemetry=False).get_app()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return agno_app(tmp_path_factory.mktemp("agno-continue") / "agno.db")


async def test_agno_answers_the_continue_and_reject_table(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGNO_TELEMETRY", "false")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agno", timeout=60) as client:
        for (shape, confirmed), (content, steps, read_after_pause, stream_names) in sorted(EXPECTED.items()):
            for stream in (False, True):
                started = await client.post(
                    f"/workflows/{shape}/runs", data={"message": "hello", "stream": "false"}
                )
                output = started.json()
                assert output["status"] == "PAUSED", output
                SEEN.clear()
                requirements = [{**item, "confirmed": confirmed} for item in output["step_requirements"]]
                answered = await client.post(
                    f"/workflows/{shape}/runs/{output['run_id']}/continue",
                    data={
                        "step_requirements": json.dumps(requirements),
                        "session_id": output["session_id"],
                        "stream": "true" if stream else "false",
                    },
                )
                assert answered.status_code == 200, answered.text
                case = (shape, confirmed, stream)
                if stream:
                    frames = [frame.split("\n") for frame in answered.text.split("\n\n") if frame]
                    names = [lines[0].removeprefix("event: ") for lines in frames]
                    assert names == stream_names, case
                    assert json.loads(frames[-1][1].removeprefix("data: "))["content"] == content, case
                else:
                    done = answered.json()
                    assert (done["status"], done["content"]) == ("COMPLETED", content), case
                    assert [result["step_name"] for result in done.get("step_results") or []] == steps, case
                    assert read_after_pause == SEEN, case
