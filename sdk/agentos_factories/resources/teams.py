"""``client.teams``: run, stream, continue and cancel team runs; discover teams.

Team continue does not read ``factory_input`` (the spec re-invokes the factory with
``ctx.input=None``), so the continue methods do not take it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic

from pydantic import TypeAdapter

from agentos_factories._streaming import AsyncRunStream, AsyncTeamRunStream, RunStream, TeamRunStream
from agentos_factories._types import NOT_GIVEN, FactoryInput, ModelT, NotGiven, TimeoutTypes
from agentos_factories.models.components import TeamInfo
from agentos_factories.models.hitl import RunRequirement
from agentos_factories.models.runs import TeamRunOutput

from . import _calls
from ._shared import CANCEL_ADAPTER, DEFERRED, checked_model_type, model_or_omitted

if TYPE_CHECKING:
    from agentos_factories._client import AsyncClient, Client

__all__ = ["AsyncTeamFactoryHandle", "AsyncTeams", "TeamFactoryHandle", "Teams"]

_OUTPUT = TypeAdapter(TeamRunOutput)
_INFO = TypeAdapter(TeamInfo)
_INFO_LIST = TypeAdapter(list[TeamInfo], config=DEFERRED)

Requirements = Sequence[RunRequirement | Mapping[str, Any]]


class Teams:
    """Team endpoints of a :class:`~agentos_factories.Client`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> list[TeamInfo]:
        """``GET /teams``: every team and team factory (factories never run for this)."""
        return self._client._request(_calls.list_components("teams", timeout), _INFO_LIST)

    def get(self, team_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> TeamInfo:
        """``GET /teams/{team_id}``: ``is_factory`` and ``factory_input_schema`` tell how to call it."""
        return self._client._request(_calls.get_component("teams", team_id, timeout), _INFO)

    def run(
        self,
        team_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
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
            timeout=timeout,
        )
        return self._client._request(call, _OUTPUT)

    def stream(
        self,
        team_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> TeamRunStream:
        """The same run with ``stream=true``: typed events until ``RunCompleted`` (or ``RunPaused``)."""
        call = _calls.run(
            "teams",
            team_id,
            message=message,
            stream=True,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )
        return RunStream(self._client._request_stream(call), "team")

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
            timeout=timeout,
        )
        return self._client._request(call, _OUTPUT)

    def continue_stream(
        self,
        team_id: str,
        run_id: str,
        *,
        session_id: str,
        requirements: Requirements | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> TeamRunStream:
        """The same continue with ``stream=true``."""
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
            timeout=timeout,
        )
        return RunStream(self._client._request_stream(call), "team")

    def cancel(
        self,
        team_id: str,
        run_id: str,
        *,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> None:
        """``POST /teams/{team_id}/runs/{run_id}/cancel``: records the intent; the factory does not run."""
        self._client._request(
            _calls.cancel("teams", team_id, run_id, session_id=session_id, timeout=timeout), CANCEL_ADAPTER
        )

    def factory(self, team_id: str, input_model: type[ModelT]) -> TeamFactoryHandle[ModelT]:
        """A handle on one team factory whose methods take ``factory_input`` only as ``input_model``."""
        checked_model_type(input_model)
        return TeamFactoryHandle(self, team_id, input_model)


class TeamFactoryHandle(Generic[ModelT]):
    """One team factory, typed by its ``input_schema`` model.

    ``factory_input`` may be left out when every field of the model has a default (the
    deployment validates ``{}``); for a model with a required field that raises
    :class:`~agentos_factories.FactoryInputError` before anything is sent.
    """

    def __init__(self, teams: Teams, team_id: str, input_model: type[ModelT]) -> None:
        self._teams = teams
        self.team_id = team_id
        self.input_model = input_model

    def info(self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> TeamInfo:
        return self._teams.get(self.team_id, timeout=timeout)

    def run(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> TeamRunOutput:
        return self._teams.run(
            self.team_id,
            message,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )

    def stream(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> TeamRunStream:
        return self._teams.stream(
            self.team_id,
            message,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
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
    ) -> TeamRunOutput:
        return self._teams.continue_run(
            self.team_id,
            run_id,
            session_id=session_id,
            requirements=requirements,
            input=input,
            user_id=user_id,
            timeout=timeout,
        )

    def continue_stream(
        self,
        run_id: str,
        *,
        session_id: str,
        requirements: Requirements | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> TeamRunStream:
        return self._teams.continue_stream(
            self.team_id,
            run_id,
            session_id=session_id,
            requirements=requirements,
            input=input,
            user_id=user_id,
            timeout=timeout,
        )

    def cancel(
        self, run_id: str, *, session_id: str | None = None, timeout: TimeoutTypes | NotGiven = NOT_GIVEN
    ) -> None:
        self._teams.cancel(self.team_id, run_id, session_id=session_id, timeout=timeout)


class AsyncTeams:
    """Team endpoints of an :class:`~agentos_factories.AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> list[TeamInfo]:
        """``GET /teams``."""
        return await self._client._request(_calls.list_components("teams", timeout), _INFO_LIST)

    async def get(self, team_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> TeamInfo:
        """``GET /teams/{team_id}``."""
        return await self._client._request(_calls.get_component("teams", team_id, timeout), _INFO)

    async def run(
        self,
        team_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> TeamRunOutput:
        """``POST /teams/{team_id}/runs`` with ``stream=false``."""
        call = _calls.run(
            "teams",
            team_id,
            message=message,
            stream=False,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )
        return await self._client._request(call, _OUTPUT)

    async def stream(
        self,
        team_id: str,
        message: str,
        *,
        factory_input: FactoryInput = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncTeamRunStream:
        """The same run with ``stream=true``."""
        call = _calls.run(
            "teams",
            team_id,
            message=message,
            stream=True,
            factory_input=factory_input,
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )
        return AsyncRunStream(await self._client._request_stream(call), "team")

    async def continue_run(
        self,
        team_id: str,
        run_id: str,
        *,
        session_id: str,
        requirements: Requirements | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> TeamRunOutput:
        """``POST /teams/{team_id}/runs/{run_id}/continue``."""
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
            timeout=timeout,
        )
        return await self._client._request(call, _OUTPUT)

    async def continue_stream(
        self,
        team_id: str,
        run_id: str,
        *,
        session_id: str,
        requirements: Requirements | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncTeamRunStream:
        """The same continue with ``stream=true``."""
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
            timeout=timeout,
        )
        return AsyncRunStream(await self._client._request_stream(call), "team")

    async def cancel(
        self,
        team_id: str,
        run_id: str,
        *,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> None:
        """``POST /teams/{team_id}/runs/{run_id}/cancel``."""
        await self._client._request(
            _calls.cancel("teams", team_id, run_id, session_id=session_id, timeout=timeout), CANCEL_ADAPTER
        )

    def factory(self, team_id: str, input_model: type[ModelT]) -> AsyncTeamFactoryHandle[ModelT]:
        """A handle on one team factory whose methods take ``factory_input`` only as ``input_model``."""
        checked_model_type(input_model)
        return AsyncTeamFactoryHandle(self, team_id, input_model)


class AsyncTeamFactoryHandle(Generic[ModelT]):
    """One team factory, typed by its ``input_schema`` model (async; see the sync handle)."""

    def __init__(self, teams: AsyncTeams, team_id: str, input_model: type[ModelT]) -> None:
        self._teams = teams
        self.team_id = team_id
        self.input_model = input_model

    async def info(self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> TeamInfo:
        return await self._teams.get(self.team_id, timeout=timeout)

    async def run(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> TeamRunOutput:
        return await self._teams.run(
            self.team_id,
            message,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )

    async def stream(
        self,
        message: str,
        *,
        factory_input: ModelT | NotGiven = NOT_GIVEN,
        user_id: str | None = None,
        session_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncTeamRunStream:
        return await self._teams.stream(
            self.team_id,
            message,
            factory_input=model_or_omitted(factory_input, self.input_model),
            user_id=user_id,
            session_id=session_id,
            timeout=timeout,
        )

    async def continue_run(
        self,
        run_id: str,
        *,
        session_id: str,
        requirements: Requirements | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> TeamRunOutput:
        return await self._teams.continue_run(
            self.team_id,
            run_id,
            session_id=session_id,
            requirements=requirements,
            input=input,
            user_id=user_id,
            timeout=timeout,
        )

    async def continue_stream(
        self,
        run_id: str,
        *,
        session_id: str,
        requirements: Requirements | None = None,
        input: str | None = None,
        user_id: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncTeamRunStream:
        return await self._teams.continue_stream(
            self.team_id,
            run_id,
            session_id=session_id,
            requirements=requirements,
            input=input,
            user_id=user_id,
            timeout=timeout,
        )

    async def cancel(
        self, run_id: str, *, session_id: str | None = None, timeout: TimeoutTypes | NotGiven = NOT_GIVEN
    ) -> None:
        await self._teams.cancel(self.team_id, run_id, session_id=session_id, timeout=timeout)
