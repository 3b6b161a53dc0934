"""The floor: a bare FastAPI endpoint that parses the same run form and validates the same input.

It does what every AgentOS run route must do before any factory work (read the form, parse
``factory_input`` as JSON, validate it against the input schema, answer JSON) and nothing else:
no factory, no model, no storage. A server cannot be faster than this on the same stack
(FastAPI + uvicorn, one process), so the reference server's throughput is reported as a fraction
of it.

    python -m bench.floor_app --fd 3     # serve an inherited, bound listening socket
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
import uuid
from collections.abc import Sequence
from typing import Annotated, Any

import uvicorn
from fastapi import FastAPI, Form, HTTPException
from pydantic import BaseModel, ValidationError


class ProbeRequiredInput(BaseModel):
    """The probe protocol's required-field schema (docs/probe-protocol.md section 2)."""

    tenant: str
    depth: int = 1


def build_app() -> FastAPI:
    app = FastAPI(title="floor")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/agents/{agent_id}/runs")
    async def run(
        agent_id: str,
        message: Annotated[str, Form()],
        stream: Annotated[bool, Form()] = True,
        session_id: Annotated[str | None, Form()] = None,
        user_id: Annotated[str | None, Form()] = None,
        factory_input: Annotated[str | None, Form()] = None,
    ) -> dict[str, Any]:
        try:
            raw = json.loads(factory_input) if factory_input else {}
        except ValueError as error:
            raise HTTPException(400, f"factory_input must be valid JSON: {error}") from error
        if not isinstance(raw, dict):
            raise HTTPException(400, f"factory_input must be a JSON object, got {type(raw).__name__}")
        try:
            validated = ProbeRequiredInput.model_validate(raw)
        except ValidationError as error:
            raise HTTPException(400, f"factory_input validation failed: {error}") from error
        return {
            "run_id": str(uuid.uuid4()),
            "agent_id": agent_id,
            "session_id": session_id or str(uuid.uuid4()),
            "user_id": user_id,
            "content": json.dumps({"message": message, "input": validated.model_dump()}),
            "status": "COMPLETED",
            "created_at": int(time.time()),
        }

    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor_app", description=__doc__.split("\n")[0])
    parser.add_argument("--fd", type=int, required=True, help="an inherited, bound listening socket")
    args = parser.parse_args(argv)
    config = uvicorn.Config(build_app(), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=args.fd)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
