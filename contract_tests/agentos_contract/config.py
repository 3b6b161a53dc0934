"""Everything a run is configured with, checked once, before a single request is sent."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from agentos_contract.tokens import (
    CannotIssue,
    ClaimNames,
    IdentityPool,
    StaticToken,
    TokenCommand,
    TokenIssuer,
    TokenMinter,
)


class ConfigError(ValueError):
    """A bad option: the run cannot start (exit code 2)."""


@dataclass(frozen=True)
class Connection:
    """How the suite reaches the deployment: gateway headers, TLS, an explicit proxy."""

    headers: tuple[tuple[str, str], ...] = ()
    ca_cert: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    insecure: bool = False
    proxy: str | None = None

    def ssl_context(self) -> ssl.SSLContext | bool:
        """What httpx verifies the server with (False: nothing, with --insecure)."""
        if self.insecure:
            return False
        try:
            if self.ca_cert is not None:
                context = ssl.create_default_context(cafile=str(self.ca_cert))
            else:
                import certifi  # httpx's own trust store

                context = ssl.create_default_context(cafile=certifi.where())
            if self.client_cert is not None:
                context.load_cert_chain(
                    str(self.client_cert), str(self.client_key) if self.client_key is not None else None
                )
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise ConfigError(f"cannot load the TLS material: {exc}") from exc
        return context

    def __post_init__(self) -> None:
        if self.client_key is not None and self.client_cert is None:
            raise ConfigError("--client-key needs --client-cert")
        if self.insecure and self.ca_cert is not None:
            raise ConfigError("give --ca-cert or --insecure, not both")
        if self.proxy is not None:
            try:
                url = httpx.URL(self.proxy)
            except httpx.InvalidURL as exc:
                raise ConfigError(f"--proxy is not a URL: {exc}") from exc
            if url.scheme not in ("http", "https", "socks5") or not url.host:
                raise ConfigError(f"--proxy must be an http(s):// or socks5:// URL, got {self.proxy!r}")
        for name, value in self.headers:
            if name.lower() == "authorization":
                raise ConfigError(
                    "-H Authorization: the suite sends its own bearer tokens; give --token or --identity"
                )
            if not name or any(c in name for c in " :\r\n") or any(c in value for c in "\r\n"):
                raise ConfigError(f"a header is 'Name: value', got {name!r}")


@dataclass(frozen=True)
class SuiteConfig:
    profile: str = "spec"
    seed: int = 0
    max_examples: int = 50
    max_requests: int = 20_000
    time_budget_s: float = 600.0
    request_timeout_s: float = 30.0
    allow_runs: int = 0
    minter: TokenMinter | None = None
    token: StaticToken | None = None
    identities: IdentityPool | None = None
    token_command: TokenCommand | None = None
    baseline: Path | None = None
    shrink: bool = True
    only_clauses: frozenset[str] = field(default_factory=frozenset)
    connection: Connection = field(default_factory=Connection)
    min_judged: int = 0
    require_probes: bool = False
    workers: int = 1
    rate_limit: float | None = None

    def __post_init__(self) -> None:
        if self.max_examples < 1:
            raise ConfigError("--max-examples must be at least 1")
        if self.max_requests < 1:
            raise ConfigError("--max-requests must be at least 1")
        if self.time_budget_s <= 0 or self.request_timeout_s <= 0:
            raise ConfigError("--time-budget and --request-timeout must be positive")
        if self.allow_runs < 0:
            raise ConfigError("--allow-runs must not be negative")
        given = [self.minter, self.token, self.identities, self.token_command]
        if sum(item is not None for item in given) > 1:
            raise ConfigError(ONE_SOURCE)
        if self.min_judged < 0:
            raise ConfigError("--min-judged must not be negative")
        if not 1 <= self.workers <= 64:
            raise ConfigError("--workers must be between 1 and 64")
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise ConfigError("--rate-limit must be positive (requests per second)")

    @property
    def issuer(self) -> TokenIssuer | None:
        """Where tokens for chosen identities come from (None: one static token, or none)."""
        return self.minter or self.identities or self.token_command

    @property
    def jwt_mode(self) -> bool:
        return self.issuer is not None or self.token is not None


def make_identities(entries: list[str], claim_names: ClaimNames) -> IdentityPool | None:
    if not entries:
        return None
    try:
        return IdentityPool.parse(entries, claim_names)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


ONE_SOURCE = "give one source of tokens: a JWT key (to mint them), --identity, --token-command or --token"


def make_token_command(
    command: str | None, claim_names: ClaimNames, others: tuple[object, ...] = ()
) -> TokenCommand | None:
    """The command, tried once now so a broken one stops the run before its first request."""
    if not command:
        return None
    if any(other is not None for other in others):
        raise ConfigError(ONE_SOURCE)
    issuer = TokenCommand(command, claim_names)
    try:
        issuer.issue(user_id="agentos-contract-probe", scopes=())
    except CannotIssue as exc:
        raise ConfigError(str(exc)) from exc
    return issuer


def make_credentials(
    *,
    jwt_secret: str | None,
    jwt_private_key: Path | None,
    jwt_algorithm: str | None,
    token: str | None,
    claim_names: ClaimNames,
) -> tuple[TokenMinter | None, StaticToken | None]:
    if jwt_secret and jwt_private_key:
        raise ConfigError("give --jwt-secret or --jwt-private-key, not both")
    if (jwt_secret or jwt_private_key) and token is not None:
        raise ConfigError("give either a JWT key (to mint tokens) or --token, not both")
    key: str | None = jwt_secret
    if jwt_private_key is not None:
        try:
            key = jwt_private_key.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read --jwt-private-key {jwt_private_key}: {exc}") from exc
    if key is not None:
        algorithm = jwt_algorithm or ("HS256" if jwt_secret else "RS256")
        try:
            return TokenMinter(key, algorithm, claim_names), None
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
    if jwt_algorithm:
        raise ConfigError("--jwt-algorithm needs --jwt-secret or --jwt-private-key")
    if token is not None:
        static = StaticToken(token, claim_names)
        try:
            static.claims()
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        return None, static
    return None, None
