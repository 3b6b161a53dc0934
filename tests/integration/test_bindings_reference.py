"""The bindings proof, as an application developer meets it, against the reference server on loopback.

1. ``agentos-factories generate`` from a running reference server writes ``myapp/agentos_bindings.py``
   (again: the same bytes, the time kept).
2. ``mypy --strict`` accepts the application and its tests typed with it, and rejects each misuse.
3. The application's tests run on stubs built from the bindings (``StubDeployment.from_bindings``),
   which refuse what the deployment refuses; the same code runs against the live server.
4. A schema changes on the server: ``generate --check`` exits 1 naming the fields; 0 when nothing
   changed; 2 with one line when it cannot run.

Cost (2 cores): about 15 s, most of it the one mypy run over the generated module and the app.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from agentos_factories import Client
from agentos_factories.codegen import cli
from agentos_reference import (
    Agent,
    AgentFactory,
    ReferenceOS,
    RequestContext,
    SqliteDb,
    Step,
    Team,
    TeamFactory,
    Workflow,
    WorkflowFactory,
)
from tests.integration.reference_loopback import serving

pytestmark = pytest.mark.loopback

ROOT = Path(__file__).resolve().parents[2]


class Source(BaseModel):
    url: str
    weight: float = Field(default=1.0, ge=0, le=1)


class ResearchInput(BaseModel):
    topic: str = Field(min_length=1, max_length=80)
    depth: int = Field(default=3, ge=1, le=5)
    persona: Literal["analyst", "skeptic"] = "analyst"
    sources: list[Source] = Field(default_factory=list)
    note: str | None = None


class ResearchInputChanged(BaseModel):
    """The next release: ``depth`` goes to 10, ``language`` is required, ``note`` is gone."""

    topic: str = Field(min_length=1, max_length=80)
    depth: int = Field(default=3, ge=1, le=10)
    persona: Literal["analyst", "skeptic"] = "analyst"
    sources: list[Source] = Field(default_factory=list)
    language: str


class SupportInput(BaseModel):
    tier: Literal["free", "pro"] = "free"


class PublishInput(BaseModel):
    channel: Literal["blog", "newsletter"]


def _research(ctx: RequestContext) -> Agent:
    config = ctx.input
    assert isinstance(config, BaseModel)
    return Agent(name="Research", instructions=f"Research {config.model_dump(mode='json')}")


def _support(ctx: RequestContext) -> Team:
    return Team(name="Support", members=[Agent(id="helper", name="Helper", instructions="Help.")])


def _publish(ctx: RequestContext) -> Workflow:
    return Workflow(
        name="Publish", steps=[Step(name="draft", agent=Agent(name="Drafter", instructions="Draft."))]
    )


def _app(db_file: Path, research_schema: type[BaseModel]) -> object:
    db = SqliteDb(str(db_file))
    return ReferenceOS(
        agents=[
            AgentFactory(id="research-agent", db=db, factory=_research, input_schema=research_schema),
            AgentFactory(
                id="tenant-agent", db=db, factory=lambda ctx: Agent(name="Tenant", instructions="Hi.")
            ),
            Agent(id="greeter", name="Greeter", instructions="Greet.", db=db),
        ],
        teams=[TeamFactory(id="support-team", db=db, factory=_support, input_schema=SupportInput)],
        workflows=[
            WorkflowFactory(id="publish-workflow", db=db, factory=_publish, input_schema=PublishInput)
        ],
        db=db,
    ).get_app()


APP = '''
"""An application typed by its deployment's bindings."""

from __future__ import annotations

from agentos_factories import AsyncClient, Client

from myapp.agentos_bindings import (
    AsyncBindings,
    Bindings,
    PublishWorkflowInput,
    ResearchAgentInput,
    Source,
)


def research(client: Client, topic: str) -> str:
    bindings = Bindings(client)
    factory_input = ResearchAgentInput(topic=topic, depth=2, sources=[Source(url="https://a.test")])
    return str(bindings.agents.research_agent.run(topic, factory_input=factory_input).content)


def support(client: Client) -> str:
    return str(Bindings(client).teams.support_team.run("help").content)  # every field has a default


def publish(client: Client) -> str:
    flow = Bindings(client).workflows.publish_workflow
    return flow.run("post", factory_input=PublishWorkflowInput(channel="blog")).status


def greet(client: Client) -> str:
    return str(Bindings(client).agents.greeter.run("hi").content)


def tenant(client: Client) -> str:
    return str(Bindings(client).agents.tenant_agent.run("hi", factory_input={"plan": "pro"}).content)


async def research_async(client: AsyncClient, topic: str) -> str:
    agent = AsyncBindings(client).agents.research_agent
    output = await agent.run(topic, factory_input=ResearchAgentInput(topic=topic))
    return str(output.content)
'''

APP_TESTS = '''
"""The application's tests, on stubs built from the same bindings."""

from __future__ import annotations

from typing import Any

import pytest

import myapp.agentos_bindings as bindings_module
from agentos_factories import FactoryValidationError, IncompleteStreamError
from agentos_stubs import StubDeployment
from myapp.agentos_bindings import Bindings, ResearchAgentInput
from myapp.app import greet, publish, research, support, tenant


def _depth(ctx: Any, message: str) -> str:
    return f"{ctx.input.depth}:{message}"


def test_the_app_on_stubs_built_from_the_bindings() -> None:
    stub = StubDeployment.from_bindings(bindings_module, replies={"research-agent": _depth})
    with stub.client() as client:
        assert research(client, "AI") == "2:AI"
        sent = stub.last_request.factory_input
        # The defaults are sent; an unset None ("note", no default on the wire) is left out.
        source = {"url": "https://a.test", "weight": 1.0}
        assert sent == {"topic": "AI", "depth": 2, "persona": "analyst", "sources": [source]}
        assert support(client) == "help"
        assert stub.last_request.factory_input is None  # left out: the deployment's defaults apply
        assert publish(client) == "COMPLETED"
        assert greet(client) == "hi"
        assert tenant(client) == "hi"
        info = client.agents.get("research-agent")
        assert info.factory_input_schema == bindings_module.AGENTOS_BINDINGS["components"][1]["input_schema"]


def test_the_stub_refuses_what_the_deployment_refuses() -> None:
    stub = StubDeployment.from_bindings(bindings_module)
    with stub.client() as client:
        refused: list[dict[str, Any]] = [
            {"topic": "x", "depth": 9}, {"topic": ""}, {"depth": 2}, {"topic": "x", "persona": "poet"}
        ]
        for bad in refused:
            with pytest.raises(FactoryValidationError):
                client.agents.run("research-agent", "x", factory_input=bad)
        with pytest.raises(FactoryValidationError):
            client.workflows.run("publish-workflow", "x")  # channel is required


def test_a_stream_cut_before_its_completion() -> None:
    stub = StubDeployment.from_bindings(bindings_module).end_stream_early("research-agent", n_events=1)
    with stub.client() as client:
        agent = Bindings(client).agents.research_agent
        stream = agent.stream("x", factory_input=ResearchAgentInput(topic="x"))
        with pytest.raises(IncompleteStreamError):
            stream.until_done()
'''

MISUSE = """
from __future__ import annotations

from myapp.agentos_bindings import Bindings, PublishWorkflowInput, ResearchAgentInput


def misuse(bindings: Bindings) -> None:
    bindings.agents.research_agent.run("x")  # E: call-arg
    bindings.agents.research_agent.run("x", factory_input={"topic": "x"})  # E: arg-type
    bindings.agents.research_agent.run("x", factory_input=PublishWorkflowInput(channel="blog"))  # E: arg-type
    ResearchAgentInput(depth=2)  # E: call-arg
    ResearchAgentInput(topic="x", depth="2")  # E: arg-type
    PublishWorkflowInput(channel="podcast")  # E: arg-type
    bindings.agents.greeter.run("hi", factory_input={})  # E: call-arg
    bindings.teams.support_team.run("hi", factory_input={"tier": "pro"})  # E: arg-type
    bindings.agents.research_agent.continue_run("r", session_id="s", factory_input=None)  # E: call-arg
    print(bindings.agents.no_such_agent)  # E: attr-defined
"""


@pytest.fixture(scope="module")
def deployments(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The deployment, and its next release with one schema changed (each on its own port)."""
    directory = tmp_path_factory.mktemp("bindings-reference")
    with (
        serving(_app(directory / "v1.sqlite3", ResearchInput)) as url,  # type: ignore[arg-type]  # FastAPI app
        serving(_app(directory / "v2.sqlite3", ResearchInputChanged)) as changed_url,  # type: ignore[arg-type]  # FastAPI app
    ):
        yield url, changed_url


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_generate_type_check_stub_test_and_catch_drift(
    deployments: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, changed_url = deployments
    bindings = tmp_path / "myapp" / "agentos_bindings.py"
    started = time.monotonic()

    # 1. Generate, twice: the same bytes (the time of the first generation is kept).
    status, out, err = _run(["generate", "--url", url, "-o", str(bindings)], capsys)
    assert (status, err) == (0, ""), err
    assert "wrote" in out
    first = bindings.read_bytes()
    status, out, _ = _run(["generate", "--url", url, "-o", str(bindings)], capsys)
    assert status == 0
    assert "up to date" in out
    assert bindings.read_bytes() == first
    text = first.decode()
    assert f"# Deployment: {url}" in text
    assert re.search(r"# Generated at: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text)
    assert re.search(r"# Fingerprint: sha256:[0-9a-f]{64}", text)

    # 2. The module imports the SDK and pydantic only; mypy --strict takes the app, not the misuses.
    imports = set(re.findall(r"^from ([\w.]+) import", text, flags=re.MULTILINE))
    assert imports <= {"__future__", "collections.abc", "typing", "pydantic", "agentos_factories"}
    (tmp_path / "myapp" / "__init__.py").write_text("")
    (tmp_path / "myapp" / "app.py").write_text(textwrap.dedent(APP).lstrip())
    (tmp_path / "myapp" / "test_app.py").write_text(textwrap.dedent(APP_TESTS).lstrip())
    (tmp_path / "myapp" / "misuse.py").write_text(textwrap.dedent(MISUSE).lstrip())
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-version", "3.10",
         "--config-file", os.devnull, "myapp"],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    errors = re.findall(r"^myapp[/\\](\w+)\.py:(\d+): error: .*\[([\w-]+)\]$", checked.stdout, re.MULTILINE)
    expected = [
        ("misuse", str(number), code)
        for number, line in enumerate((tmp_path / "myapp" / "misuse.py").read_text().splitlines(), 1)
        for code in re.findall(r"# E: ([\w-]+)", line)
    ]
    assert sorted(errors) == sorted(expected), checked.stdout
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E,F,W,I,B,UP,SIM,RUF",
         "--target-version", "py310", str(bindings)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ruff.returncode == 0, ruff.stdout

    # 3. The app's tests on stubs from the bindings; then the same app against the live server.
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         "-o", "asyncio_default_fixture_loop_scope=function", "myapp/test_app.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        app = importlib.import_module("myapp.app")
        with Client(url) as client:
            assert app.research(client, "AI")
            assert app.publish(client) == "COMPLETED"
            assert app.support(client)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == "myapp" or name.startswith("myapp.")]:
            del sys.modules[name]

    # 4. Drift: the next release changed research-agent's schema.
    status, out, err = _run(["generate", "--check", "-o", str(bindings)], capsys)
    assert (status, err) == (0, "")
    assert "matches" in out
    status, out, err = _run(["generate", "--check", "--url", changed_url, "-o", str(bindings)], capsys)
    assert status == 1, out + err
    assert "agent 'research-agent': field 'depth' maximum changed: 5 -> 10" in out
    assert "agent 'research-agent': field 'language' added (required, string)" in out
    assert "agent 'research-agent': field 'note' removed" in out
    assert "support-team" not in out
    assert "publish-workflow" not in out
    assert bindings.read_bytes() == first  # --check never writes
    elapsed = time.monotonic() - started
    assert elapsed < 120, f"the proof took {elapsed:.1f} s"


def test_check_cannot_run_is_exit_2_with_one_line(
    deployments: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = deployments
    missing = tmp_path / "nowhere.py"
    foreign = tmp_path / "mine.py"
    foreign.write_text("print('my own module')\n")
    cases = [
        ["generate", "--check", "-o", str(missing)],
        ["generate", "--check", "-o", str(foreign)],
        ["generate", "--url", url, "-o", str(foreign)],  # never overwrites a file it did not write
        ["generate", "--url", "http://127.0.0.1:9", "-o", str(tmp_path / "b.py")],
        ["generate", "--url", "not a url", "-o", str(tmp_path / "b.py")],
        ["generate", "--url", f"{url}/nothing-here", "-o", str(tmp_path / "b.py")],
        ["generate", "-o", str(tmp_path / "b.py")],
    ]
    for argv in cases:
        status, out, err = _run(argv, capsys)
        assert status == 2, (argv, out, err)
        assert out == ""
        assert err.count("\n") == 1, err
        assert err.startswith("agentos-factories: ")
        assert "Traceback" not in err
    assert foreign.read_text() == "print('my own module')\n"
    assert not (tmp_path / "b.py").exists()
    edited = tmp_path / "edited.py"
    assert cli.main(["generate", "--url", url, "-o", str(edited)]) == 0
    edited.write_text(edited.read_text().replace('"topic"', '"subject"', 1))
    capsys.readouterr()
    status, _, err = _run(["generate", "--check", "-o", str(edited)], capsys)
    assert status == 2
    assert "edited" in err
