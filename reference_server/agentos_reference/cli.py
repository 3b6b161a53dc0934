"""``agentos-reference serve``: the reference server (demo factories, optionally the probes) on uvicorn."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from agentos_reference.auth.jwt import HMAC_ALGORITHMS, RSA_ALGORITHMS, JWTAuth
from agentos_reference.demo_factories import demo_os
from agentos_reference.storage import SqliteDb

SECRET_ENV = "AGENTOS_REFERENCE_JWT_SECRET"
LISTENING = "agentos-reference listening on"

logger = logging.getLogger("agentos_reference.cli")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="agentos-reference", description="The AgentOS factories reference server."
    )
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the demo factories over HTTP and WebSocket")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=7777, help="port (0 picks a free one; default: 7777)")
    serve.add_argument("--db", default="agentos-reference.sqlite3", help="SQLite file for sessions and runs")
    serve.add_argument(
        "--jwt-secret",
        help=f"HS* shared secret (at least 32 bytes); or set {SECRET_ENV} to keep it out of ps",
    )
    serve.add_argument("--jwt-public-key", type=Path, help="PEM file with the RS* public key")
    serve.add_argument(
        "--jwt-algorithm",
        action="append",
        choices=sorted(HMAC_ALGORITHMS | RSA_ALGORITHMS),
        help="accepted algorithm (repeatable; default: HS256 with a secret, RS256 with a public key)",
    )
    serve.add_argument("--jwt-user-id-claim", default="sub")
    serve.add_argument("--jwt-session-id-claim", default="session_id")
    serve.add_argument("--jwt-scopes-claim", default="scopes")
    serve.add_argument("--require-auth", action="store_true", help="refuse requests without a bearer token")
    serve.add_argument(
        "--with-probes", action="store_true", help="also serve the contract suite's probe factories"
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    return root


def auth_from(args: argparse.Namespace) -> JWTAuth | None:
    secret = args.jwt_secret or os.environ.get(SECRET_ENV) or None
    public_key = args.jwt_public_key.read_text(encoding="utf-8") if args.jwt_public_key else None
    if secret is None and public_key is None:
        if args.require_auth or args.jwt_algorithm:
            raise ValueError("--require-auth and --jwt-algorithm need --jwt-secret or --jwt-public-key")
        return None
    return JWTAuth(
        secret=secret,
        public_key=public_key,
        algorithms=tuple(args.jwt_algorithm or ()),
        user_id_claim=args.jwt_user_id_claim,
        session_id_claim=args.jwt_session_id_claim,
        scopes_claim=args.jwt_scopes_claim,
        required=args.require_auth,
    )


def open_database(path: str) -> SqliteDb:
    """The server's database, for a process that owns the file: a run a crashed server left
    RUNNING would otherwise stay RUNNING forever, so it becomes ERROR first."""
    db = SqliteDb(path)
    abandoned = db.fail_abandoned_runs()
    if abandoned:
        logger.warning("%d run(s) left RUNNING by a previous server in %s are now ERROR", abandoned, path)
    return db


def serve(args: argparse.Namespace) -> int:
    auth = auth_from(args)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    app = demo_os(open_database(args.db), auth=auth, with_probes=args.with_probes).get_app()
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only when the
    # listener says so, and without it every keep-alive request stalls ~40 ms (Nagle + delayed ACK).
    listener = socket.socket(
        socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    host, port = listener.getsockname()[:2]
    # Printed before serving so a parent process (the demo, tests) learns the port chosen for --port 0.
    print(f"{LISTENING} http://{host}:{port}", flush=True)
    config = uvicorn.Config(app, log_level=args.log_level, ws="websockets-sansio", lifespan="on")
    uvicorn.Server(config).run(sockets=[listener])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return serve(args)
    except BrokenPipeError:
        raise  # our reader left: agentos_reference._console ends quietly, this is no error to report
    except (ValueError, OSError, sqlite3.Error) as error:
        print(f"agentos-reference: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
