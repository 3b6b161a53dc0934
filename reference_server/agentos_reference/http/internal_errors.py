"""The last line of defence of every HTTP request: an exception no route turned into an answer.

The client gets a generic JSON 500 (never the exception's text) and the log gets one line naming
the error, its traceback at debug level only. Nothing re-raises it: Starlette's own handler would
send it on to uvicorn, which logs the whole traceback a second time.
"""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agentos_reference.logs import log_failure

logger = logging.getLogger("agentos_reference.app")


class InternalErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False
        response_complete = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started, response_complete
            if message["type"] == "http.response.start":
                response_started = True
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                response_complete = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            # The client left (mid-body, or before the answer could start): no one to answer, nothing failed.
            logger.debug("%s %s: the client disconnected", scope["method"], scope["path"])
        except Exception as error:
            log_failure(logger, error, "%s %s failed", scope["method"], scope["path"])
            if not response_started:
                response = JSONResponse({"detail": "Internal server error"}, status_code=500)
                await response(scope, receive, send)
            elif not response_complete:
                # Mid-stream: nothing more can be said, so the body ends here (a streamed run's client
                # sees a stream without its completion event).
                try:
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                except Exception as closing:  # the connection may be gone already
                    logger.debug("could not end the response: %s", closing)
