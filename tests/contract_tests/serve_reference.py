"""Serve the reference server with probes on 127.0.0.1 for the suite's loopback test.

Run as ``python -m tests.contract_tests.serve_reference DB_PATH``; prints ``listening on URL``.
The listening socket is created with ``IPPROTO_TCP`` so asyncio sets TCP_NODELAY on every
accepted connection (it skips sockets whose ``proto`` is 0, and Nagle's algorithm then
stalls each keep-alive response by a delayed-ACK period, ~40 ms).
"""

from __future__ import annotations

import os
import socket
import sys

import uvicorn

from agentos_reference import JWTAuth, ReferenceOS, SqliteDb


def main() -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    secret = os.environ["AGENTOS_CONTRACT_TEST_SECRET"]
    app = ReferenceOS(
        db=SqliteDb(sys.argv[1]), with_probes=True, auth=JWTAuth(secret=secret, algorithms=("HS256",))
    ).get_app()
    print(f"listening on http://127.0.0.1:{listener.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="on")
    uvicorn.Server(config).run(sockets=[listener])


if __name__ == "__main__":
    main()
