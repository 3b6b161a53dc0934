"""The workflow WebSocket: ``WS /workflows/{id}/ws`` (spec) and ``WS /workflows/ws`` (AgentOS's form).

AgentOS's control frames (``connected``, ``authenticate`` -> ``authenticated``,
``auth_required``, ``ping``/``pong``, ``start-workflow``, ``continue-workflow``,
``error``) with run events as SSE-formatted text frames. Beyond AgentOS: the
``factory_input`` field is parsed and validated exactly like the HTTP form field,
and every error frame carries ``status`` and ``error_type`` so a 400, 403, 404 and
500 can be told apart.

Identity: on a socket verified with a token (the handshake's ``Authorization`` header or the
``authenticate`` action) whose user claim is set, that user is who is calling and a frame's
``user_id`` is dropped (as AgentOS does); the token is checked again before every start and
continue, and once it has expired the socket gets an ``auth_error`` frame and is closed. When no
verified user is set (no token, or a token without a user), frame fields are the fallback for
``ctx``, as form fields are over HTTP (the spec's precedence rule); they never make anyone an
owner. Runs and sessions belong to the verified user (``Verified.owner``), as over HTTP.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, HTTPException
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from agentos_reference.auth.jwt import TokenError, VerifiedToken
from agentos_reference.auth.middleware import bearer_token, userless_token_problem
from agentos_reference.http.execution import RunExecution, continue_run, start_run
from agentos_reference.http.identity import Verified, pick, request_context, verified_from
from agentos_reference.http.json_input import JsonInputError, check_tree, loads_strict, parse_factory_input
from agentos_reference.http.problems import (
    BadRequest,
    InvalidFactoryInput,
    NotFound,
    PayloadTooLarge,
    error_type_of,
)
from agentos_reference.http.resolution import resolve
from agentos_reference.http.state import ServerState, server_state
from agentos_reference.limits import Limits
from agentos_reference.logs import log_failure
from agentos_reference.runtime.events import RunEvent

logger = logging.getLogger("agentos_reference.websocket")


def ws_frame(event: RunEvent, index: int) -> str:
    data = json.dumps({**event.data, "event_index": index}, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event.name}\ndata: {data}\n\n"


def _text(message: Mapping[str, Any], key: str) -> str | None:
    value = message.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{key} must be a string")
    return value


def factory_input_from_message(value: Any, limits: Limits) -> dict[str, Any] | None:
    """The message's ``factory_input``: a JSON object, or a JSON string of one (like the HTTP form field)."""
    if value is None:
        return None
    if isinstance(value, str):
        return parse_factory_input(value, limits)
    if not isinstance(value, dict):
        raise InvalidFactoryInput(f"factory_input must be a JSON object, got {type(value).__name__}")
    if (
        len(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        > limits.max_factory_input_bytes
    ):
        raise PayloadTooLarge(f"factory_input exceeds {limits.max_factory_input_bytes} bytes")
    try:
        check_tree(value, limits.max_json_depth)
    except JsonInputError as error:
        raise InvalidFactoryInput(f"factory_input must be valid JSON: {error}") from error
    return value


class WorkflowSocket:
    """One WebSocket connection: authenticate, then start and continue workflow runs."""

    def __init__(self, websocket: WebSocket, path_workflow_id: str | None) -> None:
        self.websocket = websocket
        self.path_workflow_id = path_workflow_id
        self.state: ServerState = server_state(websocket)
        self.verified: Verified = verified_from(websocket)
        self.authenticated = bool(websocket.scope.get("state", {}).get("ws_authenticated"))
        # The token that verified this socket (checked again before every run), or None.
        self.token: str | None = None
        if self.authenticated:
            self.token = bearer_token(websocket.headers.get("authorization", ""))

    async def serve(self) -> None:
        await self.websocket.accept()
        requires_auth = self.state.requires_auth and not self.authenticated
        await self.send(
            {
                "event": "connected",
                "message": "Connected to AgentOS. Please authenticate to continue."
                if requires_auth
                else "Connected to AgentOS.",
                "requires_auth": requires_auth,
            }
        )
        try:
            while True:
                received = await self.websocket.receive()
                if received["type"] == "websocket.disconnect":
                    return
                await self.handle_frame(received.get("text"), received.get("bytes"))
        except WebSocketDisconnect:
            return

    async def send(self, payload: Mapping[str, Any]) -> None:
        await self.websocket.send_text(json.dumps(payload, ensure_ascii=False))

    async def send_error(self, error: HTTPException) -> None:
        await self.send(
            {
                "event": "error",
                "error": error.detail,
                "status": error.status_code,
                "error_type": error_type_of(error),
            }
        )

    async def handle_frame(self, text: str | None, data: bytes | None) -> None:
        try:
            message = self.parse(text, data)
            await self.dispatch(message)
        except HTTPException as error:
            await self.send_error(error)
        except WebSocketDisconnect:
            raise
        except Exception as error:
            if WebSocketState.DISCONNECTED in (self.websocket.client_state, self.websocket.application_state):
                raise WebSocketDisconnect() from error
            log_failure(logger, error, "WebSocket message handling failed")
            await self.send(
                {"event": "error", "error": "Internal server error", "status": 500, "error_type": "server"}
            )

    def parse(self, text: str | None, data: bytes | None) -> dict[str, Any]:
        if text is None:
            raise BadRequest("Messages must be JSON text frames")
        limits = self.state.limits
        if len(text.encode("utf-8", "surrogatepass")) > limits.max_ws_message_bytes:
            raise PayloadTooLarge(f"Message exceeds {limits.max_ws_message_bytes} bytes")
        try:
            # factory_input gets its own, closer check; the frame as a whole allows one more level.
            message = loads_strict(text, limits.max_json_depth + 1)
        except JsonInputError as error:
            raise BadRequest(f"Messages must be JSON objects: {error}") from error
        if not isinstance(message, dict):
            raise BadRequest(f"Messages must be JSON objects, got {type(message).__name__}")
        return message

    async def dispatch(self, message: dict[str, Any]) -> None:
        action = message.get("action")
        if action == "authenticate":
            await self.authenticate(message)
        elif self.state.requires_auth and not self.authenticated:
            await self.send(
                {
                    "event": "auth_required",
                    "error": "Authentication required. Send authenticate action with valid JWT.",
                }
            )
        elif action == "ping":
            await self.send({"event": "pong"})
        elif action == "start-workflow":
            await self.start_workflow(message)
        elif action == "continue-workflow":
            await self.continue_workflow(message)
        else:
            raise BadRequest(f"Unknown action: {action}")

    async def authenticate(self, message: Mapping[str, Any]) -> None:
        token = message.get("token")
        if not isinstance(token, str) or not token:
            await self.send(
                {"event": "auth_error", "error": "Token is required", "error_type": "invalid_token"}
            )
            return
        verifier = self.state.verifier
        if verifier is None:
            # Nothing to verify against: the connection is open to all, as with no token at all.
            self.authenticated = True
            await self.send(
                {"event": "authenticated", "message": "Authentication is not required on this server."}
            )
            return
        raw = bearer_token(token) if token.lower().startswith("bearer ") else token
        try:
            verified = self.verify(raw)
        except TokenError as error:
            await self.send_auth_error(error)
            return
        self.verified = Verified(verified.user_id, verified.session_id, verified.claims, verified.scopes)
        self.authenticated = True
        self.token = raw
        await self.send(
            {"event": "authenticated", "message": "Authentication successful. You can now send commands."}
        )
        await self.send(
            {
                "event": "authenticated",
                "message": "JWT authentication successful.",
                "user_id": verified.user_id,
            }
        )

    def verify(self, token: str) -> VerifiedToken:
        verifier = self.state.verifier
        assert verifier is not None, "only a server with a verifier verifies socket tokens"
        verified = verifier.verify(token)
        problem = userless_token_problem(verifier, verified)
        if problem is not None:
            raise TokenError(problem)
        return verified

    async def send_auth_error(self, error: TokenError) -> None:
        error_type = "expired" if "expired" in error.detail.lower() else "invalid_token"
        await self.send({"event": "auth_error", "error": error.detail, "error_type": error_type})

    async def recheck_token(self) -> None:
        """Before a run: the socket's token must still be good (it expires during the socket's life)."""
        if self.token is None:
            return
        try:
            self.verify(self.token)
        except TokenError as error:
            await self.send_auth_error(error)
            await self.websocket.close(code=1008, reason=error.detail[:120])
            raise WebSocketDisconnect(code=1008, reason=error.detail) from error

    def frame_user_id(self, message: Mapping[str, Any]) -> str | None:
        """``ctx.user_id``: the token's user when it has one (the frame's dropped), else the frame's."""
        if self.verified.user_id:
            return self.verified.user_id
        return _text(message, "user_id")

    def workflow_id(self, message: Mapping[str, Any]) -> str:
        given = _text(message, "workflow_id")
        if self.path_workflow_id is not None:
            if given is not None and given != self.path_workflow_id:
                raise BadRequest("workflow_id in the message does not match the one in the URL")
            return self.path_workflow_id
        if given is None:
            raise BadRequest("workflow_id is required")
        return given

    async def start_workflow(self, message: Mapping[str, Any]) -> None:
        await self.recheck_token()
        registration = self.state.registration("workflow", self.workflow_id(message))
        text = _text(message, "message")
        if text is None:
            raise BadRequest("message is required")
        limits = self.state.limits
        if len(text.encode("utf-8")) > limits.max_message_bytes:
            raise PayloadTooLarge(f"message exceeds {limits.max_message_bytes} bytes")
        user_id = pick(self.verified.user_id, self.frame_user_id(message), "User ID", warn=True)
        session_id = pick(self.verified.session_id, _text(message, "session_id"), "Session ID", warn=True)
        factory_input = (
            factory_input_from_message(message.get("factory_input"), limits)
            if registration.is_factory
            else None
        )
        ctx = request_context(
            self.websocket, self.verified, user_id=user_id, session_id=session_id, input=factory_input
        )
        component = await resolve(registration, ctx)
        if component.db is not None:
            component.db = self.state.remember_db(component.db)
        execution = await start_run(
            "workflow",
            component,
            fallback_db=registration.db,
            message=text,
            session_id=session_id,
            user_id=user_id,
            owner=self.verified.owner,
            active=self.state.active,
        )
        await self.stream(execution)

    async def continue_workflow(self, message: Mapping[str, Any]) -> None:
        await self.recheck_token()
        registration = self.state.registration("workflow", self.workflow_id(message))
        run_id = _text(message, "run_id")
        if run_id is None:
            raise BadRequest("run_id is required")
        step_requirements = message.get("step_requirements") or []
        if not isinstance(step_requirements, list) or not all(isinstance(i, dict) for i in step_requirements):
            raise BadRequest("step_requirements must be a list of objects")
        user_id = pick(self.verified.user_id, self.frame_user_id(message), "User ID", warn=False)
        session_id = pick(self.verified.session_id, _text(message, "session_id"), "Session ID", warn=False)
        limits = self.state.limits
        factory_input = (
            factory_input_from_message(message.get("factory_input"), limits)
            if registration.is_factory
            else None
        )
        ctx = request_context(
            self.websocket, self.verified, user_id=user_id, session_id=session_id, input=factory_input
        )
        component = await resolve(registration, ctx)
        found = await self.state.find_run(registration, run_id, self.verified)
        if found is None or (session_id is not None and found[0].session_id != session_id):
            raise NotFound("Run not found")
        record, db = found
        execution = await continue_run(
            component,
            record,
            tool_decisions={},
            step_requirements=step_requirements,
            db=db,
            active=self.state.active,
        )
        await self.stream(execution)

    async def stream(self, execution: RunExecution) -> None:
        try:
            index = 0
            async for event in execution.events():
                await self.websocket.send_text(ws_frame(event, index))
                index += 1
        finally:
            await execution.close()


def websocket_router() -> APIRouter:
    router = APIRouter()

    @router.websocket("/workflows/ws")
    async def workflows_socket(websocket: WebSocket) -> None:
        await WorkflowSocket(websocket, path_workflow_id=None).serve()

    @router.websocket("/workflows/{workflow_id}/ws")
    async def workflow_socket(websocket: WebSocket, workflow_id: str) -> None:
        await WorkflowSocket(websocket, path_workflow_id=workflow_id).serve()

    return router
