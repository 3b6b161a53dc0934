"""Bearer tokens the suite sends: minted from a key it was given, taken from the team's own
identity provider, or one static token.

An *issuer* gives the suite tokens for the identities its checks ask for:

- :class:`TokenMinter`, with the deployment's key (``--jwt-secret``, ``--jwt-private-key``): exactly
  the identity, scopes and claims each check asks for;
- :class:`IdentityPool`, tokens an identity provider issued (``--identity NAME=TOKEN``): the suite
  reads each token's claims (without verifying them) and picks, per request, a token with what the
  check needs (a user or none, distinct users for two tenants, scopes); a check that needs a token
  no one gave is *not judged*, with that reason;
- :class:`TokenCommand`, a program that gets the wanted claims as JSON on stdin and prints a token
  (``--token-command``), for teams that mint through their provider's test tenant.

With ``--token`` alone the suite can only send that token, and reads which identity and scopes it
carries.
"""

from __future__ import annotations

import base64
import json
import secrets
import shlex
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import jwt

SYMMETRIC = ("HS256", "HS384", "HS512")
ASYMMETRIC = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA")


@dataclass(frozen=True)
class ClaimNames:
    user_id: str = "sub"
    session_id: str = "session_id"
    scopes: str = "scopes"

    def user(self, claims: Mapping[str, Any]) -> str | None:
        value = claims.get(self.user_id)
        return value if isinstance(value, str) else None

    def session(self, claims: Mapping[str, Any]) -> str | None:
        value = claims.get(self.session_id)
        return value if isinstance(value, str) else None

    def scope_set(self, claims: Mapping[str, Any]) -> frozenset[str]:
        value = claims.get(self.scopes)
        if isinstance(value, str):
            return frozenset(value.split())
        return frozenset(v for v in value if isinstance(v, str)) if isinstance(value, list) else frozenset()


class CannotIssue(Exception):
    """No token for what a check asks: the check is not judged, with this reason."""


@dataclass(frozen=True)
class Issued:
    token: str
    claims: dict[str, Any]


class TokenIssuer(Protocol):
    """Gives the suite tokens for the identities its checks ask for."""

    @property
    def claim_names(self) -> ClaimNames: ...

    def issue(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        scopes: Iterable[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> Issued:
        """A token for this identity (``user_id`` None: without a user claim; "": an empty one)."""
        ...

    def distinct_users(self, count: int, prefix: str) -> list[str]:
        """``count`` user ids whose tokens name different users (for checks of tenant isolation)."""
        ...

    def bind_caller(self, user_id: str) -> None:
        """``user_id`` is the run's own user, who sends every ordinary request."""
        ...

    def describe(self) -> str: ...


def read_claims(token: str) -> dict[str, Any]:
    """A token's payload, read without verification (only to know what to expect)."""
    try:
        decoded = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise ValueError(f"not a JWT: {exc}") from exc
    return dict(decoded)


@dataclass(frozen=True)
class TokenMinter:
    key: str
    algorithm: str
    claim_names: ClaimNames = ClaimNames()

    def __post_init__(self) -> None:
        if self.algorithm not in SYMMETRIC + ASYMMETRIC:
            raise ValueError(f"unsupported JWT algorithm {self.algorithm!r}")
        if not self.key:
            raise ValueError("an empty JWT key")
        try:  # a key that does not fit the algorithm fails here, before the first request
            jwt.encode({"probe": True}, self.key, algorithm=self.algorithm)
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            kind = "an HMAC secret" if self.algorithm in SYMMETRIC else "a PEM private key"
            raise ValueError(f"the JWT key does not fit {self.algorithm} (it needs {kind}): {exc}") from exc

    def issue(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        scopes: Iterable[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> Issued:
        claims = self.claims(user_id=user_id, session_id=session_id, scopes=scopes, extra=extra)
        return Issued(jwt.encode(claims, self.key, algorithm=self.algorithm), claims)

    def distinct_users(self, count: int, prefix: str) -> list[str]:
        return [f"{prefix}-{secrets.token_hex(6)}" for _ in range(count)]

    def bind_caller(self, user_id: str) -> None:
        return None  # every token is minted for exactly the user asked for

    def describe(self) -> str:
        return f"minted with the deployment's {self.algorithm} key"

    def claims(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        scopes: Iterable[str] = (),
        extra: Mapping[str, Any] | None = None,
        expires_in_s: int = 900,
    ) -> dict[str, Any]:
        now = int(time.time())
        payload: dict[str, Any] = {"iat": now, "exp": now + expires_in_s}
        if user_id is not None:
            payload[self.claim_names.user_id] = user_id
        if session_id is not None:
            payload[self.claim_names.session_id] = session_id
        payload[self.claim_names.scopes] = sorted(scopes)
        payload.update(extra or {})
        return payload

    def mint(self, **kwargs: Any) -> str:
        return jwt.encode(self.claims(**kwargs), self.key, algorithm=self.algorithm)

    def mint_expired(self) -> str:
        payload = self.claims(user_id="contract-expired")
        payload["iat"] = payload["exp"] = int(time.time()) - 3600
        return jwt.encode(payload, self.key, algorithm=self.algorithm)

    def mint_wrongly_signed(self) -> str:
        """A well-formed token signed with a key the deployment does not trust."""
        if self.algorithm in SYMMETRIC:
            return jwt.encode(
                self.claims(user_id="contract-forged"), secrets.token_hex(32), algorithm=self.algorithm
            )
        valid = self.mint(user_id="contract-forged")
        header, payload, signature = valid.split(".")
        flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
        return ".".join((header, payload, flipped))

    def mint_alg_none(self) -> str:
        def segment(data: Mapping[str, Any]) -> str:
            raw = json.dumps(data, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        return f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(self.claims(user_id='contract-none'))}."


@dataclass(frozen=True)
class StaticToken:
    token: str
    claim_names: ClaimNames = ClaimNames()

    def claims(self) -> dict[str, Any]:
        """The token's payload, read without verification (only to know what to expect)."""
        try:
            return read_claims(self.token)
        except ValueError as exc:
            raise ValueError(f"--token is {exc}") from exc

    @property
    def user_id(self) -> str | None:
        return self.claim_names.user(self.claims())

    @property
    def session_id(self) -> str | None:
        return self.claim_names.session(self.claims())

    @property
    def scopes(self) -> frozenset[str]:
        return self.claim_names.scope_set(self.claims())


@dataclass(frozen=True)
class GivenIdentity:
    """One ``--identity NAME=TOKEN``, with the claims it carries."""

    name: str
    token: str
    claims: dict[str, Any]


@dataclass
class IdentityPool:
    """Tokens the team's identity provider issued; the suite picks one per request."""

    identities: Sequence[GivenIdentity]
    claim_names: ClaimNames = ClaimNames()
    _assigned: dict[str, GivenIdentity] = field(default_factory=dict)

    @classmethod
    def parse(cls, entries: Iterable[str], claim_names: ClaimNames) -> IdentityPool:
        identities: list[GivenIdentity] = []
        for entry in entries:
            name, sep, token = entry.partition("=")
            name, token = name.strip(), token.strip()
            if not sep or not name or not token:
                raise ValueError(f"an identity is NAME=TOKEN, got {entry[:20]!r}...")
            try:
                claims = read_claims(token)
            except ValueError as exc:
                raise ValueError(f"identity {name!r}: the token is {exc}") from exc
            if any(given.name == name for given in identities):
                raise ValueError(f"identity {name!r} is given twice")
            identities.append(GivenIdentity(name, token, claims))
        if not identities:
            raise ValueError("no identities given")
        return cls(identities, claim_names)

    def _with_user(self, user_id: str | None) -> list[GivenIdentity]:
        names = self.claim_names
        if user_id is None:
            return [i for i in self.identities if names.user_id not in i.claims]
        if user_id == "":
            return [i for i in self.identities if i.claims.get(names.user_id) == ""]
        return [i for i in self.identities if names.user(i.claims)]

    def issue(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        scopes: Iterable[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> Issued:
        """The token that best fits: the user asked for (a requested user id keeps its token for
        the run), then a session claim when one is wanted (none otherwise), then the most of the
        wanted scopes and the fewest others. Claims the checks would add (``extra``) cannot be
        added to a given token: the checks judge by the token's own claims."""
        if user_id and user_id in self._assigned:
            chosen = self._assigned[user_id]
            return Issued(chosen.token, dict(chosen.claims))
        candidates = self._with_user(user_id)
        if not candidates:
            what = {None: "without a user claim", "": "with an empty user claim"}.get(user_id, "with a user")
            raise CannotIssue(f"no --identity token {what} ({self.claim_names.user_id!r}) was given")
        wanted = set(scopes)
        used = {id(i): sum(1 for a in self._assigned.values() if a is i) for i in candidates}

        def fit(identity: GivenIdentity) -> tuple[int, int, int, int]:
            has_session = self.claim_names.session(identity.claims) is not None
            held = self.claim_names.scope_set(identity.claims)
            return (
                int(has_session == (session_id is not None)),
                len(wanted & held),
                -len(held - wanted),
                -used[id(identity)],
            )

        chosen = max(candidates, key=fit)
        if user_id:
            self._assigned[user_id] = chosen
        return Issued(chosen.token, dict(chosen.claims))

    def distinct_users(self, count: int, prefix: str) -> list[str]:
        users: dict[str, GivenIdentity] = {}
        for identity in self._with_user("any"):
            users.setdefault(str(self.claim_names.user(identity.claims)), identity)
        if len(users) < count:
            raise CannotIssue(
                f"this needs {count} --identity tokens naming different users; {len(users)} given"
            )
        ids = [f"{prefix}-{secrets.token_hex(6)}" for _ in range(count)]
        for requested, identity in zip(ids, list(users.values())[:count], strict=True):
            self._assigned[requested] = identity
        return ids

    def bind_caller(self, user_id: str) -> None:
        """The run's own user is the given user with the most scopes: ordinary requests (WebSocket
        runs among them, which agno refuses without a run scope) go out as a fully able user;
        checks that need fewer scopes ask for another user."""
        users = self._with_user("any")
        if users:
            self._assigned[user_id] = max(users, key=lambda i: len(self.claim_names.scope_set(i.claims)))

    def describe(self) -> str:
        return f"{len(self.identities)} identity tokens ({', '.join(i.name for i in self.identities)})"


@dataclass
class TokenCommand:
    """A program that gets the wanted claims as JSON on stdin and prints one token."""

    command: str
    claim_names: ClaimNames = ClaimNames()
    timeout_s: float = 30.0
    _cache: dict[str, Issued] = field(default_factory=dict)

    def wanted(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        scopes: Iterable[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        claims: dict[str, Any] = {}
        if user_id is not None:
            claims[self.claim_names.user_id] = user_id
        if session_id is not None:
            claims[self.claim_names.session_id] = session_id
        claims[self.claim_names.scopes] = sorted(scopes)
        claims.update(extra or {})
        return claims

    def issue(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        scopes: Iterable[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> Issued:
        request = json.dumps(
            self.wanted(user_id=user_id, session_id=session_id, scopes=scopes, extra=extra), sort_keys=True
        )
        if request not in self._cache:
            token = self.run(request)
            try:
                claims = read_claims(token)
            except ValueError as exc:
                raise CannotIssue(f"--token-command printed something that is {exc}") from exc
            self._cache[request] = Issued(token, claims)
        return self._cache[request]

    def run(self, request: str) -> str:
        try:
            done = subprocess.run(
                shlex.split(self.command),
                input=request,
                capture_output=True,
                text=True,
                timeout=self.timeout_s,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CannotIssue(f"--token-command could not run: {exc}") from exc
        if done.returncode != 0:
            raise CannotIssue(
                f"--token-command exited {done.returncode}: {done.stderr.strip()[-200:] or '(no stderr)'}"
            )
        token = done.stdout.strip()
        if not token:
            raise CannotIssue("--token-command printed no token")
        return token

    def distinct_users(self, count: int, prefix: str) -> list[str]:
        return [f"{prefix}-{secrets.token_hex(6)}" for _ in range(count)]

    def bind_caller(self, user_id: str) -> None:
        return None

    def describe(self) -> str:
        return "issued by --token-command"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
