# Generated from _async/teams.py by scripts/unasync.py: edit that file, then rerun the script.
"""``client.teams``: run, stream, continue and cancel team runs; discover teams.

Team continue does not read ``factory_input`` (the spec re-invokes the factory with
``ctx.input=None``), so the continue methods do not take it.

Every method also takes ``timeout`` (per phase, as httpx's), ``total_timeout`` (the whole call,
retries included; for streams, the whole stream), ``extra_headers`` and ``extra_query``; the
stream methods take ``max_events``. Written once in ``_async/teams.py``; ``_sync/`` is generated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic

from pydantic import TypeAdapter

from agentos_factories import _calls
from agentos_factories._request import CallOptions
from agentos_factories._shared import DEFERRED, cancel_answer, checked_model_type, model_or_omitted
from agentos_factories._types import NOT_GIVEN, FactoryInput, Headers, ModelT, NotGiven, Query, TimeoutTypes
from agentos_factories.models.components import TeamInfo
from agentos_factories.models.hitl import RunRequirement
from agentos_factories.models.runs import TeamRunOutput

from .streaming import TeamRunStream

if TYPE_CHECKING:
    from .client import Client

__all__ = ["TeamFactoryHandle", "Teams"]

_OUTPUT = TypeAdapter(TeamRunOutput)
_INFO = TypeAdapter(TeamInfo)
_INFO_LIST = TypeAdapter(list[TeamInfo], config=DEFERRED)

Requirements = Sequence[RunRequirement | Mapping[str, Any]]


class Teams:
    """Team endpoints of the client (``client.teams``)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(
        self,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> list[TeamInfo]:
        """``GET /teams``: every team and team factory (factories never run for this)."""
        options = CallOptions.of(timeout, total_timeout, extra_headers, extra_query)
        return self._client._request(
            _calls.list_components("teams", options), _INFO_LIST.validate_python
        )

    def get(
        self,
        team_id: str,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> TeamInfo:
        """``GET /teams/{team_id}``: ``is_factory`` and ``factory_input_schema`` tell how to call it."""
        options = CallOptions.of(timeout, total_timeout, extra_headers, extra_query)
        return self._client._request(
            _calls.get_component("teams", team_id, options), _INFO.validate_python
        )

    def run(
        self,
        team_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> TeamRunOutput:
        """``POST /teams/{team_id}/runs`` with ``stream=false``; ``factory_input`` goes in the form."""
        call = _calls.run(
            "teams",
            team_id,
            message=message,
            stream=False,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return self._client._request(call, _OUTPUT.validate_python)

    def stream(
        self,
        team_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        max_events: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> TeamRunStream:
        """The same run with ``stream=true``: typed events until ``TeamRunCompleted`` (or ``TeamRunPaused``).

        Nothing is sent until the stream is entered (``with``) or iterated.
        """
        call = _calls.run(
            "teams",
            team_id,
            message=message,
            stream=True,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return TeamRunStream(self._client, call, max_events=max_events)

    def continue_run(
        self,
        team_id: str,
        run_id: str,
        *,
        session_id: str,
        requirements: Requirements | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> TeamRunOutput:
        """``POST /teams/{team_id}/runs/{run_id}/continue``: resume a paused run.

        ``requirements`` are the paused run's ``requirements`` with the decisions (``requirement.confirm()``).
        """
        call = _calls.continue_run(
            "teams",
            team_id,
            run_id,
            stream=False,
            session_id=session_id,
            user_id=user_id,
            hitl_field="requirements",
            hitl_items=requirements,
            input=input,
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return self._client._request(call, _OUTPUT.validate_python)

    def continue_stream(
        self,
        team_id: str,
        run_id: str,
        *,
        session_id: str,
        requirements: Requirements | None = None,
        input: str | None = None,
        user_id: str | None = None,
        max_events: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> TeamRunStream:
        """The same continue with ``stream=true`` (sent when the stream is entered or iterated)."""
        call = _calls.continue_run(
            "teams",
            team_id,
            run_id,
            stream=True,
            session_id=session_id,
            user_id=user_id,
            hitl_field="requirements",
            hitl_items=requirements,
            input=input,
            options=CallOptions.of(timeout, total_timeout, extra_headers, extra_query),
        )
        return TeamRunStream(self._client, call, max_events=max_events)

    def cancel(
        self,
        team_id: str,
        run_id: str,
        *,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> None:
        """``POST /teams/{team_id}/runs/{run_id}/cancel``: records the intent; the factory does not run."""
        options = CallOptions.of(timeout, total_timeout, extra_headers, extra_query)
        return self._client._request(
            _calls.cancel("teams", team_id, run_id, session_id=session_id, options=options), cancel_answer
        )

    def factory(self, team_id: str, input_model: type[ModelT]) -> TeamFactoryHandle[ModelT]:
        """A handle on one team factory whose methods take ``factory_input`` only as ``input_model``."""
        checked_model_type(input_model)
        return TeamFactoryHandle(self, team_id, input_model)


class TeamFactoryHandle(Generic[ModelT]):
    """One team factory, typed by its ``input_schema`` model.

    ``factory_input`` may be left out when every field of the model has a default (it is then not
    sent, and the deployment validates ``{}``); for a model with a required field that raises
    ``FactoryInputError`` before anything is sent.
    """

    def __init__(self, teams: Teams, team_id: str, input_model: type[ModelT]) -> None:
        self._teams = teams
        self.team_id = team_id
        self.input_model = input_model

    def info(
        self,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> TeamInfo:
        """The factory's discovery entry (``GET /teams/{team_id}``)."""
        return self._teams.get(
            self.team_id,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )

    def run(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> TeamRunOutput:
        """Run the factory's team with ``factory_input`` (see ``client.teams.run``)."""
        return self._teams.run(
            self.team_id,
            message,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )

    def stream(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        max_events: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> TeamRunStream:
        """Stream a run of the factory's team (see ``client.teams.stream``)."""
        return self._teams.stream(
            self.team_id,
            message,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            session_id=session_id,
            max_events=max_events,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )

    def continue_run(
        self,
        run_id: str,
        *,
        session_id: str,
        requirements: Requirements | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> TeamRunOutput:
        """Continue a paused run of this factory (see ``client.teams.continue_run``)."""
        return self._teams.continue_run(
            self.team_id,
            run_id,
            session_id=session_id,
            requirements=requirements,
            input=input,
            user_id=user_id,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )

    def continue_stream(
        self,
        run_id: str,
        *,
        session_id: str,
        requirements: Requirements | None = None,
        input: str | None = None,
        user_id: str | None = None,
        max_events: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> TeamRunStream:
        """Continue a paused run of this factory as a stream (see ``client.teams.continue_stream``)."""
        return self._teams.continue_stream(
            self.team_id,
            run_id,
            session_id=session_id,
            requirements=requirements,
            input=input,
            user_id=user_id,
            max_events=max_events,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )

    def cancel(
        self,
        run_id: str,
        *,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> None:
        """Record the intent to cancel a run of this factory (see ``client.teams.cancel``)."""
        self._teams.cancel(
            self.team_id,
            run_id,
            session_id=session_id,
            timeout=timeout,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
