"""What the deployment enforces, found out once before the checks run.

A securely configured deployment refuses what an open one accepts: tokens without a user
(agno with ``user_isolation=True`` answers them 403), tokens without scopes (RBAC), and one
user's reads of another's runs. The suite must tell which, so that it sends every ordinary
request with a token the deployment accepts, judges a refusal as what it is, and says in the
report which setting each dependent clause was judged under.

Each question is answered by one or two requests; the answer is ``refused``/``accepted`` (or
``on``/``off``) with the evidence, or ``unknown`` with the reason it could not be asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentos_contract.spec import RBAC_SCOPES, REFUSALS

__all__ = ["NO_USER_REFUSED", "RBAC_SCOPES", "REFUSALS", "UNASKED", "Finding", "Posture"]
NO_USER_REFUSED = (
    "the deployment refuses tokens without a user (as tenant isolation asks): the form fallback, "
    "which applies only when no verified user is set, cannot be reached with a token"
)


@dataclass(frozen=True)
class Finding:
    """One answered question: the setting and what showed it."""

    setting: str
    evidence: str

    def render(self) -> str:
        return f"{self.setting} ({self.evidence})"


UNASKED = Finding("unknown", "not asked")


@dataclass(frozen=True)
class Posture:
    """The deployment's security settings as the suite found them."""

    no_user_tokens: Finding = UNASKED
    empty_user_tokens: Finding = UNASKED
    scopes: Finding = UNASKED
    isolation: Finding = UNASKED
    caller_scopes: tuple[str, ...] = ()

    @property
    def refuses_tokens_without_user(self) -> bool:
        return self.no_user_tokens.setting == "refused"

    @property
    def refuses_empty_user(self) -> bool:
        return self.empty_user_tokens.setting == "refused"

    @property
    def isolates(self) -> bool:
        return self.isolation.setting == "on"

    def lines(self) -> list[str]:
        return [
            f"tokens without a user: {self.no_user_tokens.render()}",
            f"tokens with an empty user: {self.empty_user_tokens.render()}",
            f"scopes enforced by the middleware: {self.scopes.render()}",
            f"tenant isolation: {self.isolation.render()}",
        ]

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {
            name: {"setting": finding.setting, "evidence": finding.evidence}
            for name, finding in (
                ("no_user_tokens", self.no_user_tokens),
                ("empty_user_tokens", self.empty_user_tokens),
                ("scopes", self.scopes),
                ("isolation", self.isolation),
            )
        }

    def conditions(self, clause_id: str) -> tuple[str, ...]:
        """The settings a clause's judgement depends on, as the report states them."""
        out = []
        for label, finding, clauses in (
            ("tokens without a user", self.no_user_tokens, _DEPENDS_ON_NO_USER),
            ("scopes enforced", self.scopes, _DEPENDS_ON_SCOPES),
            ("tenant isolation", self.isolation, _DEPENDS_ON_ISOLATION),
        ):
            if clause_id in clauses:
                out.append(f"{label}: {finding.setting}")
        return tuple(out)


# Which clauses are judged differently depending on each setting.
_DEPENDS_ON_NO_USER = frozenset({"C17", "C19", "C20", "C21", "H06"})
_DEPENDS_ON_SCOPES = frozenset({"C14", "C16", "C27", "C38"})
_DEPENDS_ON_ISOLATION = frozenset({"H05", "H06"})
