"""schemathesis against the reference server's own OpenAPI, in process (ASGI), bounded.

Every operation gets positive and negative cases (schemathesis' generation modes). Path ids are
drawn from the schema (random text, so mostly 404s) or, half of the time, from the probe catalogue
and from runs stored beforehand, so cases also reach factories, validation and stored runs. The
designed 500s (``probe-*-crash``, ``-factory-error``, ``-wrong-type``) are left out of the draw;
``tests/reference_server`` covers them. Every request carries a genuine token with all scopes.

Checks: no 5xx; every response matches its documented schema (where one is documented); every
refusal is ``{"detail": ...}`` JSON and a 2xx is JSON or, on a run route, an SSE stream. Negative
cases are sent too and held to the same checks, but schemathesis' ``negative_data_rejection`` is
not used: form fields are text on the wire, so its type-level negations (``stream`` as the integer
0, ``message`` as an array) arrive as valid text that AgentOS itself accepts (``0`` reads as false,
wire notes section 5). The schema's own completeness (every status and media type the server
answers is documented) is checked separately, on the routes that take a component id.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any, TypeAlias

import httpx
import jwt
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agentos_reference import JWTAuth, ReferenceOS, SqliteDb

from .conftest import KINDS, SECRET

ApiCase: TypeAlias = schemathesis.Case[Any]

# An in-memory database: nothing on disk, closed by the module fixture below.
DB = SqliteDb(":memory:")
APP = ReferenceOS(db=DB, with_probes=True, auth=JWTAuth(secret=SECRET)).get_app()
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
AUTH = {
    "Authorization": "Bearer "
    + jwt.encode(
        {"sub": "schemathesis", "scopes": ["agents:run", "teams:run", "workflows:run"], "exp": 4102444800},
        SECRET,
        algorithm="HS256",
    )
}
# The probes whose 500 is their designed answer are not drawn.
DESIGNED_FAILURES = ("-crash", "-factory-error", "-wrong-type")
EXAMPLES = 60

# Filled by the module fixture before any case is generated: kind -> ids worth hitting.
KNOWN_COMPONENTS: dict[str, list[str]] = {}
KNOWN_RUNS: dict[str, list[str]] = {}


async def _discover_and_store_runs() -> None:
    """The catalogue's ids (from discovery), and a paused and a completed run per kind, so
    continue, cancel and reads can find something."""
    transport = httpx.ASGITransport(app=APP)
    async with httpx.AsyncClient(transport=transport, base_url="http://reference", headers=AUTH) as client:
        for kind in KINDS:
            listed = (await client.get(f"/{kind}s")).json()
            KNOWN_COMPONENTS[kind] = [
                entry["id"] for entry in listed if not entry["id"].endswith(DESIGNED_FAILURES)
            ]
            run_ids = []
            for probe in (f"probe-{kind}-pause", f"probe-{kind}-echo"):
                response = await client.post(
                    f"/{kind}s/{probe}/runs", data={"message": "seed", "stream": "false", "session_id": "st"}
                )
                assert response.status_code == 200, response.text
                run_ids.append(response.json()["run_id"])
            KNOWN_RUNS[kind] = run_ids


@pytest.fixture(scope="module", autouse=True)
def seeded_server() -> Iterator[None]:
    asyncio.run(_discover_and_store_runs())
    yield
    DB.close()


def _kind_of(path: str) -> str:
    return path.split("/")[1].rstrip("s")


@SCHEMA.hook
def flatmap_path_parameters(
    context: schemathesis.HookContext, path_parameters: dict[str, Any] | None
) -> st.SearchStrategy[dict[str, Any] | None]:
    operation = context.operation
    if path_parameters is None or operation is None:
        return st.just(path_parameters)
    kind = _kind_of(operation.path)
    choices: dict[str, st.SearchStrategy[Any]] = {}
    if "component_id" in path_parameters:
        choices["component_id"] = st.sampled_from([path_parameters["component_id"], *KNOWN_COMPONENTS[kind]])
    if "run_id" in path_parameters:
        choices["run_id"] = st.sampled_from([path_parameters["run_id"], *KNOWN_RUNS[kind]])
    return st.fixed_dictionaries({**path_parameters, **choices}) if choices else st.just(path_parameters)


def agentos_answers(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: ApiCase) -> None:
    """Refusals are ``{"detail": ...}`` JSON; successes are JSON, or SSE on a run or continue."""
    content_type = response.headers.get("content-type", [""])[0]
    if response.status_code >= 400:
        assert content_type == "application/json", f"a {response.status_code} answered as {content_type!r}"
        body = json.loads(response.content)
        assert isinstance(body, dict), body
        assert set(body) == {"detail"}, body
        return
    if content_type.startswith("text/event-stream"):
        assert case.method == "POST", "an SSE answer to a read"
        assert case.path.endswith(("/runs", "/continue")), case.path
        assert response.content.endswith(b"\n\n"), "an SSE stream cut mid-frame"
    else:
        assert content_type == "application/json", content_type
        json.loads(response.content)


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_no_5xx_and_every_answer_matches_the_schema(
    case: ApiCase,
) -> None:
    case.call_and_validate(
        headers=AUTH,
        checks=[not_a_server_error, response_schema_conformance, agentos_answers],
    )


@SCHEMA.include(path_regex=r"\{component_id\}").parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_every_status_and_media_type_answered_is_documented(
    case: ApiCase,
) -> None:
    case.call_and_validate(headers=AUTH, checks=[status_code_conformance, content_type_conformance])


def test_the_known_ids_are_real(seeded_server: None) -> None:
    """The draw above reaches factories only if these ids exist: pin them."""
    for kind in KINDS:
        assert f"probe-{kind}-echo" in KNOWN_COMPONENTS[kind]
        assert not any(entry.endswith(DESIGNED_FAILURES) for entry in KNOWN_COMPONENTS[kind])
        assert len(KNOWN_RUNS[kind]) == 2
    assert time.time() < 4102444800, "the token above has expired"
