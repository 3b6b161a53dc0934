"""The reference server's CLI app (demo factories and probes) served on an inherited socket.

The same app ``agentos-reference serve --with-probes`` builds, with the same start-up (runs a
crashed server left RUNNING are failed first) and the same serving (``serve_app``, default
bounds: connection cap, read timeouts, stall limit); only the listening
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

from agentos_reference import JWTAuth, Limits
from agentos_reference.cli import open_database
from agentos_reference.demo_factories import demo_os
from agentos_reference.serving import ServeOptions, serve_app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reference_app", description=__doc__.split("\n")[0])
    parser.add_argument("--fd", type=int, required=True, help="an inherited, bound listening socket")
    parser.add_argument("--db", required=True, help="SQLite file")
    parser.add_argument("--jwt-secret-env", help="environment variable holding an HS256 secret")
    defaults = ServeOptions()
    parser.add_argument("--stall-timeout", type=float, default=defaults.stall_timeout)
    parser.add_argument("--header-timeout", type=float, default=defaults.header_timeout)
    args = parser.parse_args(argv)
    secret = os.environ.get(args.jwt_secret_env) if args.jwt_secret_env else None
    auth = JWTAuth(secret=secret) if secret else None
    options = ServeOptions(stall_timeout=args.stall_timeout, header_timeout=args.header_timeout)
    limits = Limits(body_read_timeout_seconds=options.body_timeout)
    with open_database(args.db) as db:
        app = demo_os(db, auth=auth, with_probes=True, limits=limits).get_app()
        serve_app(app, socket.socket(fileno=args.fd), options, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
