"""The reference server's CLI app (demo factories and probes) served on an inherited socket.

The same app ``agentos-reference serve --with-probes`` builds, with the same start-up (runs a
crashed server left RUNNING are failed first) and the same uvicorn settings; only the listening
socket differs: the parent binds it (port 0, or the port of the server it replaces) and passes
it down, exactly as for the agno and floor servers, so all three are started the same way.

    python -m bench.reference_app --fd 3 --db /tmp/ref.sqlite3 [--jwt-secret-env NAME]
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Sequence

import uvicorn

from agentos_reference import JWTAuth
from agentos_reference.cli import open_database
from agentos_reference.demo_factories import demo_os


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reference_app", description=__doc__.split("\n")[0])
    parser.add_argument("--fd", type=int, required=True, help="an inherited, bound listening socket")
    parser.add_argument("--db", required=True, help="SQLite file")
    parser.add_argument("--jwt-secret-env", help="environment variable holding an HS256 secret")
    args = parser.parse_args(argv)
    secret = os.environ.get(args.jwt_secret_env) if args.jwt_secret_env else None
    auth = JWTAuth(secret=secret) if secret else None
    with open_database(args.db) as db:
        app = demo_os(db, auth=auth, with_probes=True).get_app()
        config = uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="on")
        uvicorn.Server(config).run(sockets=[socket.socket(fileno=args.fd)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
