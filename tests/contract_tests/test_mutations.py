"""Mutation self-test: the suite must fail every broken variant of the reference server, naming
the clause that variant breaks, and pass the unbroken server with the same settings.

Each mutant replaces ONE function of ``agentos_reference`` (everywhere it is imported, so the
server's real code path runs the broken version); nothing fakes a response.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jwt as pyjwt
import pytest
from pydantic import ValidationError

from agentos_contract.clauses import CLAUSES
from agentos_contract.model import Verdict
from agentos_contract.report import render_text
from agentos_reference import FactoryError, FactoryPermissionError, FactoryValidationError, storage
from agentos_reference import errors as reference_errors
from agentos_reference.auth import jwt as reference_jwt
from agentos_reference.context import TrustedContext
from agentos_reference.factory import BaseFactory
from agentos_reference.http import identity, json_input, resolution, websocket
from agentos_reference.http.problems import FactoryRefused, InvalidFactoryInput
from agentos_reference.http.routes import reads
from agentos_reference.http.state import ServerState

from .reference import judge_reference, patch_everywhere, suite_config

MUTATION_EXAMPLES = 10

Apply = Callable[[pytest.MonkeyPatch], None]
ApplyWithScratch = Callable[[pytest.MonkeyPatch, Path], None]


@dataclass(frozen=True)
class Mutant:
    name: str
    clause: str
    apply: Apply | ApplyWithScratch
    # The mutant needs a folder of its own (given as the second argument of ``apply``).
    scratch: bool = False

    def install(self, monkeypatch: pytest.MonkeyPatch, scratch: Path) -> None:
        if self.scratch:
            self.apply(monkeypatch, scratch)  # type: ignore[call-arg]  # scratch mutants take the folder
        else:
            self.apply(monkeypatch)  # type: ignore[call-arg]  # the others do not


def _schema_not_enforced(mp: pytest.MonkeyPatch) -> None:
    original = BaseFactory.validate_input

    def validate_input(self: BaseFactory[Any], raw_input: Any) -> Any:
        try:
            return original(self, raw_input)
        except FactoryValidationError as error:
            if "validation failed" in str(error) and isinstance(raw_input, dict):
                return raw_input  # the mutant: a schema violation passes through as a dict
            raise

    mp.setattr(BaseFactory, "validate_input", validate_input)


def _non_objects_accepted(mp: pytest.MonkeyPatch) -> None:
    original = json_input.parse_factory_input

    def parse_factory_input(raw: str | None, limits: Any) -> dict[str, Any] | None:
        try:
            return original(raw, limits)
        except InvalidFactoryInput as error:
            if "must be a JSON object" in str(error):
                return {"value": json.loads(raw or "null")}
            raise

    patch_everywhere(mp, "agentos_reference.http.json_input", "parse_factory_input", parse_factory_input)


def _omitted_not_validated(mp: pytest.MonkeyPatch) -> None:
    original = BaseFactory.validate_input

    def validate_input(self: BaseFactory[Any], raw_input: Any) -> Any:
        return None if raw_input is None else original(self, raw_input)

    mp.setattr(BaseFactory, "validate_input", validate_input)


def _form_wins(mp: pytest.MonkeyPatch) -> None:
    def pick(verified: str | None, given: str | None, label: str, *, warn: bool) -> str | None:
        return given or verified

    patch_everywhere(mp, "agentos_reference.http.identity", "pick", pick)


def _form_ignored(mp: pytest.MonkeyPatch) -> None:
    def pick(verified: str | None, given: str | None, label: str, *, warn: bool) -> str | None:
        return verified

    patch_everywhere(mp, "agentos_reference.http.identity", "pick", pick)


def _query_scopes_trusted(mp: pytest.MonkeyPatch) -> None:
    original = identity.request_context

    def request_context(connection: Any, verified: identity.Verified, **kwargs: Any) -> Any:
        ctx = original(connection, verified, **kwargs)
        smuggled = set(connection.query_params.get("scopes", "").split()) if connection is not None else set()
        trusted = TrustedContext(claims=ctx.trusted.claims, scopes=ctx.trusted.scopes | smuggled)
        return replace(ctx, trusted=trusted)

    patch_everywhere(mp, "agentos_reference.http.identity", "request_context", request_context)


def _header_user(mp: pytest.MonkeyPatch) -> None:
    original = identity.request_context

    def request_context(connection: Any, verified: identity.Verified, **kwargs: Any) -> Any:
        ctx = original(connection, verified, **kwargs)
        header = connection.headers.get("x-user-id") if connection is not None else None
        return replace(ctx, user_id=header) if header and verified.user_id is None else ctx

    patch_everywhere(mp, "agentos_reference.http.identity", "request_context", request_context)


def _claims_dropped(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(
        identity.Verified,
        "trusted",
        property(lambda self: TrustedContext(claims=MappingProxyType({}), scopes=self.scopes)),
    )


def _scopes_dropped(mp: pytest.MonkeyPatch) -> None:
    original = identity.verified_from

    def verified_from(connection: Any) -> identity.Verified:
        return replace(original(connection), scopes=frozenset())

    patch_everywhere(mp, "agentos_reference.http.identity", "verified_from", verified_from)


def _no_request(mp: pytest.MonkeyPatch) -> None:
    original = identity.request_context

    def request_context(connection: Any, verified: identity.Verified, **kwargs: Any) -> Any:
        return replace(original(connection, verified, **kwargs), request=None)

    patch_everywhere(mp, "agentos_reference.http.identity", "request_context", request_context)


def _id_not_enforced(mp: pytest.MonkeyPatch) -> None:
    def post_resolve(self: BaseFactory[Any], component: Any) -> None:
        if not component.db:
            component.db = self.db
        component.store_events = True

    mp.setattr(BaseFactory, "_post_resolve", post_resolve)


def _status_table(mapping: Callable[[BaseException], int | None]) -> Apply:
    def apply(mp: pytest.MonkeyPatch) -> None:
        original = reference_errors.http_status_for

        def http_status_for(error: BaseException) -> int:
            return mapping(error) or original(error)

        patch_everywhere(mp, "agentos_reference.errors", "http_status_for", http_status_for)

    return apply


def _permission_is_500(error: BaseException) -> int | None:
    return 500 if isinstance(error, FactoryPermissionError) else None


def _factory_error_is_400(error: BaseException) -> int | None:
    return 400 if type(error) is FactoryError else None


def _crash_is_400(error: BaseException) -> int | None:
    return 400 if not isinstance(error, FactoryError) else None


def _wrong_type_is_403(mp: pytest.MonkeyPatch) -> None:
    original = BaseFactory._finish

    def finish(self: BaseFactory[Any], component: object) -> Any:
        if not isinstance(component, self.component_type):
            raise FactoryPermissionError("wrong component type")
        return original(self, component)

    mp.setattr(BaseFactory, "_finish", finish)


def _leaks_exception_text(mp: pytest.MonkeyPatch) -> None:
    original = resolution.factory_failures

    @contextlib.contextmanager
    def factory_failures(kind: Any, component_id: str) -> Iterator[None]:
        try:
            with original(kind, component_id):
                yield
        except FactoryRefused as refused:
            cause = refused.__cause__
            if refused.status_code == 500 and cause is not None:
                raise FactoryRefused(500, f"factory error: {cause}", "factory") from cause
            raise

    mp.setattr(resolution, "factory_failures", factory_failures)


def _async_not_awaited(mp: pytest.MonkeyPatch) -> None:
    async def invoke_async(self: BaseFactory[Any], ctx: Any) -> Any:
        result = self.factory(ctx)
        if hasattr(result, "close"):
            result.close()  # the mutant never awaits the coroutine
        return result

    mp.setattr(BaseFactory, "invoke_async", invoke_async)


def _validated_after_invoke(mp: pytest.MonkeyPatch) -> None:
    async def resolve_async(self: BaseFactory[Any], ctx: Any, *, validate: bool = True) -> Any:
        with contextlib.suppress(Exception):
            early = self.factory(ctx)  # the mutant runs the factory on the raw input first
            if inspect.isawaitable(early):
                await early
        ctx = self._with_validated_input(ctx) if validate else ctx
        return self._finish(await self.invoke_async(ctx))

    mp.setattr(BaseFactory, "resolve_async", resolve_async)


def _cancel_resolves(mp: pytest.MonkeyPatch) -> None:
    original = ServerState.find_run

    async def find_run(self: ServerState, registration: Any, run_id: str, verified: Any) -> Any:
        ctx = identity.request_context(None, verified, user_id=None, session_id=None, input=None)
        await resolution.resolve(registration, ctx, validate=False)
        return await original(self, registration, run_id, verified)

    mp.setattr(ServerState, "find_run", find_run)


def _continue_validates(mp: pytest.MonkeyPatch) -> None:
    original = resolution.resolve

    async def resolve(registration: Any, ctx: Any, *, validate: bool = True) -> Any:
        return await original(registration, ctx, validate=True)

    patch_everywhere(mp, "agentos_reference.http.resolution", "resolve", resolve)


def _workflow_continue_ignores_input(mp: pytest.MonkeyPatch) -> None:
    from agentos_reference.http.routes import lifecycle

    mp.setattr(lifecycle, "parse_factory_input", lambda raw, limits: None)


def _reads_ignore_input(mp: pytest.MonkeyPatch) -> None:
    original = reads._authorize_workflow_read

    async def authorize(
        state: Any, registration: Any, request: Any, verified: Any, session_id: Any, factory_input: Any
    ) -> None:
        await original(state, registration, request, verified, session_id, None)

    mp.setattr(reads, "_authorize_workflow_read", authorize)


def _ws_ignores_input(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(websocket, "factory_input_from_message", lambda value, limits: None)


def _unknown_id_500(mp: pytest.MonkeyPatch) -> None:
    original = ServerState.registration

    def registration(self: ServerState, kind: Any, component_id: str) -> Any:
        if self.registry.get(kind, component_id) is None:
            raise RuntimeError("no such component")
        return original(self, kind, component_id)

    mp.setattr(ServerState, "registration", registration)


def _expired_tokens_accepted(mp: pytest.MonkeyPatch) -> None:
    original = reference_jwt.TokenVerifier.verify

    def verify(self: reference_jwt.TokenVerifier, token: str) -> reference_jwt.VerifiedToken:
        try:
            return original(self, token)
        except reference_jwt.TokenError as error:
            if "expired" not in str(error):
                raise
            payload = pyjwt.decode(
                token,
                self.auth.secret or "",
                algorithms=list(self.auth.algorithms),
                options={"verify_exp": False},
            )
            return reference_jwt.VerifiedToken(
                user_id=payload.get("sub"),
                session_id=None,
                claims=MappingProxyType(payload),
                scopes=frozenset(),
            )

    mp.setattr(reference_jwt.TokenVerifier, "verify", verify)


# -- mutants of issue 12: every run mode, the whole exception table, the post-resolve step, the
# -- edge-case corpus, identity on every route, tenant isolation ---------------------------------


def _db_fallback_lost(mp: pytest.MonkeyPatch, scratch: Path) -> None:
    from agentos_reference.http import execution
    from agentos_reference.storage import SqliteDb

    elsewhere = SqliteDb(str(scratch / "scratch.sqlite3"))

    def post_resolve(self: BaseFactory[Any], component: Any) -> None:
        component.id = self.id  # the mutant: a component without a db keeps none
        component.store_events = True

    original = execution.start_run

    async def start_run(kind: Any, component: Any, **kwargs: Any) -> Any:
        if not component.db:
            kwargs["fallback_db"] = elsewhere  # ... and its runs go to a scratch database
        return await original(kind, component, **kwargs)

    mp.setattr(BaseFactory, "_post_resolve", post_resolve)
    patch_everywhere(mp, "agentos_reference.http.execution", "start_run", start_run)


def _store_events_not_set(mp: pytest.MonkeyPatch) -> None:
    def post_resolve(self: BaseFactory[Any], component: Any) -> None:
        component.id = self.id
        if not component.db:
            component.db = self.db

    mp.setattr(BaseFactory, "_post_resolve", post_resolve)


def _events_kept_for_streams_only(mp: pytest.MonkeyPatch) -> None:
    from agentos_reference.http.execution import RunExecution

    original = RunExecution.drain

    async def drain(self: RunExecution) -> dict[str, Any]:
        self.store_events = False  # the mutant (agno's behaviour): a run nobody streamed keeps none
        return await original(self)

    mp.setattr(RunExecution, "drain", drain)


def _subclass_of_permission_is_500(error: BaseException) -> int | None:
    return (
        500
        if isinstance(error, FactoryPermissionError) and type(error) is not FactoryPermissionError
        else None
    )


def _subclass_of_factory_error_is_400(error: BaseException) -> int | None:
    mapped = (FactoryError, FactoryValidationError, FactoryPermissionError)
    return 400 if isinstance(error, FactoryError) and type(error) not in mapped else None


def _value_error_is_400(error: BaseException) -> int | None:
    return 400 if type(error) is ValueError else None


def _factory_validation_error_is_500(mp: pytest.MonkeyPatch) -> None:
    original = BaseFactory.invoke_async

    async def invoke_async(self: BaseFactory[Any], ctx: Any) -> Any:
        try:
            return await original(self, ctx)
        except FactoryValidationError as error:
            raise FactoryError(str(error)) from error  # only input_schema's failures stay 400

    mp.setattr(BaseFactory, "invoke_async", invoke_async)


def _async_failures_are_400(mp: pytest.MonkeyPatch) -> None:
    original = BaseFactory.invoke_async

    async def invoke_async(self: BaseFactory[Any], ctx: Any) -> Any:
        try:
            return await original(self, ctx)
        except FactoryError:
            raise
        except Exception as error:
            if self.is_async():
                raise FactoryValidationError("the async factory failed") from error
            raise

    mp.setattr(BaseFactory, "invoke_async", invoke_async)


def _leak_when(leaks: Callable[[BaseException], str | None]) -> Apply:
    def apply(mp: pytest.MonkeyPatch) -> None:
        original = resolution.factory_failures

        @contextlib.contextmanager
        def factory_failures(kind: Any, component_id: str) -> Iterator[None]:
            try:
                with original(kind, component_id):
                    yield
            except FactoryRefused as refused:
                cause = refused.__cause__
                shown = leaks(cause) if refused.status_code == 500 and cause is not None else None
                if shown is not None:
                    raise FactoryRefused(500, f"factory error: {shown}", "factory") from cause
                raise

        mp.setattr(resolution, "factory_failures", factory_failures)

    return apply


def _repr_of_key_errors(error: BaseException) -> str | None:
    return repr(error) if isinstance(error, LookupError) else None


def _repr_when_str_fails(error: BaseException) -> str | None:
    try:
        str(error)
    except Exception:
        return repr(error)
    return None


# The run route's form values, for mutants that break one run mode only.
_STREAM: ContextVar[bool] = ContextVar("stream", default=False)
_BACKGROUND: ContextVar[bool] = ContextVar("background", default=False)
_FORM_USER: ContextVar[str | None] = ContextVar("form_user", default=None)


def _watch_run_form(mp: pytest.MonkeyPatch) -> None:
    from agentos_reference.http.fields import FieldReader
    from agentos_reference.http.routes import runs

    class Watched(FieldReader):
        def boolean(self, name: str, *, default: bool) -> bool:
            value = super().boolean(name, default=default)
            if name == "stream":
                _STREAM.set(value)
            if name == "background":
                _BACKGROUND.set(value)
            return value

        def identifier(self, name: str) -> str | None:
            value = super().identifier(name)
            if name == "user_id":
                _FORM_USER.set(value)
            return value

    mp.setattr(runs, "FieldReader", Watched)


def _run_route_resolve(mp: pytest.MonkeyPatch, wrapper: Callable[..., Any]) -> None:
    from agentos_reference.http.routes import runs

    _watch_run_form(mp)
    mp.setattr(runs, "resolve", wrapper(vars(runs)["resolve"]))


def _stream_errors_as_sse(mp: pytest.MonkeyPatch) -> None:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        async def resolve(registration: Any, ctx: Any, **kwargs: Any) -> Any:
            try:
                return await original(registration, ctx, **kwargs)
            except FactoryRefused as refused:
                if _STREAM.get():
                    refused.headers = {"content-type": "text/event-stream; charset=utf-8"}
                raise

        return resolve

    _run_route_resolve(mp, wrap)


def _background_not_validated(mp: pytest.MonkeyPatch) -> None:
    from agentos_reference.http.routes import runs

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        async def resolve(registration: Any, ctx: Any, **kwargs: Any) -> Any:
            if _BACKGROUND.get():
                kwargs["validate"] = False  # the mutant: background input is validated by nobody
            return await original(registration, ctx, **kwargs)

        return resolve

    parse = vars(runs)["parse_factory_input"]

    def parse_factory_input(raw: str | None, limits: Any) -> Any:
        try:
            return parse(raw, limits)
        except InvalidFactoryInput:
            if _BACKGROUND.get():
                return None
            raise

    _run_route_resolve(mp, wrap)
    mp.setattr(runs, "parse_factory_input", parse_factory_input)


def _background_failures_accepted(mp: pytest.MonkeyPatch) -> None:
    from fastapi import HTTPException

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        async def resolve(registration: Any, ctx: Any, **kwargs: Any) -> Any:
            try:
                return await original(registration, ctx, **kwargs)
            except FactoryRefused as refused:
                if _BACKGROUND.get() and refused.status_code != 400:
                    raise HTTPException(202, "accepted; the run will fail") from refused
                raise

        return resolve

    _run_route_resolve(mp, wrap)


def _background_stores_form_user(mp: pytest.MonkeyPatch) -> None:
    from agentos_reference.http.routes import runs

    _watch_run_form(mp)
    original = vars(runs)["start_run"]

    async def start_run(kind: Any, component: Any, **kwargs: Any) -> Any:
        if _BACKGROUND.get() and _FORM_USER.get() is not None:
            kwargs["user_id"] = _FORM_USER.get()
        return await original(kind, component, **kwargs)

    mp.setattr(runs, "start_run", start_run)


def _background_never_runs(mp: pytest.MonkeyPatch) -> None:
    from agentos_reference.http.routes import runs

    mp.setattr(runs, "run_in_background", lambda state, execution: None)


def _continue_form_wins(mp: pytest.MonkeyPatch) -> None:
    from agentos_reference.http.routes import lifecycle

    mp.setattr(lifecycle, "pick", lambda verified, given, label, *, warn: given or verified)


def _continue_form_ignored(mp: pytest.MonkeyPatch) -> None:
    from agentos_reference.http.routes import lifecycle

    mp.setattr(lifecycle, "pick", lambda verified, given, label, *, warn: verified)


def _ws_frame_wins(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(websocket, "pick", lambda verified, given, label, *, warn: given or verified)
    mp.setattr(websocket.WorkflowSocket, "frame_user_id", lambda self, message: message.get("user_id"))


def _ws_error_frames_leak(mp: pytest.MonkeyPatch) -> None:
    original = websocket.WorkflowSocket.send_error

    async def send_error(self: Any, error: Any) -> None:
        cause = error.__cause__
        if error.status_code == 500 and cause is not None:
            error.detail = f"{error.detail}: {cause}"
        await original(self, error)

    mp.setattr(websocket.WorkflowSocket, "send_error", send_error)


def _ws_factory_failures_are_500(mp: pytest.MonkeyPatch) -> None:
    original = websocket.WorkflowSocket.send_error

    async def send_error(self: Any, error: Any) -> None:
        if isinstance(error, FactoryRefused):
            error.status_code = 500
        await original(self, error)

    mp.setattr(websocket.WorkflowSocket, "send_error", send_error)


def _parser_catches_decode_errors_only(mp: pytest.MonkeyPatch) -> None:
    def loads_strict(text: str, max_depth: int) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:  # the mutant (agno's): ValueError, RecursionError escape
            raise json_input.JsonInputError(str(error)) from error

    patch_everywhere(mp, "agentos_reference.http.json_input", "loads_strict", loads_strict)


def _blank_input_is_omitted(mp: pytest.MonkeyPatch) -> None:
    original = json_input.parse_factory_input

    def parse_factory_input(raw: str | None, limits: Any) -> dict[str, Any] | None:
        return None if raw is not None and not raw.strip() else original(raw, limits)

    patch_everywhere(mp, "agentos_reference.http.json_input", "parse_factory_input", parse_factory_input)


def _null_is_omitted(mp: pytest.MonkeyPatch) -> None:
    original = json_input.parse_factory_input

    def parse_factory_input(raw: str | None, limits: Any) -> dict[str, Any] | None:
        return None if raw is not None and raw.strip() == "null" else original(raw, limits)

    patch_everywhere(mp, "agentos_reference.http.json_input", "parse_factory_input", parse_factory_input)


def _strict_validation(mp: pytest.MonkeyPatch) -> None:
    original = BaseFactory.validate_input

    def validate_input(self: BaseFactory[Any], raw_input: Any) -> Any:
        if self.input_schema is not None and isinstance(raw_input, dict):
            try:
                return self.input_schema.model_validate(raw_input, strict=True)
            except ValidationError as error:
                raise FactoryValidationError(f"factory_input validation failed: {error}") from error
        return original(self, raw_input)

    mp.setattr(BaseFactory, "validate_input", validate_input)


def _extra_keys_refused(mp: pytest.MonkeyPatch) -> None:
    original = BaseFactory.validate_input

    def validate_input(self: BaseFactory[Any], raw_input: Any) -> Any:
        if self.input_schema is not None and isinstance(raw_input, dict):
            extra = set(raw_input) - set(self.input_schema.model_fields)
            if extra:
                raise FactoryValidationError(f"factory_input has unknown fields {sorted(extra)}")
        return original(self, raw_input)

    mp.setattr(BaseFactory, "validate_input", validate_input)


def _components_reused(mp: pytest.MonkeyPatch) -> None:
    original = resolution.resolve
    built: dict[str, tuple[float, Any]] = {}

    async def resolve(registration: Any, ctx: Any, **kwargs: Any) -> Any:
        cached = built.get(registration.id)
        if cached is not None and time.monotonic() - cached[0] < 0.5:
            return cached[1]  # the mutant: a component built for one request serves the next ones
        component = await original(registration, ctx, **kwargs)
        built[registration.id] = (time.monotonic(), component)
        return component

    patch_everywhere(mp, "agentos_reference.http.resolution", "resolve", resolve)


def _others_runs_found(verified: bool) -> Apply:
    """Run lookups fall back to any owner's run: for verified callers (H05), or for callers
    without a verified user (H06)."""

    def apply(mp: pytest.MonkeyPatch) -> None:
        original = storage.SqliteDb.get_owned_run

        async def get_owned_run(
            self: storage.SqliteDb, component_type: Any, component_id: str, run_id: str, *, owner: str | None
        ) -> Any:
            found = await original(self, component_type, component_id, run_id, owner=owner)
            if found is None and bool(owner) is verified:
                return await self.get_run(component_type, component_id, run_id)
            return found

        mp.setattr(storage.SqliteDb, "get_owned_run", get_owned_run)

    return apply


def _cancel_reaches_any_owner(mp: pytest.MonkeyPatch) -> None:
    """A cancel acts as the run's owner, whoever sent it."""
    original = ServerState.cancel_run

    async def cancel_run(self: ServerState, registration: Any, run_id: str, verified: Any) -> bool:
        for db in self.databases_for(registration):
            run = await db.get_run(registration.kind, registration.id, run_id)
            if run is not None:
                verified = replace(verified, user_id=run.owner)
                break
        return await original(self, registration, run_id, verified)

    mp.setattr(ServerState, "cancel_run", cancel_run)


def _sessions_shared(mp: pytest.MonkeyPatch) -> None:
    """A session's listing shows every owner's runs posted with that session_id."""
    original = storage.SqliteDb.list_runs

    async def list_runs(
        self: storage.SqliteDb,
        component_type: Any,
        component_id: str,
        session_id: str | None,
        *,
        owner: str | None,
        status: str | None = None,
        after: storage.RunKey | None = None,
        newest_first: bool = False,
        limit: int,
    ) -> Any:
        keys, found = await original(
            self,
            component_type,
            component_id,
            session_id,
            owner=owner,
            status=status,
            after=after,
            newest_first=newest_first,
            limit=limit,
        )
        if session_id is None or not found:
            return keys, found
        order = "DESC" if newest_first else "ASC"
        query = (
            "SELECT created_at, run_id FROM runs"
            " WHERE component_type = ? AND component_id = ? AND session_id = ?"
        )
        parameters: list[Any] = [component_type, component_id, session_id]
        if after is not None:
            query += f" AND (created_at, run_id) {'<' if newest_first else '>'} (?, ?)"
            parameters += [after.created_at, after.run_id]
        query += f" ORDER BY created_at {order}, run_id {order} LIMIT ?"
        parameters.append(limit)

        def work(connection: Any) -> list[storage.RunKey]:
            return [storage.RunKey(row[0], row[1]) for row in connection.execute(query, parameters)]

        return await self._run(work), found

    mp.setattr(storage.SqliteDb, "list_runs", list_runs)


def _context_shared_while_awaiting(mp: pytest.MonkeyPatch) -> None:
    """The context is parked per factory while the call yields: sequential requests are fine,
    interleaved ones see each other's."""
    original = BaseFactory.invoke_async
    parked: dict[str, Any] = {}

    async def invoke_async(self: BaseFactory[Any], ctx: Any) -> Any:
        parked[self.id] = ctx
        await asyncio.sleep(0.01)
        return await original(self, parked[self.id])

    mp.setattr(BaseFactory, "invoke_async", invoke_async)


def _socket_token_checked_once(mp: pytest.MonkeyPatch) -> None:
    async def recheck_token(self: websocket.WorkflowSocket) -> None:
        return None

    mp.setattr(websocket.WorkflowSocket, "recheck_token", recheck_token)


MUTANTS = (
    Mutant("schema violations pass through", "C31", _schema_not_enforced),
    Mutant("non-object JSON accepted", "C33", _non_objects_accepted),
    Mutant("omitted input not validated as {}", "C34", _omitted_not_validated),
    Mutant("form identity beats the verified one", "C17", _form_wins),
    Mutant("form identity ignored", "C19", _form_ignored),
    Mutant("query scopes reach ctx.trusted", "C14", _query_scopes_trusted),
    Mutant("X-User-Id header becomes ctx.user_id", "C22", _header_user),
    Mutant("verified claims dropped", "C15", _claims_dropped),
    Mutant("verified scopes dropped", "C16", _scopes_dropped),
    Mutant("ctx.request missing", "C13", _no_request),
    Mutant("produced id not enforced", "C02", _id_not_enforced),
    Mutant("FactoryPermissionError -> 500", "C38", _status_table(_permission_is_500)),
    Mutant("FactoryError -> 400", "C39", _status_table(_factory_error_is_400)),
    Mutant("wrong return type -> 403", "C40", _wrong_type_is_403),
    Mutant("uncaught exception -> 400", "C41", _status_table(_crash_is_400)),
    Mutant("500 leaks str(exc)", "H02", _leaks_exception_text),
    Mutant("async factory never awaited", "C07", _async_not_awaited),
    Mutant("factory runs before validation", "C37", _validated_after_invoke),
    Mutant("cancel invokes the factory", "C29", _cancel_resolves),
    Mutant("agent/team continue validate omitted input", "C28", _continue_validates),
    Mutant("workflow continue ignores factory_input", "C24", _workflow_continue_ignores_input),
    Mutant("workflow reads ignore factory_input", "C25", _reads_ignore_input),
    Mutant("WebSocket ignores factory_input", "C27", _ws_ignores_input),
    Mutant("unknown id -> 500", "H01", _unknown_id_500),
    Mutant("expired tokens accepted", "H03", _expired_tokens_accepted),
    # tenant isolation (issue 11)
    Mutant("another user's run is found", "H05", _others_runs_found(verified=True)),
    Mutant("a caller without a user finds every run", "H06", _others_runs_found(verified=False)),
    Mutant("a cancel acts as the run's owner", "H07", _cancel_reaches_any_owner),
    Mutant("sessions shared across owners", "H08", _sessions_shared),
    Mutant("context shared while the factory awaits", "H09", _context_shared_while_awaiting),
    Mutant("a socket's token checked once", "H10", _socket_token_checked_once),
    # issue 12
    Mutant("a db-less component's runs go to a scratch db", "C04", _db_fallback_lost, scratch=True),
    Mutant("store_events not set by the post-resolve", "C10", _store_events_not_set),
    Mutant("events kept for streamed runs only", "C10", _events_kept_for_streams_only),
    Mutant("FactoryPermissionError subclasses -> 500", "C38", _status_table(_subclass_of_permission_is_500)),
    Mutant("FactoryError subclasses -> 400", "C39", _status_table(_subclass_of_factory_error_is_400)),
    Mutant("a factory's own FactoryValidationError -> 500", "C47", _factory_validation_error_is_500),
    Mutant("ValueError -> 400", "C41", _status_table(_value_error_is_400)),
    Mutant("async factories' failures -> 400", "C41", _async_failures_are_400),
    Mutant("500 shows repr(exc) of KeyErrors", "H02", _leak_when(_repr_of_key_errors)),
    Mutant("500 shows repr(exc) when str(exc) fails", "H02", _leak_when(_repr_when_str_fails)),
    Mutant("stream=true errors labelled text/event-stream", "H04", _stream_errors_as_sse),
    Mutant("background=true skips validation", "C31", _background_not_validated),
    Mutant("background=true accepts failing factories", "C41", _background_failures_accepted),
    Mutant("background=true stores the form user", "C18", _background_stores_form_user),
    Mutant("background=true runs never run", "C04", _background_never_runs),
    Mutant("continue: the form identity wins", "C17", _continue_form_wins),
    Mutant("continue: the form identity is ignored", "C19", _continue_form_ignored),
    Mutant("WebSocket: the frame's identity wins", "C17", _ws_frame_wins),
    Mutant("WebSocket: 500 frames carry str(exc)", "H02", _ws_error_frames_leak),
    Mutant("WebSocket: every factory failure is a 500 frame", "C38", _ws_factory_failures_are_500),
    Mutant("JSON parser catches JSONDecodeError only", "C33", _parser_catches_decode_errors_only),
    Mutant("whitespace-only input counts as omitted", "C33", _blank_input_is_omitted),
    Mutant("null input counts as omitted", "C33", _null_is_omitted),
    Mutant("strict validation refuses lax values", "C36", _strict_validation),
    Mutant("extra keys refused", "C36", _extra_keys_refused),
    Mutant("built components reused across requests", "H09", _components_reused),
)


def test_the_unbroken_server_passes_at_mutation_settings(tmp_path: Path) -> None:
    result = judge_reference(tmp_path, suite_config(max_examples=MUTATION_EXAMPLES))
    assert result.exit_code == 0, render_text(result)


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.clause}-{m.name.replace(' ', '-')}")
def test_the_suite_fails_every_mutant_naming_its_clause(
    mutant: Mutant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each mutant is judged with ``--clauses <its clause>``: the checks that judge that clause (and
    the setup checks) run, exactly as in a full run, since every property draws from its own seed."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    mutant.install(monkeypatch, scratch)
    result = judge_reference(
        tmp_path, suite_config(max_examples=MUTATION_EXAMPLES, only_clauses=frozenset({mutant.clause}))
    )
    report = render_text(result)
    verdicts = {r.clause.id: r.verdict for r in result.results}
    assert result.exit_code == 1, report
    assert verdicts[mutant.clause] is Verdict.VIOLATED, report
    assert f"\n{mutant.clause} " in report  # named in the Violations section, with its replay


def test_there_is_one_mutant_per_behaviour() -> None:
    assert len({m.name for m in MUTANTS}) == len(MUTANTS) >= 45
    assert len({m.apply for m in MUTANTS}) == len(MUTANTS)
    wire = {clause.id for clause in CLAUSES if clause.wire}
    assert {m.clause for m in MUTANTS} <= wire
