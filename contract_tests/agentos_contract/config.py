"""Everything a run is configured with, checked once, before a single request is sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agentos_contract.tokens import ClaimNames, StaticToken, TokenMinter


class ConfigError(ValueError):
    """A bad option: the run cannot start (exit code 2)."""


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
    baseline: Path | None = None
    shrink: bool = True
    only_clauses: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.max_examples < 1:
            raise ConfigError("--max-examples must be at least 1")
        if self.max_requests < 1:
            raise ConfigError("--max-requests must be at least 1")
        if self.time_budget_s <= 0 or self.request_timeout_s <= 0:
            raise ConfigError("--time-budget and --request-timeout must be positive")
        if self.allow_runs < 0:
            raise ConfigError("--allow-runs must not be negative")
        if self.minter is not None and self.token is not None:
            raise ConfigError("give either a JWT key (to mint tokens) or --token, not both")

    @property
    def jwt_mode(self) -> bool:
        return self.minter is not None or self.token is not None


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
