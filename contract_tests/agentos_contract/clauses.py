"""The clause catalogue: one numbered clause per behaviour the two spec documents state.

Each clause quotes the sentence it comes from (``REFERENCE`` is ``factories-reference.txt``,
``GUIDE`` is ``agent-factory-guide.txt``), says whether it can be judged over the wire,
whether that needs the probe factories of ``docs/probe-protocol.md``, and which checks
enforce it. Clauses that no deployment can show over the wire (constructor errors, class
hierarchy) name the pytest nodes in ``tests/`` that judge them instead. ``house`` clauses
are this project's rules where the spec is silent; reports mark them as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agentos_contract.spec import HTTP_RUN_MODES, RUN_MODES, RunMode

REFERENCE = "factories-reference.txt"
GUIDE = "agent-factory-guide.txt"
HOUSE = "house rule"

_LIBRARY_TESTS = "tests/contract_tests/test_library_clauses.py"


@dataclass(frozen=True)
class Clause:
    id: str
    title: str
    source: str
    quote: str
    wire: bool
    needs_probes: bool
    test_nodes: tuple[str, ...] = ()
    # Why a house rule exists where the spec is silent (empty for the spec's own clauses).
    reason: str = ""
    # The run modes (spec.RunMode) the clause applies to and is judged in; empty when it is not
    # about a run (discovery, tokens, reads, ...).
    modes: tuple[RunMode, ...] = ()
    # Why no deployment can show it over the wire (library-only clauses, ``wire=False``).
    library_reason: str = ""

    @property
    def house(self) -> bool:
        return self.source == HOUSE

    @property
    def checks(self) -> tuple[str, ...]:
        """The checks that declared this clause (``checks.registry``): derived, never written twice."""
        from agentos_contract.checks.registry import checks_judging

        return checks_judging(self.id)


def _lib(*names: str) -> tuple[str, ...]:
    return tuple(f"{_LIBRARY_TESTS}::{name}" for name in names)


# A test id alone names a path that exists in a checkout, not in a pip-installed package.
TESTS_LOCATION = (
    "agentos-factories' own test suite (in its source repository or sdist, not the installed package)"
)


def judged_by_tests(clause: Clause) -> str:
    """Where a clause is judged by the project's tests, in words a pip user can follow."""
    return f"{TESTS_LOCATION}: {', '.join(clause.test_nodes)}"


CLAUSES: tuple[Clause, ...] = (
    Clause(
        "C01",
        "The factory id is the handle in API URLs",
        REFERENCE,
        "Stable handle used in API URLs (e.g. POST /agents/{id}/runs).",
        wire=True,
        needs_probes=False,
    ),
    Clause(
        "C02",
        "The produced component's id is forced to the factory id",
        REFERENCE,
        "The produced component’s id is enforced to match this.",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C03",
        "An empty factory id raises ValueError",
        REFERENCE,
        "Empty string raises ValueError.",
        wire=False,
        needs_probes=False,
        test_nodes=_lib("test_c03_empty_id_raises_value_error", "test_c03_c05_reference_constructor_errors"),
        library_reason="a factory with an empty id is refused by its constructor, before any deployment "
        "starts: there is nothing to send a request to",
    ),
    Clause(
        "C04",
        "The factory's db is the fallback for a falsy component db",
        REFERENCE,
        "Used as the fallback db if the produced component’s db attribute is falsy.",
        wire=True,
        needs_probes=True,
        test_nodes=_lib(
            "test_c04_factory_db_fills_a_falsy_component_db", "test_c04_c10_reference_post_resolve"
        ),
        modes=HTTP_RUN_MODES,
    ),
    Clause(
        "C05",
        "db=None raises ValueError",
        REFERENCE,
        "None raises ValueError.",
        wire=False,
        needs_probes=False,
        test_nodes=_lib("test_c05_db_none_raises_value_error", "test_c03_c05_reference_constructor_errors"),
        library_reason="a factory without a db is refused by its constructor, before any deployment starts",
    ),
    Clause(
        "C06",
        "The factory is invoked on every run-scoped request",
        REFERENCE,
        "Callable invoked on every run-scoped request. Returns a fresh component of type T.",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C07",
        "Sync and async factories both work",
        REFERENCE,
        "Both sync and async callables are accepted.  [and the guide:] AgentOS detects the "
        "coroutine and awaits it on every request.",
        wire=True,
        needs_probes=True,
        modes=("json", "sse"),
    ),
    Clause(
        "C08",
        "Name and description are exposed for discovery",
        REFERENCE,
        "name | Optional[str] | None | Human-readable name for UI discovery. |  [and:] description | "
        "Optional[str] | None | Description for UI discovery.",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C09",
        "input_schema describes factory_input for discovery",
        REFERENCE,
        "Pydantic model describing the expected shape of factory_input in the run request. "
        "Used for validation and OpenAPI schema generation.",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C10",
        "Post-resolve sets store_events=True: per-step run events persist on the run output",
        REFERENCE,
        "id to match the factory’s id, fills the component’s db from the factory if unset, sets "
        "store_events=True so per-step run events persist on the run output, and runs the "
        "component-specific initialize_*().",
        wire=True,
        needs_probes=True,
        test_nodes=_lib(
            "test_c10_post_resolve_sets_id_db_and_store_events", "test_c04_c10_reference_post_resolve"
        ),
        modes=HTTP_RUN_MODES,
    ),
    Clause(
        "C11",
        "The three factories share BaseFactory's constructor",
        REFERENCE,
        "AgentFactory, TeamFactory, and WorkflowFactory are thin subclasses of BaseFactory[T] "
        "and share the same constructor; they differ only in the component type produced.",
        wire=False,
        needs_probes=False,
        test_nodes=_lib(
            "test_c11_factories_share_the_base_constructor",
            "test_c11_c42_c43_reference_classes_and_sync_invocation",
        ),
        library_reason="which class a factory is and which constructor it shares are Python facts; over the "
        "wire the three kinds are judged alike by every other clause",
    ),
    Clause(
        "C12",
        "Every factory call receives a RequestContext",
        REFERENCE,
        "AgentOS passes a RequestContext as the sole argument to every factory call.",
        wire=True,
        needs_probes=True,
        modes=("json", "sse"),
    ),
    Clause(
        "C13",
        "ctx.request is the raw request",
        REFERENCE,
        "request | Any | Raw FastAPI Request | Escape hatch for anything not plumbed through "
        "the typed fields.",
        wire=True,
        needs_probes=True,
        modes=("json", "sse"),
    ),
    Clause(
        "C14",
        "ctx.trusted comes only from verified middleware",
        REFERENCE,
        "trusted | TrustedContext | request.state.claims / request.state.scopes | Populated only "
        "by verified middleware.  [and the guide:] Trusted fields are populated by middleware "
        "that has verified the request, never by client input.",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C15",
        "ctx.trusted.claims are the verified token's claims",
        REFERENCE,
        "trusted.claims | Mapping[str, Any] | request.state.claims | Token claims set by "
        "verified middleware (e.g. JWTMiddleware).",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C16",
        "ctx.trusted.scopes are the verified token's scopes",
        REFERENCE,
        "trusted.scopes | frozenset[str] | request.state.scopes | RBAC scopes set by verified middleware.",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C17",
        "Verified identity wins over the form field",
        REFERENCE,
        "Verified middleware wins over the form field.  [and:] request.state.user_id/"
        "request.state.session_id set by verified middleware (e.g. JWTMiddleware lifting the sub "
        "claim). Wins if present.",
        wire=True,
        needs_probes=True,
        modes=RUN_MODES,
    ),
    Clause(
        "C18",
        "A disagreeing form value is overridden on POST /runs",
        REFERENCE,
        "On POST /runs, if both are set and disagree, the form value is overridden and a warning is logged.",
        wire=True,
        needs_probes=True,
        modes=HTTP_RUN_MODES,
    ),
    Clause(
        "C19",
        "The form field is the fallback identity",
        REFERENCE,
        "Explicit form field on the run request. Used only when no verified value is set.",
        wire=True,
        needs_probes=True,
        modes=RUN_MODES,
    ),
    Clause(
        "C20",
        "No verified and no form value gives None",
        REFERENCE,
        "user_id | Optional[str] | request.state.user_id (set by middleware), with form field as "
        "fallback [...] None.",
        wire=True,
        needs_probes=True,
        modes=RUN_MODES,
    ),
    Clause(
        "C21",
        "Factories follow the prototype path's identity precedence",
        REFERENCE,
        "user_id and session_id follow the same precedence as the prototype path.",
        wire=True,
        needs_probes=True,
        modes=("json",),
    ),
    Clause(
        "C22",
        "Identity reaches ctx only via verified middleware or the form field",
        REFERENCE,
        "Caller identity. JWT claims reach this field only via JWTMiddleware setting request.state.user_id.",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C23",
        "POST runs read factory_input from the form field",
        REFERENCE,
        "POST /{agents,teams,workflows}/{id}/runs | Form field  [and the guide:] Send "
        "factory_input as a JSON string in the run request",
        wire=True,
        needs_probes=True,
        modes=("json", "sse"),
    ),
    Clause(
        "C24",
        "Workflow continue reads factory_input from the form field",
        REFERENCE,
        "POST /workflows/{id}/runs/{run_id}/continue | Form field",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C25",
        "GET workflow run reads factory_input from the query",
        REFERENCE,
        "GET /workflows/{id}/runs/{run_id} | Query parameter",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C26",
        "GET workflow runs list reads factory_input from the query",
        REFERENCE,
        "GET /workflows/{id}/runs | Query parameter",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C27",
        "The workflow WebSocket reads factory_input from the message",
        REFERENCE,
        "WS /workflows/{id}/ws | JSON field in the message body",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C28",
        "Agent/team continue re-run the factory with ctx.input=None",
        REFERENCE,
        "POST /agents/{id}/runs/{run_id}/continue and POST /teams/{id}/runs/{run_id}/continue | "
        "Not read. The factory re-runs with ctx.input=None.",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C29",
        "Cancel never invokes the factory",
        REFERENCE,
        "POST .../cancel | Not read. The factory is not invoked.",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C30",
        "With input_schema, ctx.input is a validated model instance",
        REFERENCE,
        "input_schema=SomeModel | ctx.input is a validated SomeModel instance.",
        wire=True,
        needs_probes=True,
        modes=("json", "sse"),
    ),
    Clause(
        "C31",
        "Input that fails input_schema gets 400",
        REFERENCE,
        "Invalid input returns 400 [...]  [and:] FactoryValidationError | 400 | factory_input "
        "failed validation against input_schema. Raised automatically by AgentOS.",
        wire=True,
        needs_probes=False,
        modes=RUN_MODES,
    ),
    Clause(
        "C32",
        "Without input_schema, ctx.input is the parsed dict",
        REFERENCE,
        "No input_schema | ctx.input is the parsed dict or None.",
        wire=True,
        needs_probes=True,
        modes=("json", "sse"),
    ),
    Clause(
        "C33",
        "factory_input that is not a JSON object gets 400",
        REFERENCE,
        "Validated against the factory’s input_schema if set. Otherwise the parsed JSON object or None.",
        wire=True,
        needs_probes=False,
        modes=RUN_MODES,
    ),
    Clause(
        "C34",
        "Omitted input is validated as {}",
        GUIDE,
        "If factory_input is omitted entirely, AgentOS validates {} against the schema: the "
        "request succeeds when every field has a default (like ResearchInput above), and 400s "
        "otherwise.",
        wire=True,
        needs_probes=True,
        modes=HTTP_RUN_MODES,
    ),
    Clause(
        "C35",
        "Without input_schema, omitted input leaves ctx.input None",
        GUIDE,
        "Without an input_schema, omitted factory_input leaves ctx.input as None.",
        wire=True,
        needs_probes=True,
        modes=("json", "sse"),
    ),
    Clause(
        "C36",
        "Valid factory_input is never rejected",
        GUIDE,
        "Declare a Pydantic model on the factory to validate client-supplied factory_input "
        "before the factory runs.",
        wire=True,
        needs_probes=True,
        modes=HTTP_RUN_MODES,
    ),
    Clause(
        "C37",
        "Validation happens before the factory runs",
        GUIDE,
        "If factory_input does not validate, AgentOS returns 400 before the factory runs.",
        wire=True,
        needs_probes=True,
        modes=HTTP_RUN_MODES,
    ),
    Clause(
        "C38",
        "FactoryPermissionError gives 403",
        REFERENCE,
        "FactoryPermissionError | 403 | Factory decided the caller is not authorized.  [and the "
        "guide:] Raise FactoryPermissionError from inside the factory to reject unauthorized "
        "callers with HTTP 403.",
        wire=True,
        needs_probes=True,
        modes=RUN_MODES,
    ),
    Clause(
        "C39",
        "FactoryError gives 500",
        REFERENCE,
        "FactoryError | 500 | Base for all factory errors.",
        wire=True,
        needs_probes=True,
        modes=RUN_MODES,
    ),
    Clause(
        "C40",
        "A bad return type gives 500",
        REFERENCE,
        "A bad return type [...] surfaces as 500.",
        wire=True,
        needs_probes=True,
        modes=RUN_MODES,
    ),
    Clause(
        "C41",
        "An uncaught exception in the factory gives 500",
        REFERENCE,
        "any uncaught exception inside the factory surfaces as 500.",
        wire=True,
        needs_probes=True,
        modes=RUN_MODES,
    ),
    Clause(
        "C42",
        "Sync invocation of an async factory is a FactoryError",
        REFERENCE,
        "sync invocation of an async factory [...] surfaces as 500.",
        wire=False,
        needs_probes=False,
        test_nodes=_lib(
            "test_c42_sync_invocation_of_an_async_factory_is_a_factory_error",
            "test_c11_c42_c43_reference_classes_and_sync_invocation",
        ),
        library_reason="every HTTP and WebSocket route awaits the factory (resolve_async), so a sync "
        "invocation of an async factory cannot be caused by a request (wire notes 2.11)",
    ),
    Clause(
        "C43",
        "All factory exceptions inherit from FactoryError",
        REFERENCE,
        "All factory exceptions inherit from FactoryError.",
        wire=False,
        needs_probes=False,
        test_nodes=_lib(
            "test_c43_factory_exceptions_inherit_from_factory_error",
            "test_c11_c42_c43_reference_classes_and_sync_invocation",
        ),
        library_reason="inheritance is a Python fact; its consequence on the wire, subclasses mapped like "
        "their base class, is judged by C38, C39 and C47 with the raise-probes",
    ),
    Clause(
        "C44",
        "FactoryContextRequired is not surfaced",
        REFERENCE,
        "FactoryContextRequired | internal | [...] Not normally surfaced: HTTP routers raise "
        "their own 400 before this fires, and the workflow WebSocket replay path catches it and "
        "falls back to event-buffer / DB lookup.",
        wire=True,
        needs_probes=True,
        test_nodes=_lib("test_c44_lookup_without_context_raises_factory_context_required"),
    ),
    Clause(
        "C45",
        "Factories are listed alongside prototypes",
        GUIDE,
        "Register it in AgentOS(agents=[...]) alongside any prototype agents.",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C46",
        "A factory runs like any other agent",
        GUIDE,
        "Run it against the factory like any other agent: curl -X POST "
        "http://localhost:7777/agents/tenant-agent/runs \\ -F 'message=Hello, who are you?' "
        "\\ -F 'user_id=tenant_42' \\ -F 'stream=false'",
        wire=True,
        needs_probes=True,
    ),
    Clause(
        "C47",
        "A FactoryValidationError the factory raises itself gives 400",
        REFERENCE,
        "The router maps them to HTTP status codes:  [...] FactoryValidationError | 400 | "
        "factory_input failed validation against input_schema.",
        wire=True,
        needs_probes=True,
        modes=RUN_MODES,
    ),
    Clause(
        "H01",
        "Unknown ids get 404",
        HOUSE,
        "Unknown component ids (and unknown run ids once the factory resolved) answer 404.",
        wire=True,
        needs_probes=False,
    ),
    Clause(
        "H02",
        "500 answers never leak the exception text",
        HOUSE,
        "A 500 body names the failure class, never str(exc) of the factory's exception.",
        wire=True,
        needs_probes=True,
        modes=RUN_MODES,
    ),
    Clause(
        "H03",
        "Bad tokens get 401",
        HOUSE,
        "A malformed, wrongly signed, expired or alg=none bearer token answers 401.",
        wire=True,
        needs_probes=False,
    ),
    Clause(
        "H04",
        "Errors stay JSON, also when streaming was asked for",
        HOUSE,
        'A 4xx/5xx answer is application/json {"detail": ...} with stream=true, stream=false '
        "or stream omitted, never an SSE stream.",
        wire=True,
        needs_probes=False,
        modes=HTTP_RUN_MODES,
    ),
    Clause(
        "H05",
        "Another verified user's run is out of reach",
        HOUSE,
        "A verified user never reads, lists, continues or cancels another verified user's run, and "
        "cannot tell it exists: the answer is exactly that of an unknown id, and the run is unchanged "
        "afterwards (read back as its owner).",
        wire=True,
        needs_probes=True,
        reason="Factories exist so that one deployment serves many tenants (the guide's first "
        "example builds a per-tenant assistant from ctx.user_id); a tenant that can read, cancel or "
        "even detect another's runs defeats that, whatever the factory does.",
    ),
    Clause(
        "H06",
        "A caller without a verified user never reaches a verified user's runs",
        HOUSE,
        "A caller without a verified user (no token where the deployment allows it, or a validly "
        "signed token whose user claim is missing or empty) never reads or acts on a verified user's "
        "run; a deployment may refuse such callers outright (401 or 403).",
        wire=True,
        needs_probes=True,
        reason="Factories exist so that one deployment serves many tenants. A token without a user names "
        "no tenant, so "
        "it must not reach any tenant's runs; agno's user_isolation=True refuses it with 403.",
    ),
    Clause(
        "H07",
        "Continue and cancel never change who owns a run",
        HOUSE,
        "A continue or cancel never changes who a run belongs to, nor its stored identity; whatever "
        "another caller tried, the owner's paused run stays paused and its owner's continue completes it.",
        wire=True,
        needs_probes=True,
        reason="A run's stored user_id is how its owner finds it again and how every later read is "
        "authorized; a request that rewrites it hands the run to someone else.",
    ),
    Clause(
        "H08",
        "A tenant's session is not writable or listable by another",
        HOUSE,
        "A session started by a verified user is not writable or listable by another: runs other "
        "callers post with its session_id never appear in its owner's listing.",
        wire=True,
        needs_probes=True,
        reason="A session is a tenant's conversation history; runs written into it by others would be "
        "read back to the owner's model as if the owner had said them.",
    ),
    Clause(
        "H09",
        "Concurrent requests each see only their own RequestContext",
        HOUSE,
        "Concurrent requests with different identities and different factory_input each see only "
        "their own RequestContext (at least 32 interleaved requests across kinds, streamed and not).",
        wire=True,
        needs_probes=True,
        reason="The spec builds a fresh component per request; a server or factory that reuses a built "
        "component or context across requests shows one tenant another's identity or input.",
    ),
    Clause(
        "H10",
        "The WebSocket keeps tenants apart, and a token's expiry holds for the socket's life",
        HOUSE,
        "Over the workflow WebSocket another user's run is out of reach as over HTTP (a "
        "continue-workflow answers as for an unknown run and changes nothing), and once the token "
        "that authenticated a socket has expired, the socket runs nothing more.",
        wire=True,
        needs_probes=True,
        reason="A socket outlives the token it was opened with; if it is checked only once, a revoked "
        "or expired credential keeps running factories as its user for as long as the socket stays open.",
    ),
)

CLAUSES_BY_ID: dict[str, Clause] = {clause.id: clause for clause in CLAUSES}


def clauses_judged_by(check: str) -> tuple[str, ...]:
    return tuple(clause.id for clause in CLAUSES if check in clause.checks)


def all_check_names(clauses: Iterable[Clause] = CLAUSES) -> frozenset[str]:
    return frozenset(name for clause in clauses for name in clause.checks)


def library_only(clauses: Iterable[Clause] = CLAUSES) -> tuple[Clause, ...]:
    """The clauses no deployment can show over the wire (judged by unit tests alone)."""
    return tuple(clause for clause in clauses if not clause.wire)
