"""``agentos-reference serve``: the reference server (demo factories, optionally the probes) on uvicorn."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI

from agentos_reference.auth.jwt import HMAC_ALGORITHMS, RSA_ALGORITHMS, JWTAuth
from agentos_reference.db_lock import DatabaseInUse, DatabaseLock
from agentos_reference.demo_factories import demo_os
from agentos_reference.limits import Limits
from agentos_reference.serving import ServeOptions, serve_app
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
    serve.add_argument("--jwt-audience", help="required 'aud' of every token (default: 'aud' is not checked)")
    serve.add_argument("--jwt-issuer", help="required 'iss' of every token (default: 'iss' is not checked)")
    serve.add_argument(
        "--jwt-leeway",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="clock skew tolerated on exp, nbf and iat (0 to 3600; default: 0)",
    )
    serve.add_argument(
        "--jwt-allow-no-exp",
        action="store_true",
        help="accept tokens without an 'exp' claim (default: refused with 401)",
    )
    serve.add_argument(
        "--with-probes", action="store_true", help="also serve the contract suite's probe factories"
    )
    bounds = ServeOptions()
    serve.add_argument(
        "--max-connections",
        type=int,
        default=bounds.max_connections,
        metavar="N",
        help=f"open connections at most; more get a 503 at once (default: {bounds.max_connections})",
    )
    serve.add_argument(
        "--header-timeout",
        type=float,
        default=bounds.header_timeout,
        metavar="SECONDS",
        help=f"a request head must arrive within this, else 408 (default: {bounds.header_timeout:g})",
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        default=bounds.body_timeout,
        metavar="SECONDS",
        help=f"a request body must arrive within this, else 408 (default: {bounds.body_timeout:g})",
    )
    serve.add_argument(
        "--stall-timeout",
        type=float,
        default=bounds.stall_timeout,
        metavar="SECONDS",
        help="a client that reads nothing of its answer for this long is dropped; a run it streams is"
        f" cancelled (default: {bounds.stall_timeout:g})",
    )
    serve.add_argument(
        "--keep-alive-timeout",
        type=int,
        default=bounds.keep_alive,
        metavar="SECONDS",
        help=f"an idle kept-alive connection is closed after this (default: {bounds.keep_alive})",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    return root


def auth_from(args: argparse.Namespace) -> JWTAuth | None:
    secret = args.jwt_secret or os.environ.get(SECRET_ENV) or None
    public_key = args.jwt_public_key.read_text(encoding="utf-8") if args.jwt_public_key else None
    if secret is None and public_key is None:
        token_options = (
            args.require_auth,
            args.jwt_algorithm,
            args.jwt_audience,
            args.jwt_issuer,
            args.jwt_leeway,
            args.jwt_allow_no_exp,
        )
        if any(token_options):
            raise ValueError(
                "--require-auth, --jwt-algorithm, --jwt-audience, --jwt-issuer, --jwt-leeway and"
                " --jwt-allow-no-exp need --jwt-secret or --jwt-public-key"
            )
        return None
    return JWTAuth(
        secret=secret,
        public_key=public_key,
        algorithms=tuple(args.jwt_algorithm or ()),
        user_id_claim=args.jwt_user_id_claim,
        session_id_claim=args.jwt_session_id_claim,
        scopes_claim=args.jwt_scopes_claim,
        required=args.require_auth,
        audience=args.jwt_audience,
        issuer=args.jwt_issuer,
        leeway_seconds=args.jwt_leeway,
        require_exp=not args.jwt_allow_no_exp,
    )


@contextmanager
def open_database(path: str) -> Iterator[SqliteDb]:
    """The server's database, locked for this process until the block ends (one server per file:
    ``DatabaseInUse`` when another process holds it, before anything is read or written).

    A run a crashed server left RUNNING would otherwise stay RUNNING forever, so it becomes ERROR
    first; that is only safe because no other server can be executing it.
    """
    with DatabaseLock(path):
        db = SqliteDb(path)
        try:
            abandoned = db.fail_abandoned_runs()
            if abandoned:
                logger.warning(
                    "%d run(s) left RUNNING by a previous server in %s are now ERROR", abandoned, path
                )
            yield db
        finally:
            db.close()


def serve_options_from(args: argparse.Namespace) -> ServeOptions:
    return ServeOptions(
        max_connections=args.max_connections,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        stall_timeout=args.stall_timeout,
        keep_alive=args.keep_alive_timeout,
    )


def serve(args: argparse.Namespace) -> int:
    auth = auth_from(args)
    options = serve_options_from(args)
    limits = Limits(body_read_timeout_seconds=options.body_timeout)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    with open_database(args.db) as db:
        app = demo_os(db, auth=auth, with_probes=args.with_probes, limits=limits).get_app()
        return _serve_app(args, app, options)


def _serve_app(args: argparse.Namespace, app: FastAPI, options: ServeOptions) -> int:
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
    serve_app(app, listener, options, log_level=args.log_level)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return serve(args)
    except BrokenPipeError:
        raise  # our reader left: agentos_reference._console ends quietly, this is no error to report
    except (ValueError, OSError, sqlite3.Error, DatabaseInUse) as error:
        print(f"agentos-reference: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
