"""A real agno 3.1.10 AgentOS carrying the suite's probes, for the integration tests.

The app registers ``probe_factories(db)`` beside a plain prototype agent
``proto-agent`` on a SQLite file, with agno's ``JWTMiddleware`` (HS256, no
RBAC) or with no auth at all. Run it as a module::

    python -m tests.integration.agno_app --port 7777 --auth jwt --db /tmp/os.db --jwt-secret <32+ bytes>

``--user-isolation`` turns on agno's per-user data isolation (``AgentOS(user_isolation=True)``
and ``JWTMiddleware(user_isolation=True)``): each verified user reads and acts on its own runs
and sessions only, and a token without a user is refused (wire notes section 12).

It always listens on 127.0.0.1. ``--fd`` serves an already bound listening
socket instead of ``--port``, so a parent process can pick a free port without
a race.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import uvicorn
from agno.agent import Agent, AgentFactory
from agno.db.sqlite import SqliteDb
from agno.os import AgentOS
from agno.os.middleware.jwt import JWTMiddleware
from fastapi import FastAPI
from pydantic import BaseModel, Field

from agentos_contract.probes.agno import ProbeEchoModel, probe_factories
from tests.integration.agno_server import AUTH_ENVIRONMENT, AUTH_MODES, JWT_ALGORITHM, AuthMode

# PyJWT warns about shorter HMAC keys (RFC 7518 section 3.2).
MIN_SECRET_BYTES = 32
PROTO_AGENT_ID = "proto-agent"
DB_ID = "agentos-contract-agno-db"


class HarnessConfigError(ValueError):
    """The harness was asked for an app it cannot build (bad auth mode or secret)."""


def _proto_reply(message: str | None) -> str:
    return json.dumps({"agent": PROTO_AGENT_ID, "message": message}, sort_keys=True)


CODEGEN_AGENT_ID = "codegen-agent"


class CodegenInputV1(BaseModel):
    """The codegen test factory's input before the schema change."""

    topic: str
    depth: int = Field(default=1, ge=1, le=5)
    tags: list[str] = Field(default_factory=list)


class CodegenInputV2(BaseModel):
    """After the change: ``depth`` is bounded at 10 and required, ``audience`` is new, ``tags`` gone."""

    topic: str
    depth: int = Field(ge=1, le=10)
    audience: str


def _codegen_factory(db: SqliteDb) -> AgentFactory:
    def build(ctx: object) -> Agent:
        return Agent(id=CODEGEN_AGENT_ID, model=ProbeEchoModel(reply=_proto_reply), db=db, telemetry=False)

    return AgentFactory(
        id=CODEGEN_AGENT_ID, db=db, factory=build, name=CODEGEN_AGENT_ID, input_schema=CodegenInputV1
    )


def _add_schema_switch(app: FastAPI, factory: AgentFactory) -> None:
    """``POST /_test/codegen-schema/v2``: the factory's input_schema changes, as a redeploy would.

    agno builds discovery's factory_input_schema from ``factory.input_schema`` on every request.
    """

    @app.post("/_test/codegen-schema/{variant}")
    def switch(variant: str) -> dict[str, str]:
        factory.input_schema = CodegenInputV2 if variant == "v2" else CodegenInputV1
        return {"input_schema": factory.input_schema.__name__}


def build_app(
    *,
    auth: AuthMode,
    db_file: Path,
    jwt_secret: str | None = None,
    codegen_factory: bool = False,
    user_isolation: bool = False,
) -> FastAPI:
    if auth not in AUTH_MODES:
        raise HarnessConfigError(f"auth must be one of {AUTH_MODES}, got {auth!r}")
    verifies_tokens = auth != "none"
    if verifies_tokens and (jwt_secret is None or len(jwt_secret.encode()) < MIN_SECRET_BYTES):
        raise HarnessConfigError(f"auth={auth} needs a jwt_secret of at least {MIN_SECRET_BYTES} bytes")
    db = SqliteDb(db_file=str(db_file), id=DB_ID)
    probes = probe_factories(db)
    proto = Agent(
        id=PROTO_AGENT_ID,
        name=PROTO_AGENT_ID,
        model=ProbeEchoModel(reply=_proto_reply),
        db=db,
        telemetry=False,
    )
    extra = [_codegen_factory(db)] if codegen_factory else []
    agent_os = AgentOS(
        id="agentos-contract-agno",
        description="agno 3.1.10 AgentOS with the agentos-contract probes",
        agents=[proto, *probes.agents, *extra],
        teams=probes.teams,
        workflows=probes.workflows,
        telemetry=False,
        user_isolation=user_isolation,
    )
    app = agent_os.get_app()
    if extra:
        _add_schema_switch(app, extra[0])
    if verifies_tokens and jwt_secret is not None:
        app.add_middleware(
            JWTMiddleware,
            verification_keys=[jwt_secret],
            algorithm=JWT_ALGORITHM,
            authorization=False,
            user_id_claim="sub",
            session_id_claim="session_id",
            scopes_claim="scopes",
            # The middleware, not AgentOS, sets each request's isolation flag on a manual setup.
            user_isolation=user_isolation,
        )
    return app


def _listening_socket(args: argparse.Namespace) -> socket.socket:
    if args.fd is not None:
        return socket.socket(fileno=args.fd)
    # IPPROTO_TCP for TCP_NODELAY, see agno_server.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    return sock


def _ws_implementation() -> Literal["websockets-sansio", "auto"]:
    # uvicorn's legacy websockets implementation warns on every start (wire notes section 11).
    from uvicorn.config import WS_PROTOCOLS

    return "websockets-sansio" if "websockets-sansio" in WS_PROTOCOLS else "auto"


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.integration.agno_app", description=__doc__.split("\n")[0]
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", type=int, help="port on 127.0.0.1 to listen on")
    where.add_argument("--fd", type=int, help="an inherited, bound listening socket to serve")
    parser.add_argument("--auth", choices=AUTH_MODES, required=True)
    parser.add_argument("--db", type=Path, required=True, help="SQLite file (created when missing)")
    parser.add_argument("--jwt-secret", help=f"HS256 secret, at least {MIN_SECRET_BYTES} bytes (auth=jwt)")
    parser.add_argument(
        "--user-isolation", action="store_true", help="agno's per-user data isolation (user_isolation=True)"
    )
    parser.add_argument("--log-level", default="warning")
    parser.add_argument(
        "--codegen-factory",
        action="store_true",
        help=f"add {CODEGEN_AGENT_ID!r} and POST /_test/codegen-schema/v2 to change its input_schema",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    # The harness never phones home, whatever the caller's environment says.
    os.environ["AGNO_TELEMETRY"] = "false"
    for name in AUTH_ENVIRONMENT:
        os.environ.pop(name, None)
    try:
        app = build_app(
            auth=args.auth,
            db_file=args.db,
            jwt_secret=args.jwt_secret,
            codegen_factory=args.codegen_factory,
            user_isolation=args.user_isolation,
        )
    except HarnessConfigError as exc:
        print(f"agno_app: {exc}", file=sys.stderr)
        return 2
    config = uvicorn.Config(app, log_level=args.log_level, ws=_ws_implementation(), lifespan="on")
    uvicorn.Server(config).run(sockets=[_listening_socket(args)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
