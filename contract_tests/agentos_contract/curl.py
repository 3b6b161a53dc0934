"""Render an exchange as a command a person can paste into a shell to see it again.

HTTP requests become ``curl`` with one ``-F`` per multipart field. curl gives ``@``/``<``
at the start of an ``-F`` value (file upload) and ``;type=``-style suffixes a meaning, so
such values are sent with ``--form-string``, which curl never interprets. WebSocket
conversations become a short Python program (the ``websockets`` client) that sends the
same frames.
"""

from __future__ import annotations

import shlex

from agentos_contract.model import Exchange
from agentos_contract.target import TOKEN_PLACEHOLDER, TOKEN_VARIABLE, header_variable


def _form_option(name: str, value: str) -> str:
    field = f"{name}={value}"
    if value.startswith(("@", "<")) or ";" in value or "\n" in value or "\r" in value:
        return f"--form-string {shlex.quote(field)}"
    return f"-F {shlex.quote(field)}"


def _needs(exchange: Exchange) -> str:
    """What the replay reads from the environment: reports never hold a token or a secret."""
    notes = []
    if exchange.token_claims is not None:
        notes.append(
            f"# ${TOKEN_VARIABLE}: a token the deployment accepts, with claims {exchange.token_claims}"
        )
    for name, value in exchange.headers:
        if value == f"${{{header_variable(name)}}}":
            notes.append(f"# ${header_variable(name)}: the value of your {name} header (-H)")
    return "".join(note + "\n" for note in notes)


def _header_option(name: str, value: str) -> str:
    if "${" in value:  # expanded by the shell from the environment
        return f'-H "{name}: {value}"'
    return f"-H {shlex.quote(f'{name}: {value}')}"


def render_curl(exchange: Exchange) -> str:
    """A runnable, multipart-correct curl command for an HTTP exchange, preceded by the
    environment variables it reads (a token with which claims, gateway headers)."""
    if exchange.is_websocket:
        return render_websocket(exchange)
    parts = ["curl", "-sS", "-i"]
    if exchange.method != "GET" or exchange.form is not None:
        parts += ["-X", exchange.method]
    parts.append(shlex.quote(exchange.url))
    for name, value in exchange.headers:
        parts.append(_header_option(name, value))
    for name, value in exchange.form or ():
        parts.append(_form_option(name, value))
    return _needs(exchange) + " ".join(parts)


def render_websocket(exchange: Exchange) -> str:
    """A runnable Python program replaying the frames a WebSocket conversation sent."""
    lines = [
        "python - <<'EOF'",
        *(["import os"] if any(TOKEN_PLACEHOLDER in frame for frame in exchange.ws_sent) else []),
        "from websockets.sync.client import connect",
        f"with connect({exchange.url!r}) as ws:",
        "    print(ws.recv(timeout=10))",
    ]
    for frame in exchange.ws_sent:
        if TOKEN_PLACEHOLDER in frame:
            lines.append(
                f"    ws.send({frame!r}.replace({TOKEN_PLACEHOLDER!r}, os.environ[{TOKEN_VARIABLE!r}]))"
            )
        else:
            lines.append(f"    ws.send({frame!r})")
        lines.append("    try:")
        lines.append("        while True: print(ws.recv(timeout=2))")
        lines.append("    except TimeoutError: pass")
    lines.append("EOF")
    return _needs(exchange) + "\n".join(lines)
