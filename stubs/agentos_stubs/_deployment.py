"""``StubDeployment``: a fake AgentOS deployment declared in a few typed lines, served over respx.

    deployment = StubDeployment(identity=VerifiedIdentity(user_id="u-1", scopes={"agents:run"}))
    deployment.agent_factory("research-agent", input_schema=ResearchInput,
                             reply=lambda ctx, message: f"{ctx.user_id}: {message}")
    with deployment.mock():                      # every httpx client now reaches the stub
        ...application code...
    assert deployment.last_request.factory_input == {"persona": "skeptic"}

Or without patching anything: ``deployment.client()`` / ``deployment.async_client()`` (SDK
clients on an in-process transport) and ``deployment.transport()`` (for any httpx client).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

import httpx
from pydantic import BaseModel
from typing_extensions import Self

from agentos_factories import AsyncClient, Client

from ._auth import Authenticator, TokenVerifier
from ._components import ComponentKind, ReplyValue, StubComponent
from ._context import StubContext
from ._errors import StubConfigurationError
from ._faults import ConnectionPhase, Fault, FaultPlan, TimeoutPhase
from ._identity import VerifiedIdentity
from ._recorder import Endpoint, FactoryInvocation, RecordedRequest, Recorder
from ._runs import RunStore
from ._server import Profile, StubServer

if TYPE_CHECKING:
    import respx

__all__ = ["DEFAULT_BASE_URL", "StubDeployment"]

DEFAULT_BASE_URL = "http://agentos.test"

ModelT = TypeVar("ModelT", bound=BaseModel)

#: The reply of a factory without ``input_schema``: ``ctx.input`` is the JSON object sent, or None.
PlainReply = Callable[[StubContext[dict[str, Any] | None], str], ReplyValue]


def _echo_message(ctx: object, message: str) -> str:
    return message


def _check_times(times: int) -> int:
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise StubConfigurationError(f"times must be a positive int, not {times!r}")
    return times


class StubDeployment:
    """A fake AgentOS deployment: components, the verified identity, faults, and a recorder.

    ``identity`` is what the deployment's verified middleware supplies on every request (as if
    a JWT had been checked). ``tokens`` instead maps bearer tokens to identities, and
    ``verify_token`` verifies any bearer token and returns its claims (see
    :mod:`agentos_stubs._auth`); a request without a good token then gets agno's 401. Setting
    one of the three replaces the others. ``profile`` picks the spec's answer (default) or agno
    3.1.10's where the two disagree (see :mod:`agentos_stubs._server`).

    Runs and sessions belong to the verified user that made them (or to nobody), under both
    profiles: a caller never reaches another owner's. ``require_user=True`` refuses a verified
    identity without a user (401 under ``"spec"``, as ``agentos-reference serve --require-auth``;
    under ``"agno"``, agno 3.1.10 with ``user_isolation=True``: 403 on the run routes).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        identity: VerifiedIdentity | None = None,
        tokens: Mapping[str, VerifiedIdentity] | None = None,
        verify_token: TokenVerifier | None = None,
        profile: Profile = "spec",
        require_user: bool = False,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host or url.query or url.fragment:
            raise StubConfigurationError(
                f"base_url must be an absolute http(s) URL without query, not {base_url!r}"
            )
        self.base_url = str(url.copy_with(path=url.path.rstrip("/") or "/")).rstrip("/")
        self._url = httpx.URL(self.base_url)
        self._components: dict[tuple[ComponentKind, str], StubComponent] = {}
        self._auth = Authenticator()
        self._auth.configure(identity=identity, tokens=tokens, verify_token=verify_token)
        self._profile: Profile = "spec"
        self.profile = profile
        self._require_user = False
        self.require_user = require_user
        self._faults = FaultPlan()
        self._recorder = Recorder()
        self._runs = RunStore()
        self._server = StubServer(
            components=self._components,
            authenticate=self._auth,
            profile=lambda: self._profile,
            require_user=lambda: self._require_user,
            faults=self._faults,
            recorder=self._recorder,
            runs=self._runs,
            base_path=self._url.raw_path.decode("ascii").rstrip("/"),
        )
        self._active_mock: respx.MockRouter | None = None
        self._exit_mock: Callable[
            [type[BaseException] | None, BaseException | None, TracebackType | None], object
        ]

    @classmethod
    def from_bindings(
        cls,
        bindings: ModuleType,
        *,
        replies: Mapping[str, Callable[..., ReplyValue]] | None = None,
        base_url: str = DEFAULT_BASE_URL,
        identity: VerifiedIdentity | None = None,
        tokens: Mapping[str, VerifiedIdentity] | None = None,
        verify_token: TokenVerifier | None = None,
        profile: Profile = "spec",
        require_user: bool = False,
    ) -> Self:
        """A deployment with every component of a module written by ``agentos-factories generate``.

        Each factory with a schema validates ``factory_input`` with the module's generated model
        (a 400 where the deployment says 400) and publishes the deployment's JSON Schema in
        discovery; ``replies`` maps component ids to their reply (``reply(ctx, message)`` for a
        factory, ``reply(message)`` for a prototype; default: the message). The other options
        are the constructor's.
        """
        from ._bindings import declare_from_bindings

        deployment = cls(
            base_url,
            identity=identity,
            tokens=tokens,
            verify_token=verify_token,
            profile=profile,
            require_user=require_user,
        )
        declare_from_bindings(deployment, bindings, replies)
        return deployment

    # --- identity and profile --------------------------------------------------------------------

    @property
    def identity(self) -> VerifiedIdentity | None:
        """The verified identity every request carries (None: no such fixed identity)."""
        return self._auth.identity

    @identity.setter
    def identity(self, identity: VerifiedIdentity | None) -> None:
        self._auth.configure(identity=identity, tokens=None, verify_token=None)

    @property
    def tokens(self) -> Mapping[str, VerifiedIdentity] | None:
        """Bearer tokens the deployment accepts, each with the identity it verifies to."""
        return self._auth.tokens

    @tokens.setter
    def tokens(self, tokens: Mapping[str, VerifiedIdentity] | None) -> None:
        self._auth.configure(identity=None, tokens=tokens, verify_token=None)

    @property
    def verify_token(self) -> TokenVerifier | None:
        """The callable that verifies a bearer token and returns its claims."""
        return self._auth.verify_token

    @verify_token.setter
    def verify_token(self, verify_token: TokenVerifier | None) -> None:
        self._auth.configure(identity=None, tokens=None, verify_token=verify_token)

    @property
    def profile(self) -> Profile:
        return self._profile

    @profile.setter
    def profile(self, profile: Profile) -> None:
        if profile not in ("spec", "agno"):
            raise StubConfigurationError(f"profile must be 'spec' or 'agno', not {profile!r}")
        self._profile = profile

    @property
    def require_user(self) -> bool:
        """Whether a verified identity without a user is refused (see the class docstring)."""
        return self._require_user

    @require_user.setter
    def require_user(self, require_user: bool) -> None:
        if not isinstance(require_user, bool):
            raise StubConfigurationError(f"require_user must be a bool, not {require_user!r}")
        self._require_user = require_user

    # --- declarations ----------------------------------------------------------------------------

    def _declare(self, component: StubComponent) -> Self:
        key = (component.kind, component.id)
        if key in self._components:
            raise StubConfigurationError(f"the deployment already has a {component.kind} {component.id!r}")
        self._components[key] = component
        return self

    @overload
    def agent_factory(
        self,
        agent_id: str,
        *,
        reply: PlainReply | None = None,
        input_schema: None = None,
        name: str | None = None,
        description: str | None = None,
        requires_confirmation: bool = False,
    ) -> Self: ...

    @overload
    def agent_factory(
        self,
        agent_id: str,
        *,
        reply: Callable[[StubContext[ModelT | None], str], ReplyValue] | None = None,
        input_schema: type[ModelT],
        name: str | None = None,
        description: str | None = None,
        requires_confirmation: bool = False,
    ) -> Self: ...

    def agent_factory(
        self,
        agent_id: str,
        *,
        reply: Callable[[Any, str], ReplyValue] | None = None,
        input_schema: type[BaseModel] | None = None,
        name: str | None = None,
        description: str | None = None,
        requires_confirmation: bool = False,
    ) -> Self:
        """An ``AgentFactory``: ``reply(ctx, message)`` answers each run (default: the message).

        The reply runs whenever AgentOS would invoke the factory, so raising
        :class:`~agentos_stubs.FactoryPermissionError` there is a 403. With ``input_schema``,
        ``ctx.input`` is the validated model, and None on continue (the spec's rule). With
        ``requires_confirmation`` every run pauses on a tool ``confirm`` until continued.
        """
        return self._factory("agent", agent_id, reply, input_schema, name, description, requires_confirmation)

    @overload
    def team_factory(
        self,
        team_id: str,
        *,
        reply: PlainReply | None = None,
        input_schema: None = None,
        name: str | None = None,
        description: str | None = None,
        requires_confirmation: bool = False,
    ) -> Self: ...

    @overload
    def team_factory(
        self,
        team_id: str,
        *,
        reply: Callable[[StubContext[ModelT | None], str], ReplyValue] | None = None,
        input_schema: type[ModelT],
        name: str | None = None,
        description: str | None = None,
        requires_confirmation: bool = False,
    ) -> Self: ...

    def team_factory(
        self,
        team_id: str,
        *,
        reply: Callable[[Any, str], ReplyValue] | None = None,
        input_schema: type[BaseModel] | None = None,
        name: str | None = None,
        description: str | None = None,
        requires_confirmation: bool = False,
    ) -> Self:
        """A ``TeamFactory``, declared like :meth:`agent_factory`."""
        return self._factory("team", team_id, reply, input_schema, name, description, requires_confirmation)

    @overload
    def workflow_factory(
        self,
        workflow_id: str,
        *,
        reply: PlainReply | None = None,
        input_schema: None = None,
        name: str | None = None,
        description: str | None = None,
        requires_confirmation: bool = False,
    ) -> Self: ...

    @overload
    def workflow_factory(
        self,
        workflow_id: str,
        *,
        reply: Callable[[StubContext[ModelT], str], ReplyValue] | None = None,
        input_schema: type[ModelT],
        name: str | None = None,
        description: str | None = None,
        requires_confirmation: bool = False,
    ) -> Self: ...

    def workflow_factory(
        self,
        workflow_id: str,
        *,
        reply: Callable[[Any, str], ReplyValue] | None = None,
        input_schema: type[BaseModel] | None = None,
        name: str | None = None,
        description: str | None = None,
        requires_confirmation: bool = False,
    ) -> Self:
        """A ``WorkflowFactory``; workflow continue and run reads do read ``factory_input``,
        so ``ctx.input`` is always the validated model when there is a schema.
        With ``requires_confirmation`` the first step waits for a confirmation."""
        return self._factory(
            "workflow", workflow_id, reply, input_schema, name, description, requires_confirmation
        )

    def factory(
        self,
        kind: ComponentKind,
        component_id: str,
        *,
        reply: Callable[[StubContext[Any], str], ReplyValue] | None = None,
        input_schema: type[BaseModel] | None = None,
        name: str | None = None,
        description: str | None = None,
        requires_confirmation: bool = False,
    ) -> Self:
        """A factory of any ``kind``, for code that declares all three alike (``ctx.input`` untyped)."""
        if kind not in ("agent", "team", "workflow"):
            raise StubConfigurationError(f"kind must be 'agent', 'team' or 'workflow', not {kind!r}")
        return self._factory(
            kind, component_id, reply, input_schema, name, description, requires_confirmation
        )

    def _factory(
        self,
        kind: ComponentKind,
        component_id: str,
        reply: Callable[[Any, str], ReplyValue] | None,
        input_schema: type[BaseModel] | None,
        name: str | None,
        description: str | None,
        requires_confirmation: bool,
    ) -> Self:
        return self._declare(
            StubComponent(
                kind=kind,
                id=component_id,
                reply=reply if reply is not None else _echo_message,
                input_schema=input_schema,
                name=name,
                description=description,
                requires_confirmation=bool(requires_confirmation),
            )
        )

    def prototype_agent(
        self,
        agent_id: str,
        *,
        reply: Callable[[str], ReplyValue] | None = None,
        name: str | None = None,
        description: str | None = None,
        requires_confirmation: bool = False,
    ) -> Self:
        """A plain (prototype) ``Agent``: no factory, no ``RequestContext``; ``reply(message)``."""
        return self._declare(
            StubComponent(
                kind="agent",
                id=agent_id,
                reply=reply if reply is not None else str,
                is_factory=False,
                name=name,
                description=description,
                requires_confirmation=bool(requires_confirmation),
            )
        )

    def with_probes(self) -> Self:
        """Add the contract suite's probe factories (docs/probe-protocol.md), for in-process runs."""
        from ._probes import declare_probes

        declare_probes(self)
        return self

    @property
    def components(self) -> list[StubComponent]:
        """The declared components, in declaration order."""
        return list(self._components.values())

    def _has_component(self, component_id: str) -> bool:
        return any(key[1] == component_id for key in self._components)

    # --- serving ---------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request in process (what respx and :meth:`transport` call)."""
        return self._server.handle(request)

    def transport(self) -> httpx.MockTransport:
        """An httpx transport (sync and async) that answers from this deployment, no sockets."""
        return httpx.MockTransport(self.handle)

    def client(
        self,
        *,
        token: str | Callable[[], str] | None = None,
        max_retries: int = 0,
        headers: Mapping[str, str] | None = None,
    ) -> Client:
        """An SDK ``Client`` on :meth:`transport`. No retries by default, so each fault surfaces once."""
        return Client(
            self.base_url, token=token, max_retries=max_retries, headers=headers, transport=self.transport()
        )

    def async_client(
        self,
        *,
        token: str | Callable[[], str] | None = None,
        max_retries: int = 0,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncClient:
        """An SDK ``AsyncClient`` on :meth:`transport`."""
        return AsyncClient(
            self.base_url, token=token, max_retries=max_retries, headers=headers, transport=self.transport()
        )

    def install(self, router: respx.Router) -> respx.Route:
        """Route this deployment's base URL on an existing respx router (e.g. the ``respx_mock`` fixture)."""
        url = self._url
        pattern: dict[str, Any] = {"scheme": url.scheme, "host": url.host}
        if url.port is not None:
            pattern["port"] = url.port
        base_path = url.path.rstrip("/")
        if base_path:
            pattern["path__startswith"] = base_path + "/"
        return router.route(**pattern).mock(side_effect=self.handle)

    @contextmanager
    def mock(self) -> Iterator[respx.MockRouter]:
        """Patch httpx (respx) so every client, the application's own included, reaches this deployment.

        Requests to other hosts fail with respx's ``AllMockedAssertionError`` unless another active
        respx router answers them (respx tries each active router in turn).
        """
        try:
            import respx
        except ImportError as exc:  # pragma: no cover - the [stubs] extra brings respx
            raise StubConfigurationError(
                "deployment.mock() needs respx: install agentos-factories[stubs]"
            ) from exc
        router = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)
        self.install(router)
        with router:
            yield router

    def __enter__(self) -> Self:
        if self._active_mock is not None:
            raise StubConfigurationError("this deployment is already mocking httpx")
        manager = self.mock()
        self._active_mock = manager.__enter__()
        self._exit_mock = manager.__exit__
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        exit_mock = self._exit_mock
        self._active_mock = None
        exit_mock(exc_type, exc, tb)

    # --- faults ----------------------------------------------------------------------------------

    def _fault(self, fault: Fault) -> Self:
        if fault.target is not None and not self._has_component(fault.target):
            known = sorted({key[1] for key in self._components})
            raise StubConfigurationError(
                f"no component {fault.target!r} to inject a fault into; declared: {known}"
            )
        self._faults.add(fault)
        return self

    def fail_next(
        self,
        target: str | None = None,
        *,
        status: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> Self:
        """The next request naming ``target`` (any request when None) gets ``status`` instead.

        The body is ``{"detail": detail}``; without ``detail``, what AgentOS says for that status
        on that component (``"Agent not found"``, ``"Missing 'agents:run' scope"``,
        ``"Agent factory error"``) or else the HTTP reason phrase. Nothing runs or is stored.
        Both profiles answer alike.
        """
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise StubConfigurationError(f"status must be an int from 400 to 599, not {status!r}")
        try:
            json.dumps(detail, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise StubConfigurationError(f"detail must be JSON data: {exc}") from exc
        return self._fault(
            Fault(
                "status",
                target,
                _check_times(times),
                status=status,
                detail=detail,
                headers=dict(headers or {}),
            )
        )

    def permission_denied(
        self, target: str | None = None, *, detail: str | None = None, times: int = 1
    ) -> Self:
        """The next factory invocation of ``target`` raises ``FactoryPermissionError`` (403).

        It applies where the factory would run, so invalid ``factory_input`` is still a 400 first.
        The detail defaults to ``"Missing '<kind>s:run' scope"``. Both profiles answer alike
        (agno 3.1.10 shows a ``FactoryPermissionError``'s text too).
        """
        if detail is not None and not isinstance(detail, str):
            raise StubConfigurationError(f"detail must be a string, not {detail!r}")
        return self._fault(Fault("permission_denied", target, _check_times(times), message=detail or ""))

    def crash(
        self, target: str | None = None, *, message: str = "stub factory crashed", times: int = 1
    ) -> Self:
        """The next factory invocation of ``target`` raises ``RuntimeError(message)``: a 500.

        Profile ``"spec"`` answers ``{"detail": "<Kind> factory error"}`` (house rule H02: no
        exception text leaks); ``"agno"`` answers ``{"detail": "Error in <kind> factory: <message>"}``,
        as agno 3.1.10 puts ``str(exc)`` in the body. Either way the SDK raises ``FactoryError``.
        """
        if not isinstance(message, str):
            raise StubConfigurationError(f"message must be a string, not {message!r}")
        return self._fault(Fault("crash", target, _check_times(times), message=message))

    def connection_error(
        self, target: str | None = None, *, phase: ConnectionPhase = "connect", times: int = 1
    ) -> Self:
        """The next request fails without an answer: ``httpx.ConnectError`` (``phase="connect"``,
        never sent, so the SDK may retry it) or ``httpx.ReadError`` (``"read"``, sent and lost).
        No profile changes a transport failure."""
        if phase not in ("connect", "read"):
            raise StubConfigurationError(f"phase must be 'connect' or 'read', not {phase!r}")
        return self._fault(Fault("connection_error", target, _check_times(times), phase=phase))

    def timeout(self, target: str | None = None, *, phase: TimeoutPhase = "read", times: int = 1) -> Self:
        """The next request times out: httpx's ``ReadTimeout`` (or ``ConnectTimeout``,
        ``WriteTimeout``, ``PoolTimeout`` for that ``phase``), at once, without waiting (for a
        real wait, see :meth:`latency`). No profile changes a transport failure."""
        if phase not in ("connect", "read", "write", "pool"):
            raise StubConfigurationError(f"phase must be one of connect, read, write, pool, not {phase!r}")
        return self._fault(Fault("timeout", target, _check_times(times), phase=phase))

    def break_stream_after(self, target: str | None = None, *, n_events: int, times: int = 1) -> Self:
        """The next streaming answer of ``target`` sends ``n_events`` SSE events, then the
        connection drops (``httpx.RemoteProtocolError`` while the body is read; the SDK raises
        ``APIConnectionError``). Both profiles alike; the run itself is stored as it ended."""
        if isinstance(n_events, bool) or not isinstance(n_events, int) or n_events < 0:
            raise StubConfigurationError(f"n_events must be a non-negative int, not {n_events!r}")
        return self._fault(Fault("break_stream", target, _check_times(times), n_events=n_events))

    def end_stream_early(self, target: str | None = None, *, n_events: int = 1, times: int = 1) -> Self:
        """The next streaming answer of ``target`` sends at most ``n_events`` SSE events and then
        ends cleanly, before its completion event (``RunCompleted``, ``RunPaused``, their team and
        workflow twins): what a proxy that closes an idle stream looks like. The SDK raises
        ``IncompleteStreamError``; the run is stored as it ended on the server (a workflow run can
        be read back). Both profiles alike.
        """
        if isinstance(n_events, bool) or not isinstance(n_events, int) or n_events < 0:
            raise StubConfigurationError(f"n_events must be a non-negative int, not {n_events!r}")
        return self._fault(Fault("end_stream", target, _check_times(times), n_events=n_events))

    def error_event(
        self,
        target: str | None = None,
        *,
        after_events: int = 1,
        message: str = "stub run failed",
        times: int = 1,
    ) -> Self:
        """The next streaming answer of ``target`` sends at most ``after_events`` SSE events, then
        the run's error event (``RunError``, ``TeamRunError``, ``WorkflowError``), and ends; the run
        is stored with status ``ERROR``. The SDK raises ``InBandError`` (no status in the event).

        Profile ``"spec"`` puts ``"<Kind> run failed"`` in the event's ``content`` (no exception
        text leaks, as the reference server does); ``"agno"`` puts ``message`` there, as agno 3.1.10
        streams ``str(exc)``. Both add ``"error_type": "RuntimeError"``.
        """
        if isinstance(after_events, bool) or not isinstance(after_events, int) or after_events < 0:
            raise StubConfigurationError(f"after_events must be a non-negative int, not {after_events!r}")
        if not isinstance(message, str):
            raise StubConfigurationError(f"message must be a string, not {message!r}")
        return self._fault(
            Fault("error_event", target, _check_times(times), n_events=after_events, message=message)
        )

    def latency(self, target: str | None = None, *, seconds: float, times: int = 1) -> Self:
        """The next answer to a request naming ``target`` (any request when None) comes ``seconds``
        late: its body's first byte waits (``time.sleep`` for sync clients, ``asyncio.sleep`` for
        async ones, so the event loop runs on). When the request's read timeout is shorter, it
        waits that long and raises ``httpx.ReadTimeout`` (the SDK's ``APITimeoutError``), though
        the request was handled: a run started by it exists, as on a slow server. It adds to any
        other fault of the same request. Both profiles alike.
        """
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 600:
            raise StubConfigurationError(f"seconds must be a number from 0 to 600, not {seconds!r}")
        return self._fault(Fault("latency", target, _check_times(times), seconds=float(seconds)))

    @property
    def pending_faults(self) -> list[Fault]:
        """Faults not used up yet, in the order they apply."""
        return self._faults.pending()

    def clear_faults(self) -> Self:
        self._faults.clear()
        return self

    # --- recorder --------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request the deployment received, oldest first (faulted ones included)."""
        return self._recorder.requests

    @property
    def last_request(self) -> RecordedRequest:
        requests = self._recorder.requests
        if not requests:
            raise LookupError("the stub deployment has received no request yet")
        return requests[-1]

    def requests_to(self, component_id: str, endpoint: Endpoint | None = None) -> list[RecordedRequest]:
        """The requests that named ``component_id`` (and reached ``endpoint``, when given)."""
        return [
            request
            for request in self._recorder.requests
            if request.component_id == component_id and (endpoint is None or request.endpoint == endpoint)
        ]

    @property
    def invocations(self) -> list[FactoryInvocation[Any]]:
        """Every factory (and prototype reply) invocation, with its context and outcome."""
        return self._recorder.invocations

    def invocations_of(self, component_id: str) -> list[FactoryInvocation[Any]]:
        return [
            invocation for invocation in self._recorder.invocations if invocation.component_id == component_id
        ]

    def reset(self) -> Self:
        """Forget requests, invocations, runs and faults; keep the declared components."""
        self._recorder.clear()
        self._runs.clear()
        self._faults.clear()
        return self
