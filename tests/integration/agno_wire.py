"""Raw-wire helpers for talking to the agno harness: forms, SSE, WebSocket frames.

Deliberately not the SDK: these tests establish what the real server puts on
the wire, so they speak plain httpx, httpx-sse and the websockets client.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import EventSource, ServerSentEvent
from websockets.sync.client import ClientConnection, connect

from agentos_contract.probes import LEDGER_PROBE_ID, TRACE_HEADER, Kind
from tests.integration.agno_server import AgnoServer

COLLECTIONS: Mapping[Kind, str] = {"agent": "agents", "team": "teams", "workflow": "workflows"}
WS_TIMEOUT_S = 10.0
HTTP_TIMEOUT_S = 30.0
TERMINAL_WORKFLOW_EVENTS = frozenset(
    {"WorkflowCompleted", "WorkflowPaused", "WorkflowCancelled", "WorkflowError"}
)


class _Omitted:
    def __repr__(self) -> str:
        return "OMITTED"


OMITTED: Any = _Omitted()


def component_path(kind: Kind, component_id: str) -> str:
    return f"/{COLLECTIONS[kind]}/{component_id}"


def new_trace() -> str:
    return f"trace-{uuid.uuid4().hex}"


def form_fields(
    *, message: str | None, stream: bool | None, factory_input: Any = OMITTED, **fields: Any
) -> dict[str, str]:
    """A run/continue form; ``factory_input`` text is sent as is, other values as JSON."""
    data: dict[str, str] = {}
    if message is not None:
        data["message"] = message
    if stream is not None:
        data["stream"] = "true" if stream else "false"
    if factory_input is not OMITTED:
        data["factory_input"] = factory_input if isinstance(factory_input, str) else json.dumps(factory_input)
    for name, value in fields.items():
        if value is not None:
            data[name] = value if isinstance(value, str) else json.dumps(value)
    return data


def sse_events(response: httpx.Response) -> list[ServerSentEvent]:
    return list(EventSource(response).iter_sse())


def sse_frame_events(frame: str) -> list[ServerSentEvent]:
    """Decode one SSE-formatted WebSocket text frame (agno sends run events this way)."""
    return sse_events(httpx.Response(200, headers={"content-type": "text/event-stream"}, text=frame))


def echo_of(content: object) -> dict[str, Any]:
    assert isinstance(content, str), f"probe content must be the echo JSON text, got {content!r}"
    document = json.loads(content)
    assert isinstance(document, dict)
    return document


class Caller:
    """One server plus the identity (headers) requests go out with.

    Callers made with ``as_``/``anonymous`` share their parent's connection pool;
    only the caller that opened it closes it.
    """

    def __init__(
        self,
        server: AgnoServer,
        headers: Mapping[str, str] | None = None,
        *,
        client: httpx.Client | None = None,
    ) -> None:
        self.server = server
        self.headers = dict(headers or {})
        self._owns_client = client is None
        self.client = client or httpx.Client(base_url=server.base_url, timeout=HTTP_TIMEOUT_S)

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> Caller:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def as_(self, **token_claims: Any) -> Caller:
        """The same server with another token (no-auth servers ignore the claims)."""
        return Caller(self.server, self.server.auth_headers(**token_claims), client=self.client)

    def anonymous(self) -> Caller:
        return Caller(self.server, {}, client=self.client)

    def _headers(self, trace: str | None, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = dict(self.headers)
        if trace is not None:
            headers[TRACE_HEADER] = trace
        headers.update(extra or {})
        return headers

    def run(
        self,
        kind: Kind,
        component_id: str,
        *,
        message: str | None = "probe me",
        stream: bool | None = False,
        factory_input: Any = OMITTED,
        trace: str | None = None,
        headers: Mapping[str, str] | None = None,
        **fields: Any,
    ) -> httpx.Response:
        data = form_fields(message=message, stream=stream, factory_input=factory_input, **fields)
        return self.client.post(
            f"{component_path(kind, component_id)}/runs", data=data, headers=self._headers(trace, headers)
        )

    def echo(self, kind: Kind, component_id: str, **run_arguments: Any) -> dict[str, Any]:
        """Run non-streaming, require 200, and return the echo document of the reply."""
        response = self.run(kind, component_id, **run_arguments)
        assert response.status_code == 200, f"{component_id}: {response.status_code} {response.text}"
        return echo_of(response.json()["content"])

    def continue_run(
        self,
        kind: Kind,
        component_id: str,
        run_id: str,
        *,
        stream: bool | None = False,
        factory_input: Any = OMITTED,
        trace: str | None = None,
        **fields: Any,
    ) -> httpx.Response:
        data = form_fields(message=None, stream=stream, factory_input=factory_input, **fields)
        return self.client.post(
            f"{component_path(kind, component_id)}/runs/{run_id}/continue",
            data=data,
            headers=self._headers(trace, None),
        )

    def cancel(
        self, kind: Kind, component_id: str, run_id: str, *, trace: str | None = None
    ) -> httpx.Response:
        return self.client.post(
            f"{component_path(kind, component_id)}/runs/{run_id}/cancel", headers=self._headers(trace, None)
        )

    def get(
        self, path: str, *, trace: str | None = None, params: Mapping[str, str] | None = None
    ) -> httpx.Response:
        return self.client.get(path, params=params, headers=self._headers(trace, None))

    def ledger(self, trace: str) -> list[dict[str, Any]]:
        # Asked with a token that has every run scope, so the answer never depends on the caller.
        document = self.as_(scopes=("agents:run", "teams:run", "workflows:run")).echo(
            "agent", LEDGER_PROBE_ID, factory_input={"trace": trace}
        )
        assert document["trace"] == trace
        invocations = document["invocations"]
        assert isinstance(invocations, list)
        return invocations


def confirmed_tools(paused_run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The paused agent run's ``tools`` with every confirmation granted (agent continue form)."""
    return [{**tool, "confirmed": True} for tool in paused_run["tools"]]


def confirmed_requirements(paused_run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The paused team run's ``requirements`` with ``tool_execution.confirmed`` granted."""
    return [
        {**requirement, "tool_execution": {**requirement["tool_execution"], "confirmed": True}}
        for requirement in paused_run["requirements"]
    ]


def confirmed_step_requirements(paused_run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The paused workflow run's ``step_requirements`` with every step confirmed."""
    return [{**requirement, "confirmed": True} for requirement in paused_run["step_requirements"]]


CONFIRMATION_FIELD: Mapping[Kind, str] = {
    "agent": "tools",
    "team": "requirements",
    "workflow": "step_requirements",
}


def confirmation_form(kind: Kind, paused_run: Mapping[str, Any]) -> dict[str, Any]:
    """The continue form fields that confirm ``paused_run`` of ``kind`` (protocol section 5)."""
    confirm = {
        "agent": confirmed_tools,
        "team": confirmed_requirements,
        "workflow": confirmed_step_requirements,
    }[kind]
    return {CONFIRMATION_FIELD[kind]: confirm(paused_run), "session_id": paused_run["session_id"]}


@dataclass
class WorkflowSocket:
    """A connected ``WS /workflows/ws``: JSON control frames, SSE-formatted run-event frames."""

    connection: ClientConnection
    # Every frame in order, as {"direction": "sent" | "received", "text": ...}.
    transcript: list[dict[str, str]] = field(default_factory=list)

    def receive(self) -> str:
        frame = self.connection.recv(timeout=WS_TIMEOUT_S)
        text = frame if isinstance(frame, str) else frame.decode()
        self.transcript.append({"direction": "received", "text": text})
        return text

    def receive_json(self) -> dict[str, Any]:
        document = json.loads(self.receive())
        assert isinstance(document, dict)
        return document

    def send(self, message: Mapping[str, Any]) -> None:
        text = json.dumps(message)
        self.transcript.append({"direction": "sent", "text": text})
        self.connection.send(text)

    def run_until_done(
        self, message: Mapping[str, Any]
    ) -> tuple[list[ServerSentEvent], dict[str, Any] | None]:
        """Send ``message`` and collect run events until a terminal event or a JSON error frame."""
        self.send(message)
        events: list[ServerSentEvent] = []
        while True:
            frame = self.receive()
            if not frame.startswith("event:"):
                control = json.loads(frame)
                assert isinstance(control, dict)
                return events, control
            for event in sse_frame_events(frame):
                events.append(event)
                if event.event in TERMINAL_WORKFLOW_EVENTS:
                    return events, None


@contextmanager
def workflow_socket(server: AgnoServer, path: str = "/workflows/ws") -> Iterator[WorkflowSocket]:
    url = server.base_url.replace("http://", "ws://", 1) + path
    connection = connect(url, open_timeout=WS_TIMEOUT_S, close_timeout=WS_TIMEOUT_S)
    with connection:  # not `as`: websockets 16 (Python 3.10's pin) types __enter__ as the base Connection
        yield WorkflowSocket(connection)
