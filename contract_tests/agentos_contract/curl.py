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


def _form_option(name: str, value: str) -> str:
    field = f"{name}={value}"
    if value.startswith(("@", "<")) or ";" in value or "\n" in value or "\r" in value:
        return f"--form-string {shlex.quote(field)}"
    return f"-F {shlex.quote(field)}"


def render_curl(exchange: Exchange) -> str:
    """A runnable, multipart-correct curl command for an HTTP exchange."""
    if exchange.is_websocket:
        return render_websocket(exchange)
    parts = ["curl", "-sS", "-i"]
    if exchange.method != "GET" or exchange.form is not None:
        parts += ["-X", exchange.method]
    parts.append(shlex.quote(exchange.url))
    for name, value in exchange.headers:
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    for name, value in exchange.form or ():
        parts.append(_form_option(name, value))
    return " ".join(parts)


def render_websocket(exchange: Exchange) -> str:
    """A runnable Python program replaying the frames a WebSocket conversation sent."""
    lines = [
        "python - <<'EOF'",
        "from websockets.sync.client import connect",
        f"with connect({exchange.url!r}) as ws:",
        "    print(ws.recv(timeout=10))",
    ]
    for frame in exchange.ws_sent:
        lines.append(f"    ws.send({frame!r})")
        lines.append("    try:")
        lines.append("        while True: print(ws.recv(timeout=2))")
        lines.append("    except TimeoutError: pass")
    lines.append("EOF")
    return "\n".join(lines)
