"""The fake AgentOS: every factory route, answered the way the spec and agno 3.1.10 answer.

Order of checks on a run-scoped route, as AgentOS orders them: authentication (401), request
validation (422), the component (404), ``factory_input`` (400, before the factory runs), the
factory (403 and 500 from what it raised), then the run itself (404/409 on continue).

``profile`` chooses where the spec (with this project's house rules) and agno 3.1.10 disagree
over HTTP (wire notes sections 2 and 5):

=========================================  ==============================  ===========================
                                           ``"spec"`` (default)             ``"agno"``
=========================================  ==============================  ===========================
``GET /workflows/{id}/runs/{run_id}``      reads ``factory_input`` (query)  ignores it; no factory runs
agent/team continue with an input_schema   ``ctx.input`` is None            validates ``{}`` (400 when a
                                                                            field is required)
a plain exception raised in the factory    500 ``<Kind> factory error``     500 ``Error in <kind>
                                           (house rule H02: no leak)        factory: <str(exc)>``
a run posted with another owner's          a session of the caller's own    404 ``Session not found``
``session_id``                             under that name                  (after the factory ran)
=========================================  ==============================  ===========================

Tenant isolation holds under both profiles (see :class:`_Caller`): a run belongs to the verified
user that started it, or to nobody; a caller reaches only its own owner's runs and sessions, and
another owner's run answers exactly as an unknown id does on that route, and is left unchanged.
``require_user`` refuses a verified caller without a user: 401 under ``"spec"`` (as
``agentos-reference serve --require-auth``), 403 ``Authenticated request is missing a user
identity`` on the run routes under ``"agno"``, which then answers as agno 3.1.10 with
``user_isolation=True`` was measured to (docs/agno-isolation-measured.md): a continue of a run
that is not the caller's is 404 ``Run not found`` for every kind, and a cancel needs ``session_id``
(400 without, 404 ``Run not found`` when the run is not the caller's in that session).
"""

from __future__ import annotations

import inspect
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, TypeAlias

import httpx
from pydantic import Field, TypeAdapter, ValidationError

from ._components import ComponentKind, StubComponent, kind_title
from ._context import StubContext, StubRequest, TrustedContext
from ._errors import FactoryError, FactoryPermissionError, FactoryValidationError, StubConfigurationError
from ._factory_input import InputRejected, InputUnparseable, parse_factory_input, resolve_input
from ._faults import Fault, FaultPlan
from ._http import (
    HTTPError,
    ParsedRequest,
    RouteMatch,
    component_of,
    delayed,
    error_response,
    json_response,
    match_route,
    missing,
    parse_request,
    reason_phrase,
    sse_response,
)
from ._identity import VerifiedIdentity
from ._recorder import Endpoint, FactoryInvocation, RecordedRequest, Recorder
from ._runs import Content, PauseArtefacts, RunStore, StoredRun, new_id, render_reply
from ._wire import (
    COMPLETION_EVENTS,
    CONFIRMATION_FIELDS,
    NO_STEPS_CONTENT,
    PAUSE_NAME,
    Phase,
    background_body,
    encode_event,
    error_event,
    run_events,
    run_output,
    run_summary,
    stored_events,
)

__all__ = ["Profile", "StubServer"]

logger = logging.getLogger("agentos_stubs")
# A library logs, the application decides where to: silent unless the test configures logging.
logger.addHandler(logging.NullHandler())

Profile: TypeAlias = Literal["spec", "agno"]

_BOOL = TypeAdapter(bool)
# Run listings page as the reference server's do (agno's parameter names): 20 runs by default, at
# most 100, pages from 1, oldest first unless sort_order=desc.
LIST_DEFAULT_LIMIT = 20
LIST_MAX_LIMIT = 100
_LIMIT = TypeAdapter(Annotated[int, Field(ge=1, le=LIST_MAX_LIMIT)])
_PAGE = TypeAdapter(Annotated[int, Field(ge=1, le=1_000_000)])
_SORT_ORDER = TypeAdapter(Literal["asc", "desc"])
#: respx and httpx transports carry no WebSocket, so every handshake is refused with this.
NO_WEBSOCKET = "agentos_stubs serves HTTP only: there is no WebSocket route on a stub deployment"
#: The 401 of a token without a user where every caller must be a user (``"spec"``, ``require_user``).
USERLESS_TOKEN = "Token has no user identity: claim 'sub' is missing or empty"
#: agno 3.1.10's 403 for the same caller under ``user_isolation=True`` (``"agno"``, ``require_user``).
MISSING_USER_IDENTITY = "Authenticated request is missing a user identity"
SESSION_ID_REQUIRED = "session_id is required for this action"
_NOT_CONTINUABLE = {
    "COMPLETED": "run is already completed",
    "CANCELLED": "run is already cancelled",
    "ERROR": "run has errored",
    "RUNNING": "run is already running",
    "PENDING": "run is already pending",
}


@dataclass(frozen=True)
class _Caller:
    """Who is calling: the verified identity, if any (None when the deployment verifies nothing)."""

    identity: VerifiedIdentity | None

    @property
    def owner(self) -> str | None:
        """Whose runs and sessions this caller reaches: its verified user, or None (anonymous).

        Never a form field: the form ``user_id`` only fills ``ctx.user_id`` when nothing is verified.
        """
        return self.identity.user_id if self.identity is not None else None

    @property
    def userless(self) -> bool:
        """Verified, but without a user (a token whose ``sub`` is missing or empty)."""
        return self.identity is not None and self.identity.user_id is None

    def trusted(self) -> TrustedContext:
        if self.identity is None:
            return TrustedContext(claims={}, scopes=frozenset())
        return TrustedContext(claims=self.identity.claims, scopes=self.identity.scopes)

    def user_id(self, sent: str | None, *, warn: bool) -> str | None:
        verified = self.identity.user_id if self.identity is not None else None
        return _precedence(verified, sent, "User ID", warn=warn)

    def session_id(self, sent: str | None, *, warn: bool) -> str | None:
        verified = self.identity.session_id if self.identity is not None else None
        return _precedence(verified, sent, "Session ID", warn=warn)


def _precedence(verified: str | None, sent: str | None, what: str, *, warn: bool) -> str | None:
    """Verified middleware wins over the form field; the form field is used only without one."""
    if verified is None:
        return sent
    if warn and sent is not None and sent != verified:
        logger.warning("%s parameter passed in both request state and kwargs, using request state", what)
    return verified


class _Request:
    """A parsed request plus its route: the field readers every route uses."""

    def __init__(self, parsed: ParsedRequest, route: RouteMatch, raw: httpx.Request) -> None:
        self.parsed = parsed
        self.route = route
        self.raw = raw

    def form(self, name: str) -> str | None:
        """A text form field; an empty value counts as omitted (FastAPI's ``Form`` rule)."""
        value = self.parsed.form.get(name)
        return None if value is None or value == "" else value

    def query(self, name: str) -> str | None:
        return self.parsed.query.get(name)

    def stub_request(self) -> StubRequest:
        parsed = self.parsed
        return StubRequest(parsed.method, parsed.path, parsed.url, parsed.headers, parsed.query, parsed.form)


class _Validation:
    """FastAPI's request validation: collect every problem, then one 422."""

    def __init__(self, request: _Request) -> None:
        self.request = request
        self.errors: list[dict[str, Any]] = []

    def text(self, name: str, *, required: bool = False) -> str | None:
        if name in self.request.parsed.file_fields:
            self.errors.append(
                {
                    "type": "string_type",
                    "loc": ["body", name],
                    "msg": "Input should be a valid string",
                    "input": None,
                }
            )
            return None
        value = self.request.form(name)
        if value is None and required:
            self.errors.append(missing("body", name))
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.text(name)
        if value is None:
            return default
        try:
            return _BOOL.validate_python(value)
        except ValidationError as exc:
            error = exc.errors()[0]
            self.errors.append(
                {"type": error["type"], "loc": ["body", name], "msg": error["msg"], "input": value}
            )
            return default

    def query_value(self, name: str, adapter: TypeAdapter[Any], default: Any) -> Any:
        """A query parameter validated as FastAPI would (lax, from its text); ``default`` when absent."""
        value = self.request.query(name)
        if value is None:
            return default
        try:
            return adapter.validate_python(value)
        except ValidationError as exc:
            error = exc.errors()[0]
            problem: dict[str, Any] = {
                "type": error["type"],
                "loc": ["query", name],
                "msg": error["msg"],
                "input": value,
            }
            if "ctx" in error:
                problem["ctx"] = {
                    key: str(item) if key == "error" else item for key, item in error["ctx"].items()
                }
            self.errors.append(problem)
            return default

    def required_query(self, name: str) -> str | None:
        value = self.request.query(name)
        if value is None:
            self.errors.append(missing("query", name))
        return value

    def check(self) -> None:
        if self.errors:
            raise HTTPError(422, self.errors)


class StubServer:
    """Answers requests for a set of components; shared state is guarded by one lock."""

    def __init__(
        self,
        *,
        components: Mapping[tuple[ComponentKind, str], StubComponent],
        authenticate: Callable[[httpx.Headers], VerifiedIdentity | None],
        profile: Callable[[], Profile],
        require_user: Callable[[], bool] = lambda: False,
        faults: FaultPlan,
        recorder: Recorder,
        runs: RunStore,
        base_path: str,
    ) -> None:
        self._components = components
        self._authenticate = authenticate
        self._profile = profile
        self._require_user = require_user
        self._faults = faults
        self._recorder = recorder
        self._runs = runs
        self._base_path = base_path
        self._lock = threading.RLock()
        self._started_at = datetime.now(timezone.utc)

    # --- entry point -----------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The answer to one request; injected transport faults raise httpx's exceptions.

        A ``latency`` fault delays the answer's body (outside the lock: other requests go on).
        """
        with self._lock:
            _, segments = parse_request(request, self._base_path)
            late = self._faults.take("latency", component_of(segments))
        response = self._handle(request)
        return response if late is None else delayed(response, late.seconds, request)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            parsed, segments = parse_request(request, self._base_path)
            route: RouteMatch | None = None
            status: int | None = None
            fault_name: str | None = None
            try:
                if parsed.headers.get("upgrade", "").lower() == "websocket":
                    status = 404
                    return error_response(HTTPError(404, NO_WEBSOCKET))
                try:
                    route = match_route(parsed.method, segments)
                except HTTPError as error:
                    status = error.status_code
                    fault = self._faults.take("request", component_of(segments))
                    if fault is not None:
                        fault_name = fault.kind
                        return self._request_fault(fault, request, None)
                    return error_response(error)
                fault = self._faults.take("request", route.component_id)
                if fault is not None:
                    fault_name = fault.kind
                    response = self._request_fault(fault, request, route)
                    status = response.status_code
                    return response
                response, fault_name = self._dispatch(_Request(parsed, route, request))
                status = response.status_code
                return response
            finally:
                self._recorder.request(
                    RecordedRequest(
                        method=parsed.method,
                        path=parsed.path,
                        url=parsed.url,
                        headers=parsed.headers,
                        query=parsed.query,
                        form=parsed.form,
                        endpoint=route.endpoint if route else None,
                        kind=route.kind if route else None,
                        component_id=route.component_id if route else None,
                        run_id=route.run_id if route else None,
                        status_code=status,
                        fault=fault_name,
                    )
                )

    def _request_fault(
        self, fault: Fault, request: httpx.Request, route: RouteMatch | None
    ) -> httpx.Response:
        if fault.kind == "connection_error":
            if fault.phase == "read":
                raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if fault.kind == "timeout":
            timeouts: dict[str, type[httpx.TimeoutException]] = {
                "connect": httpx.ConnectTimeout,
                "read": httpx.ReadTimeout,
                "write": httpx.WriteTimeout,
                "pool": httpx.PoolTimeout,
            }
            raise timeouts[fault.phase]("timed out", request=request)
        detail = fault.detail if fault.detail is not None else self._default_detail(fault.status, route)
        return json_response(fault.status, {"detail": detail}, fault.headers)

    def _default_detail(self, status: int, route: RouteMatch | None) -> str:
        """The body AgentOS gives for this status on this route, where it has a usual one."""
        component = (
            self._components.get((route.kind, route.component_id))
            if route and route.kind and route.component_id
            else None
        )
        if component is not None:
            title = kind_title(component.kind)
            if status == 404:
                return f"{title} not found"
            if status == 403:
                return f"Missing '{component.run_scope}' scope"
            if status == 500:
                return f"{title} factory error"
        return reason_phrase(status)

    def _dispatch(self, request: _Request) -> tuple[httpx.Response, str | None]:
        route = request.route
        try:
            if route.endpoint == "health":
                return json_response(
                    200,
                    {"status": "ok", "instantiated_at": self._started_at.isoformat().replace("+00:00", "Z")},
                ), None
            caller = _Caller(self._authenticate(request.parsed.headers))
            if caller.userless and self._require_user() and self._profile() == "spec":
                raise HTTPError(401, USERLESS_TOKEN)
            handlers: dict[Endpoint, Callable[[_Request, _Caller], tuple[httpx.Response, str | None]]] = {
                "list": self._list,
                "get": self._get,
                "run": self._run,
                "continue": self._continue,
                "cancel": self._cancel,
                "get_run": self._get_run,
                "list_runs": self._list_runs,
            }
            return handlers[route.endpoint](request, caller)
        except HTTPError as error:
            return error_response(error), error.fault

    # --- helpers ---------------------------------------------------------------------------------

    @property
    def _agno_isolation(self) -> bool:
        """agno 3.1.10 with ``user_isolation=True``: ``"agno"`` and ``require_user``."""
        return self._profile() == "agno" and self._require_user()

    def _check_user(self, caller: _Caller) -> None:
        """agno with user isolation refuses a caller without a user on the run routes, after the
        request's own validation (422) and before the component is looked up."""
        if caller.userless and self._agno_isolation:
            raise HTTPError(403, MISSING_USER_IDENTITY)

    def _run_not_found(self, component: StubComponent, run_id: str) -> HTTPError:
        if component.kind == "workflow" or self._agno_isolation:
            return HTTPError(404, "Run not found")
        return HTTPError(404, f"No runs found for run ID {run_id}")

    def _component(self, request: _Request) -> StubComponent:
        route = request.route
        assert route.kind is not None
        assert route.component_id is not None
        component = self._components.get((route.kind, route.component_id))
        if component is None:
            raise HTTPError(404, f"{kind_title(route.kind)} not found")
        return component

    def _read_input(self, component: StubComponent, text: str | None) -> Any:
        """``ctx.input`` from the ``factory_input`` text (400 before the factory runs); prototypes: None."""
        if not component.is_factory:
            return None
        try:
            return resolve_input(parse_factory_input(text), component.input_schema)
        except InputUnparseable as unparseable:
            if self._profile() == "agno":
                raise HTTPError(500, f"Internal server error ({unparseable.error_name})") from None
            raise HTTPError(400, unparseable.detail) from None
        except InputRejected as rejected:
            raise HTTPError(400, rejected.detail) from None

    def _invoke(
        self,
        component: StubComponent,
        request: _Request,
        caller: _Caller,
        *,
        user_id: str | None,
        session_id: str | None,
        factory_input: Any,
        message: str,
    ) -> object:
        """Invoke the factory (or the prototype's reply) and map what it raised to AgentOS's answer."""
        endpoint = request.route.endpoint
        context: StubContext[Any] | None = None
        if component.is_factory:
            context = StubContext(
                user_id, session_id, factory_input, caller.trusted(), request.stub_request()
            )
        fault = self._faults.take("factory", component.id)
        error: BaseException | None = None
        try:
            if fault is not None and fault.kind == "permission_denied":
                raise FactoryPermissionError(fault.message or f"Missing '{component.run_scope}' scope")
            if fault is not None:
                raise RuntimeError(fault.message)
            result = component.reply(context, message) if component.is_factory else component.reply(message)
            if inspect.isawaitable(result):
                if inspect.iscoroutine(result):
                    result.close()
                raise StubConfigurationError(
                    f"{component.id}: the reply returned an awaitable; replies are plain functions"
                )
            return result
        except StubConfigurationError as exc:
            error = exc
            raise
        except BaseException as exc:
            error = exc
            raise self._factory_failure(component, exc, fault, leak=self._profile() == "agno") from exc
        finally:
            self._recorder.invocation(
                FactoryInvocation(component.kind, component.id, endpoint, context, message, error)
            )

    @staticmethod
    def _factory_failure(
        component: StubComponent, exc: BaseException, fault: Fault | None, *, leak: bool
    ) -> HTTPError:
        kind = component.kind
        if not isinstance(exc, Exception):
            raise exc  # KeyboardInterrupt and friends are not the factory's answer
        if isinstance(exc, FactoryPermissionError):
            error = HTTPError(403, str(exc))
        elif isinstance(exc, FactoryValidationError):
            error = HTTPError(400, str(exc))
        elif isinstance(exc, FactoryError) or (component.is_factory and not leak):
            error = HTTPError(500, f"{kind_title(kind)} factory error")
        elif component.is_factory:
            # agno puts str(exc) of a plain exception in the 500 body (wire notes section 5); when
            # str() itself raises, agno's last-resort handler answers for that second exception.
            try:
                error = HTTPError(500, f"Error in {kind} factory: {exc}")
            except Exception as unprintable:
                error = HTTPError(500, f"Internal server error ({type(unprintable).__name__})")
        else:
            error = HTTPError(500, "Internal Server Error")
        error.fault = fault.kind if fault is not None else None
        return error

    def _answer(
        self, run: StoredRun, *, stream: bool, phase: Phase, request: _Request
    ) -> tuple[httpx.Response, str | None]:
        if not stream:
            return json_response(200, run_output(run)), None
        events = run_events(run, phase)
        fault = self._faults.take("stream", run.component.id)
        if fault is None or fault.kind == "break_stream":
            frames = [encode_event(event) for event in events]
            break_after = fault.n_events if fault is not None else None
            return sse_response(frames, break_after=break_after, request=request.raw), (
                fault.kind if fault is not None else None
            )
        # Never past the completion event: these faults end the stream before it.
        completion = next(
            (i for i, (name, _) in enumerate(events) if name in COMPLETION_EVENTS[run.kind]), len(events)
        )
        kept = events[: min(fault.n_events, completion)]
        if fault.kind == "error_event":
            leak = self._profile() == "agno"
            content = fault.message if leak else f"{kind_title(run.kind)} run failed"
            kept.append(error_event(run, phase, content, "RuntimeError"))
            run.status = "ERROR"
            run.content = None
        frames = [encode_event(event) for event in kept]
        return sse_response(frames, break_after=None, request=request.raw), fault.kind

    # --- discovery -------------------------------------------------------------------------------

    def _list(self, request: _Request, caller: _Caller) -> tuple[httpx.Response, str | None]:
        kind = request.route.kind
        entries = [
            component.info(detailed=False) for (k, _), component in self._components.items() if k == kind
        ]
        return json_response(200, entries), None

    def _get(self, request: _Request, caller: _Caller) -> tuple[httpx.Response, str | None]:
        return json_response(200, self._component(request).info(detailed=True)), None

    # --- runs ------------------------------------------------------------------------------------

    def _run(self, request: _Request, caller: _Caller) -> tuple[httpx.Response, str | None]:
        validation = _Validation(request)
        message = validation.text("message", required=True)
        stream = validation.boolean("stream", True)
        sent_session = validation.text("session_id")
        sent_user = validation.text("user_id")
        background = validation.boolean("background", False)
        input_text = validation.text("factory_input")
        validation.check()
        assert message is not None
        self._check_user(caller)
        component = self._component(request)
        user_id = caller.user_id(sent_user, warn=True)
        session_id = caller.session_id(sent_session, warn=True)
        factory_input = self._read_input(component, input_text)
        result = self._invoke(
            component,
            request,
            caller,
            user_id=user_id,
            session_id=session_id,
            factory_input=factory_input,
            message=message,
        )
        if (
            self._profile() == "agno"
            and session_id is not None
            and self._runs.session_owned_by_another(component, session_id, caller.owner)
        ):
            # agno refuses a run into another user's session, once the factory has run; the spec
            # profile gives the caller a session of its own under that name instead.
            raise HTTPError(404, "Session not found")
        # The session id is made after the factory ran: the factory saw None (wire notes 2.9).
        run = StoredRun(component, new_id(), session_id or new_id(), user_id, message, "COMPLETED")
        run.owner = caller.owner
        if component.requires_confirmation:
            run.status = "PAUSED"
            run.pause = PauseArtefacts()
        else:
            run.content = render_reply(component, result)
            if component.is_factory:
                # The factory's post-resolve sets store_events=True.
                run.events = stored_events(
                    run, streamed=stream and not background, agno=self._profile() == "agno"
                )
        self._runs.add(run)
        if background and not stream:
            return json_response(202, background_body(run)), None
        return self._answer(run, stream=stream, phase="run", request=request)

    def _continue(self, request: _Request, caller: _Caller) -> tuple[httpx.Response, str | None]:
        validation = _Validation(request)
        stream = validation.boolean("stream", True)
        sent_session = validation.text("session_id")
        sent_user = validation.text("user_id")
        follow_up = validation.text("input")
        component_kind = request.route.kind
        assert component_kind is not None
        field = CONFIRMATION_FIELDS[component_kind]
        decisions_text = validation.text(field)
        input_text = validation.text("factory_input") if component_kind == "workflow" else None
        validation.check()
        self._check_user(caller)
        try:
            decisions = json.loads(decisions_text) if decisions_text else None
        except json.JSONDecodeError:
            raise HTTPError(400, f"Invalid JSON in {field} field") from None
        component = self._component(request)
        user_id = caller.user_id(sent_user, warn=False)
        session_id = caller.session_id(sent_session, warn=False)
        if component.kind == "workflow":
            factory_input = self._read_input(component, input_text)
        elif self._profile() == "agno":
            # agno validates the omitted input as {} (wire notes 2.6); the spec says ctx.input=None.
            factory_input = self._read_input(component, None)
        else:
            factory_input = None
        run_id = request.route.run_id
        assert run_id is not None
        # The factory runs before the run is looked up (wire notes 2.8), with the run's message.
        known = self._runs.find(component, run_id, None, owner=caller.owner)
        message = known.message if known is not None else (follow_up or "")
        result = self._invoke(
            component,
            request,
            caller,
            user_id=user_id,
            session_id=session_id,
            factory_input=factory_input,
            message=message,
        )
        if not session_id:
            # agno answers this for agents and teams; for workflows it fails without an answer.
            raise HTTPError(400, "session_id is required for this action")
        run = self._runs.find(component, run_id, session_id, owner=caller.owner)
        if run is None:
            raise self._run_not_found(component, run_id)
        decision = self._decision(component, run, decisions, field)
        if component.kind == "workflow":
            run = self._continue_workflow(run, decision, result)
        else:
            run = self._continue_agent_or_team(run, decision, decisions is not None, result, follow_up)
        return self._answer(run, stream=stream, phase="continue", request=request)

    @staticmethod
    def _decision(component: StubComponent, run: StoredRun, decisions: Any, field: str) -> bool | None:
        """The confirmation the continue carries for the run's paused tool or step, if any."""
        if decisions is None:
            return None
        if not isinstance(decisions, list) or not all(isinstance(item, dict) for item in decisions):
            raise HTTPError(
                400, f"Invalid structure or content for {field}: expected a JSON array of objects"
            )
        pause = run.pause
        for item in decisions:
            if component.kind == "team":
                tool = item.get("tool_execution")
                if not isinstance(tool, dict):
                    continue
                matches = pause is None or tool.get("tool_call_id") in (None, pause.tool_call_id)
                value = tool.get("confirmed", item.get("confirmation"))
            elif component.kind == "agent":
                matches = pause is None or item.get("tool_call_id") in (None, pause.tool_call_id)
                value = item.get("confirmed")
            else:
                matches = (
                    pause is None
                    or item.get("step_id") in (None, pause.step_id)
                    or item.get("step_name") == PAUSE_NAME
                )
                value = item.get("confirmed")
            if matches and isinstance(value, bool):
                return value
        return None

    def _continue_agent_or_team(
        self,
        run: StoredRun,
        decision: bool | None,
        sent_decisions: bool,
        result: object,
        follow_up: str | None,
    ) -> StoredRun:
        if run.cancel_requested:
            run.status = "CANCELLED"
            return run
        if run.status == "PAUSED":
            if run.kind == "team" and not sent_decisions:
                return run  # agno: a team continue without requirements leaves the run paused
            # agno runs the tool when the agent's continue carries no decision.
            run.confirmed = True if decision is None else decision
            run.status = "COMPLETED"
            run.content = render_reply(run.component, result)
            return run
        # A finished run is continued as a follow-up: agno forks it into a new run.
        fork = StoredRun(
            run.component, new_id(), run.session_id, run.user_id, follow_up or run.message, "COMPLETED"
        )
        fork.owner = run.owner
        fork.content = render_reply(run.component, result)
        fork.forked_from_run_id = run.run_id
        return self._runs.add(fork)

    def _continue_workflow(self, run: StoredRun, decision: bool | None, result: object) -> StoredRun:
        if run.cancel_requested and run.status == "PAUSED":
            run.status = "CANCELLED"
        if run.status != "PAUSED":
            raise HTTPError(409, _NOT_CONTINUABLE.get(run.status, f"run is not paused (status={run.status})"))
        if decision is None:
            raise HTTPError(400, f"Cannot continue run - unresolved step requirements: ['{PAUSE_NAME}']")
        run.confirmed = decision
        run.status = "COMPLETED"
        run.content = render_reply(run.component, result) if decision else Content(NO_STEPS_CONTENT, "str")
        return run

    def _cancel(self, request: _Request, caller: _Caller) -> tuple[httpx.Response, str | None]:
        self._check_user(caller)
        component = self._component(request)
        run_id = request.route.run_id
        assert run_id is not None
        session_id = request.query("session_id")
        if self._agno_isolation and not session_id:
            raise HTTPError(400, SESSION_ID_REQUIRED)
        # Cancel records the intent, even for a run it does not know; the factory never runs.
        # Another owner's run is one it does not know: it is left as it is.
        run = self._runs.find(component, run_id, session_id, owner=caller.owner)
        if run is not None:
            run.cancel_requested = True
        elif self._agno_isolation:
            raise HTTPError(404, "Run not found")
        return json_response(200, {}), None

    def _get_run(self, request: _Request, caller: _Caller) -> tuple[httpx.Response, str | None]:
        validation = _Validation(request)
        session_id = validation.required_query("session_id")
        validation.check()
        assert session_id is not None
        self._check_user(caller)
        component = self._component(request)
        if component.kind == "workflow" and self._profile() == "spec":
            self._read_with_factory(component, request, caller, session_id)
        run_id = request.route.run_id
        assert run_id is not None
        run = self._runs.find(component, run_id, session_id, owner=caller.owner)
        if run is None:
            raise HTTPError(404, "Run not found")
        return json_response(200, run_output(run, "read")), None

    def _list_runs(self, request: _Request, caller: _Caller) -> tuple[httpx.Response, str | None]:
        validation = _Validation(request)
        session_id = validation.required_query("session_id")
        limit: int = validation.query_value("limit", _LIMIT, LIST_DEFAULT_LIMIT)
        page: int = validation.query_value("page", _PAGE, 1)
        sort_order: str = validation.query_value("sort_order", _SORT_ORDER, "asc")
        validation.check()
        assert session_id is not None
        self._check_user(caller)
        component = self._component(request)
        if component.kind == "workflow":
            self._read_with_factory(component, request, caller, session_id)
        runs = self._runs.in_session(component, session_id, owner=caller.owner)
        if not runs:
            raise HTTPError(404, "Session not found")
        wanted = request.query("status")
        listed = [run for run in runs if wanted in (None, "", run.status)]  # in creation order
        if sort_order == "desc":
            listed.reverse()
        start = (page - 1) * limit
        return json_response(200, [run_summary(run) for run in listed[start : start + limit]]), None

    def _read_with_factory(
        self, component: StubComponent, request: _Request, caller: _Caller, session_id: str
    ) -> None:
        """A workflow run read that resolves the factory: query ``factory_input``, user only from state."""
        factory_input = self._read_input(component, request.query("factory_input"))
        self._invoke(
            component,
            request,
            caller,
            user_id=caller.user_id(None, warn=False),
            session_id=caller.session_id(session_id, warn=False),
            factory_input=factory_input,
            message="",
        )
