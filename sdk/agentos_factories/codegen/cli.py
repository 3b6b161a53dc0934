"""``agentos-factories``: the SDK's command line (``generate`` today).

    agentos-factories generate --url URL [--token T | AGENTOS_TOKEN=T] -o myapp/agentos_bindings.py
    agentos-factories generate --check -o myapp/agentos_bindings.py [--url URL]

Exit status: 0 written (or, with ``--check``, the deployment matches the module), 1 the
deployment's schemas changed (``--check``; what changed per factory on stdout), 2 it cannot run
(bad options or URL, deployment unreachable or not an AgentOS, unreadable or foreign file), with
one line on stderr and never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ._discovery import KINDS, discover
from ._errors import CodegenError

__all__ = ["main"]

TOKEN_ENV = "AGENTOS_TOKEN"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentos-factories", description="The agentos-factories SDK's tools."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    generate = commands.add_parser(
        "generate",
        help="write typed bindings from a live deployment, or --check them against it",
        description="Write a typed bindings module (factory_input models and a facade) from the "
        "deployment's discovery answers, or with --check compare a written module with it.",
    )
    generate.add_argument("--url", help="the deployment's base URL (with --check: default, the module's)")
    generate.add_argument("--token", help=f"bearer token for discovery (default: ${TOKEN_ENV})")
    generate.add_argument("-o", "--output", type=Path, required=True, help="the module to write or check")
    generate.add_argument(
        "--check", action="store_true", help="compare instead of writing: 0 match, 1 changed, 2 cannot run"
    )
    generate.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    return parser


def _generate(url: str, token: str | None, output: Path, timeout: float) -> int:
    from ._manifest import read_manifest
    from ._module import generation_time, render_module
    from ._schemas import fingerprint

    previous = None
    if output.exists():
        # Never overwrite a file this command did not write.
        previous = read_manifest(output)
    components = discover(url, token=token, timeout=timeout)
    schema_fingerprint = fingerprint(components)
    text = render_module(components, url=url, generated_at=generation_time(previous, schema_fingerprint, url))
    models = sum(1 for c in components if c.is_factory and c.input_schema is not None)
    counts = ", ".join(f"{sum(c.kind == kind for c in components)} {kind}s" for kind in KINDS)
    summary = f"{counts}, {models} models; {schema_fingerprint}"
    try:
        if previous is not None and output.read_text(encoding="utf-8") == text:
            print(f"{output} is up to date ({summary})")
            return 0
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(f".{output.name}.partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(output)
    except OSError as exc:
        raise CodegenError(f"cannot write {output}: {exc}") from None
    print(f"wrote {output} ({summary})")
    return 0


def _check(url: str | None, token: str | None, output: Path, timeout: float) -> int:
    from ._drift import drift
    from ._manifest import manifest_components, read_manifest
    from ._schemas import fingerprint

    manifest = read_manifest(output)
    recorded = manifest_components(manifest, output)
    target = url or str(manifest.get("deployment_url", ""))
    live = discover(target, token=token, timeout=timeout)
    if fingerprint(live) == manifest["schema_fingerprint"]:
        print(f"{output} matches {target} ({manifest['schema_fingerprint']})")
        return 0
    print(f"{output} no longer matches {target}:")
    for line in drift(recorded, live):
        print(f"  {line}")
    print(f"regenerate: agentos-factories generate --url {target} -o {output}")
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV) or None
    try:
        if not (args.timeout > 0):
            raise CodegenError(f"--timeout must be a positive number of seconds, not {args.timeout}")
        if args.check:
            return _check(args.url, token, args.output, args.timeout)
        if args.url is None:
            raise CodegenError("--url is required to generate (only --check reads it from the module)")
        return _generate(args.url, token, args.output, args.timeout)
    except CodegenError as error:
        print(f"agentos-factories: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("agentos-factories: interrupted", file=sys.stderr)
        return 2
    except Exception as error:  # never a traceback: the one line says what broke
        print(f"agentos-factories: unexpected {type(error).__name__}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
