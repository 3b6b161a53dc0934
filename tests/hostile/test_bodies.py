"""Hostile bodies and ids on every kind: a clean 4xx, no 500, no factory invoked, nothing stored.

``tests/reference_server/test_hostile_input.py`` proves each refusal's status and text on the agent
route; this module adds the two invariants it does not check (the database's row counts do not
move, the probe ledger stays empty) on agents, teams and workflows alike, and pins what the
server does with repeated fields and with ids that look like paths.
"""

from __future__ import annotations

import gzip
import json
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from agentos_reference import Limits

from .conftest import (
    KINDS,
    Deployment,
    assert_json_refusal,
    client_for,
    echo_ctx,
    ledger,
    trace_header,
)

LIMITS = Limits()
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Hostile:
    """A raw request body (and its content type) and the status it must get."""

    body: bytes
    content_type: str
    status: int
    extra_headers: dict[str, str] = field(default_factory=dict)


def form(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def multipart(parts: Sequence[tuple[str, bytes]], boundary: str = "hostile") -> bytes:
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
        for name, value in parts
    ]
    return b"".join(chunks) + f"--{boundary}--\r\n".encode()


def nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


MP = "multipart/form-data; boundary=hostile"
HOSTILE: dict[str, Hostile] = {
    "factory_input one byte over its cap": Hostile(
        form(message="m", factory_input=json.dumps({"k": "x" * LIMITS.max_factory_input_bytes})),
        FORM_TYPE,
        413,
    ),
    "message one byte over its cap": Hostile(
        form(message="x" * (LIMITS.max_message_bytes + 1)), FORM_TYPE, 413
    ),
    "multipart message over its cap": Hostile(
        multipart([("message", "é".encode() * (LIMITS.max_message_bytes // 2 + 1))]), MP, 413
    ),
    "body over the request cap": Hostile(
        form(message="m", padding="x" * LIMITS.max_body_bytes), FORM_TYPE, 413
    ),
    "factory_input nested past the limit": Hostile(
        form(message="m", factory_input=nested(LIMITS.max_json_depth + 1)), FORM_TYPE, 400
    ),
    "factory_input 60k open brackets": Hostile(form(message="m", factory_input="[" * 60_000), FORM_TYPE, 400),
    "factory_input NaN": Hostile(form(message="m", factory_input='{"a": NaN}'), FORM_TYPE, 400),
    "factory_input Infinity deep inside": Hostile(
        form(message="m", factory_input='{"a": [1, {"b": -Infinity}]}'), FORM_TYPE, 400
    ),
    "factory_input with a lone surrogate escape": Hostile(
        form(message="m", factory_input='{"a": "\\udc00"}'), FORM_TYPE, 400
    ),
    "factory_input not an object": Hostile(form(message="m", factory_input="[1, 2]"), FORM_TYPE, 400),
    "factory_input truncated": Hostile(form(message="m", factory_input='{"a": '), FORM_TYPE, 400),
    "invalid UTF-8 in the raw form": Hostile(b"message=caf\xe9&stream=false", FORM_TYPE, 400),
    "invalid UTF-8 percent-encoded in factory_input": Hostile(
        b"message=m&factory_input=%7B%22a%22%3A%22%C3%28%22%7D", FORM_TYPE, 400
    ),
    "overlong UTF-8 encoding of '/'": Hostile(b"message=%C0%AF", FORM_TYPE, 400),
    "invalid UTF-8 in a multipart value": Hostile(multipart([("message", b"\xff\xfe")]), MP, 400),
    "invalid UTF-8 in a multipart field name": Hostile(
        b'--hostile\r\nContent-Disposition: form-data; name="mess\xffage"\r\n\r\nm\r\n--hostile--\r\n',
        MP,
        400,
    ),
    "multipart without its closing boundary": Hostile(
        b'--hostile\r\nContent-Disposition: form-data; name="message"\r\n\r\nm', MP, 400
    ),
    "multipart part without a name": Hostile(
        b"--hostile\r\nContent-Disposition: form-data\r\n\r\nm\r\n--hostile--\r\n", MP, 400
    ),
    "multipart without a boundary parameter": Hostile(
        multipart([("message", b"m")]), "multipart/form-data", 400
    ),
    "multipart with a boundary that never occurs": Hostile(
        multipart([("message", b"m")]), "multipart/form-data; boundary=elsewhere", 400
    ),
    "multipart header line without a colon": Hostile(
        b"--hostile\r\nContent-Disposition form-data\r\n\r\nm\r\n--hostile--\r\n", MP, 400
    ),
    "more form fields than allowed": Hostile(
        form(message="m", **{f"f{index}": "x" for index in range(LIMITS.max_form_fields + 1)}), FORM_TYPE, 400
    ),
    "more multipart parts than allowed": Hostile(
        multipart([("message", b"m")] * (LIMITS.max_form_fields + 1)), MP, 400
    ),
    "a file where the message belongs": Hostile(
        b'--hostile\r\nContent-Disposition: form-data; name="message"; filename="m.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nm\r\n--hostile--\r\n",
        MP,
        422,
    ),
    "JSON body instead of a form": Hostile(json.dumps({"message": "m"}).encode(), "application/json", 422),
    "empty body": Hostile(b"", FORM_TYPE, 422),
    "stream is not a boolean": Hostile(form(message="m", stream="sometimes"), FORM_TYPE, 422),
    "session_id longer than any id": Hostile(form(message="m", session_id="s" * 1025), FORM_TYPE, 422),
    "gzip-encoded body (never inflated)": Hostile(
        gzip.compress(form(message="m", padding="0" * 10_000_000)),
        FORM_TYPE,
        400,
        {"Content-Encoding": "gzip"},
    ),
    "negative Content-Length": Hostile(form(message="m"), FORM_TYPE, 400, {"Content-Length": "-5"}),
    "Content-Length beyond the cap": Hostile(
        form(message="m"), FORM_TYPE, 413, {"Content-Length": str(LIMITS.max_body_bytes + 1)}
    ),
}


async def assert_nothing_happened(
    served: Deployment, client: httpx.AsyncClient, before: dict[str, int], trace: str
) -> None:
    assert await served.rows() == before, "a refused request stored something"
    assert await ledger(client, trace) == [], "a refused request invoked a factory"


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_a_hostile_body_is_a_clean_4xx_and_leaves_no_trace(hs_server: Deployment, name: str) -> None:
    hostile = HOSTILE[name]
    trace, headers = trace_header()
    before = await hs_server.rows()
    async with client_for(hs_server.app) as client:
        for kind in KINDS:
            # The required-schema probe too: a refusal must come before validation could even matter.
            for probe in (f"probe-{kind}-echo", f"probe-{kind}-required"):
                response = await client.post(
                    f"/{kind}s/{probe}/runs",
                    content=hostile.body,
                    headers={**headers, "content-type": hostile.content_type, **hostile.extra_headers},
                )
                assert_json_refusal(response, hostile.status)
        await assert_nothing_happened(hs_server, client, before, trace)


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("tools", "[" * 10_000, 400),
        ("tools", '[{"tool_call_id": NaN}]', 400),
        ("requirements", '{"not": "a list"}', 400),
        ("tools", '"' + "x" * LIMITS.max_body_bytes + '"', 413),
        ("step_requirements", nested(LIMITS.max_json_depth + 1), 400),
        ("factory_input", '{"a": Infinity}', 400),
    ],
)
async def test_hostile_continue_fields_are_refused_and_leave_no_trace(
    hs_server: Deployment, field: str, value: str, status: int
) -> None:
    trace, headers = trace_header()
    async with client_for(hs_server.app) as client:
        kind = "workflow" if field in ("step_requirements", "factory_input") else "agent"
        paused = await client.post(
            f"/{kind}s/probe-{kind}-pause/runs", data={"message": "m", "stream": "false"}
        )
        assert paused.json()["status"] == "PAUSED", paused.text
        before = await hs_server.rows()
        run_id, session_id = paused.json()["run_id"], paused.json()["session_id"]
        response = await client.post(
            f"/{kind}s/probe-{kind}-pause/runs/{run_id}/continue",
            data={"stream": "false", "session_id": session_id, field: value},
            headers=headers,
        )
        assert_json_refusal(response, status)
        await assert_nothing_happened(hs_server, client, before, trace)
        stored = await client.get(
            f"/{kind}s/probe-{kind}-pause/runs/{run_id}", params={"session_id": session_id}
        )
        assert stored.json()["status"] == "PAUSED", "a refused continue changed the paused run"


# -- repeated fields ---------------------------------------------------------------------------------
# AgentOS (FastAPI forms) keeps the last of a repeated field (wire notes section 3); the reference
# server does the same. Hostile use would be to get one value validated and another one used.


def repeated(pairs: Sequence[tuple[str, str]]) -> bytes:
    return urllib.parse.urlencode(list(pairs)).encode()


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
@pytest.mark.parametrize("kind", KINDS)
async def test_the_value_validated_is_the_value_used(hs_server: Deployment, kind: str, encoding: str) -> None:
    def post(client: httpx.AsyncClient, pairs: list[tuple[str, str]]) -> Any:
        if encoding == "multipart":
            body, content_type = multipart([(name, value.encode()) for name, value in pairs]), MP
        else:
            body, content_type = repeated(pairs), FORM_TYPE
        return client.post(
            f"/{kind}s/probe-{kind}-required/runs", content=body, headers={"content-type": content_type}
        )

    base = [("message", "m"), ("stream", "false")]
    async with client_for(hs_server.app) as client:
        valid_then_invalid = await post(
            client, [*base, ("factory_input", '{"tenant": "a"}'), ("factory_input", "{}")]
        )
        assert_json_refusal(valid_then_invalid, 400)
        invalid_then_valid = await post(
            client, [*base, ("factory_input", "[1]"), ("factory_input", '{"tenant": "b"}')]
        )
        assert invalid_then_valid.status_code == 200, invalid_then_valid.text
        assert echo_ctx(invalid_then_valid.json())["input"] == {"tenant": "b", "depth": 1}

        identities = [
            ("message", "first"),
            ("message", "second"),
            ("stream", "true"),
            ("stream", "false"),
            ("user_id", "u-first"),
            ("user_id", "u-second"),
            ("session_id", "s-first"),
            ("session_id", "s-second"),
            ("factory_input", '{"tenant": "t"}'),
        ]
        response = await post(client, identities)
        assert response.headers["content-type"] == "application/json", "the last stream=false counts"
        output = response.json()
        ctx = echo_ctx(output)
        assert (ctx["user_id"], ctx["session_id"]) == ("u-second", "s-second")
        assert (output["user_id"], output["session_id"]) == ("u-second", "s-second")
        assert json.loads(output["content"])["message"] == "second"
        # Workflow reads invoke the factory, so they need a valid factory_input (spec table).
        read_input = {"factory_input": '{"tenant": "t"}'}
        stored = await client.get(
            f"/{kind}s/probe-{kind}-required/runs", params={"session_id": "s-second", **read_input}
        )
        assert [run["run_id"] for run in stored.json()] == [output["run_id"]]
        none = await client.get(
            f"/{kind}s/probe-{kind}-required/runs", params={"session_id": "s-first", **read_input}
        )
        assert none.status_code == 404


# -- ids that look like paths ------------------------------------------------------------------------

ODD_IDS = [
    "../../etc/passwd",
    "..%2F..%2Fagents%2Fprobe-agent-echo",
    "a/b/../c",
    "C:\\Windows\\system32",
    "%00",
    "nul\x00byte",
    "\u202eevil\u202c",
    "💥 session",
    "' OR '1'='1",
    "𝕊" * 200,
]


@pytest.mark.parametrize("kind", KINDS)
async def test_ids_that_look_like_paths_are_plain_data(hs_server: Deployment, kind: str) -> None:
    """Stored and read back byte for byte, each under its own key, never interpreted."""
    plural = f"{kind}s"
    async with client_for(hs_server.app) as client:
        runs: dict[str, str] = {}
        for odd in ODD_IDS:
            response = await client.post(
                f"/{plural}/probe-{kind}-echo/runs",
                data={"message": "m", "stream": "false", "session_id": odd, "user_id": odd},
            )
            assert response.status_code == 200, (odd, response.text)
            assert (response.json()["session_id"], response.json()["user_id"]) == (odd, odd)
            runs[odd] = response.json()["run_id"]
        for odd, run_id in runs.items():
            listed = await client.get(f"/{plural}/probe-{kind}-echo/runs", params={"session_id": odd})
            assert [run["run_id"] for run in listed.json()] == [run_id], odd
            read = await client.get(f"/{plural}/probe-{kind}-echo/runs/{run_id}", params={"session_id": odd})
            assert (read.json()["session_id"], read.json()["user_id"]) == (odd, odd)


PATH_TRICKS = [
    "..",
    "%2e%2e",
    "..%2F..%2Fagents%2Fprobe-agent-echo",
    "probe-agent-echo%2F..%2Fprobe-agent-echo",
    "probe-agent-echo%00",
    "probe-agent-ech%D0%BE",  # Cyrillic o
    "PROBE-AGENT-ECHO",
    "probe-agent-echo%20",
    "%EF%BD%90robe-agent-echo",  # full-width p
    "probe-agent-echo;x=1",
]


@pytest.mark.parametrize("trick", PATH_TRICKS)
async def test_component_ids_with_path_tricks_are_404s_that_store_nothing(
    hs_server: Deployment, trick: str
) -> None:
    trace, headers = trace_header()
    before = await hs_server.rows()
    async with client_for(hs_server.app) as client:
        for kind in KINDS:
            for suffix in ("runs", "runs/r/continue"):
                request = client.build_request(
                    "POST", "http://reference/", data={"message": "m", "stream": "false"}, headers=headers
                )
                # The raw path goes out untouched (httpx would otherwise normalise dot segments).
                request.url = request.url.copy_with(raw_path=f"/{kind}s/{trick}/{suffix}".encode())
                response = await client.send(request)
                assert_json_refusal(response, 404)
        await assert_nothing_happened(hs_server, client, before, trace)


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "1" + "0" * 400 + ".0"])
async def test_a_number_that_overflows_to_infinity_is_refused_like_infinity(
    hs_server: Deployment, literal: str
) -> None:
    trace, headers = trace_header()
    before = await hs_server.rows()
    async with client_for(hs_server.app) as client:
        for kind in KINDS:
            response = await client.post(
                f"/{kind}s/probe-{kind}-echo/runs",
                data={"message": "m", "stream": "false", "factory_input": f'{{"a": {literal}}}'},
                headers=headers,
            )
            assert_json_refusal(response, 400)
        await assert_nothing_happened(hs_server, client, before, trace)
