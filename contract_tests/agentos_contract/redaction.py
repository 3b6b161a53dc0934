"""The last guard between a run and its reports: no secret and no usable token is written.

Exchanges already keep tokens and gateway header values out (they record where a replay reads
them from); this pass also catches anything that slipped into observed text, such as a server
echoing a header back: every JWT-shaped string and every secret the run was given becomes
``<redacted>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from agentos_contract.config import SuiteConfig

# Three base64url segments, the first a JSON header ("eyJ" is '{"' encoded).
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
REDACTED = "<redacted>"
# Shorter values (a header like "1") would blank out ordinary text; such values are not secrets.
_MIN_SECRET_CHARS = 6


class Redactor:
    def __init__(self, secrets: Iterable[str]) -> None:
        kept = sorted({s for s in secrets if len(s) >= _MIN_SECRET_CHARS}, key=len, reverse=True)
        self._secrets = re.compile("|".join(re.escape(s) for s in kept)) if kept else None

    @classmethod
    def for_config(cls, config: SuiteConfig) -> Redactor:
        secrets: list[str] = [value for _, value in config.connection.headers]
        if config.minter is not None:
            secrets.append(config.minter.key)
        if config.token is not None:
            secrets.append(config.token.token)
        if config.identities is not None:
            secrets += [identity.token for identity in config.identities.identities]
        return cls(secrets)

    def text(self, text: str) -> str:
        if self._secrets is not None:
            text = self._secrets.sub(REDACTED, text)
        return _JWT.sub(REDACTED, text)

    def data(self, value: Any) -> Any:
        """The same over a JSON document."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(item) for item in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        return value
