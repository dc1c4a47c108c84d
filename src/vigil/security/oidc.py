"""OpenID Connect bearer tokens: JWTs verified against the issuer's JWKS (PyJWT), mapped to a
principal name and groups.

:class:`OidcVerifier` accepts ``Authorization: Bearer <JWT>`` tokens from one configured issuer.
It checks, with PyJWT's ``jwt.decode``, the signature against the issuer's published keys
(JWKS), the algorithm against an allow-list (never ``none``, never HMAC: a public key is no
shared secret), ``iss``, ``aud``, ``exp``, ``nbf`` and ``iat`` (with a small leeway), then maps
configurable claims (dotted paths such as ``realm_access.roles``) to a principal and its groups.

The JWKS is found through the issuer's discovery document
(``<issuer>/.well-known/openid-configuration``, OpenID Connect Discovery 1.0 §4) unless
``jwks_uri`` is configured, fetched over HTTP(S) with httpx, and cached for ``cache_ttl``; a
token whose ``kid`` is not in the cached set triggers one refetch (at most once per
``min_refresh_interval``), so an issuer's key rotation is picked up without restart.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from jwt import PyJWK, PyJWKSet

from vigil.security.errors import BearerTokenError

__all__ = ["ALLOWED_ALGORITHMS", "JwksCache", "OidcConfig", "OidcPrincipal", "OidcVerifier"]

ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
"""Asymmetric JWS algorithms a configuration may allow (RFC 7518 §3.1, RFC 8037)."""
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}


@dataclass(frozen=True)
class OidcConfig:
    """How tokens of one issuer are verified and mapped.

    Parameters
    ----------
    issuer : str
        The exact ``iss`` value (``https://login.example.com/realms/ml``).
    audience : str or sequence of str
        Accepted ``aud`` values (the client id Vigil is registered as).
    algorithms : sequence of str, default=("RS256", "ES256")
        Allowed JWS algorithms, a subset of :data:`ALLOWED_ALGORITHMS`.
    jwks_uri : str, optional
        Where the keys are; found by discovery when omitted.
    principal_claim : str, default="sub"
        The claim (dotted path) naming the principal: ``sub``, ``email``,
        ``preferred_username``.
    groups_claim : str, default="groups"
        The claim (dotted path) listing groups; absent means no groups.
    principal_prefix : str, default=""
        Prepended to the name (``oidc:``) so that OIDC principals cannot collide with local ones.
    leeway : timedelta, default=60 seconds
        Clock skew tolerated on ``exp``/``nbf``/``iat``.
    """

    issuer: str
    audience: str | Sequence[str]
    algorithms: Sequence[str] = ("RS256", "ES256")
    jwks_uri: str | None = None
    principal_claim: str = "sub"
    groups_claim: str = "groups"
    principal_prefix: str = ""
    leeway: timedelta = timedelta(seconds=60)

    def __post_init__(self) -> None:
        bad = [a for a in self.algorithms if a not in ALLOWED_ALGORITHMS]
        if bad or not self.algorithms:
            raise ValueError(
                f"algorithms must be a non-empty subset of {sorted(ALLOWED_ALGORITHMS)}. "
                f"Got {list(self.algorithms)!r} instead."
            )


@dataclass(frozen=True)
class OidcPrincipal:
    """Who a verified token speaks for."""

    name: str
    groups: tuple[str, ...]
    issuer: str
    subject: str
    expires_at: datetime
    claims: Mapping[str, Any] = field(repr=False)


def _fail(code: str, message: str, claim: str | None = None) -> BearerTokenError:
    return BearerTokenError(message, code=code, field=claim)


class JwksCache:
    """The issuer's key set, fetched with httpx and cached.

    Parameters
    ----------
    config : OidcConfig
    client : httpx.Client, optional
        Used for every fetch (TLS verification, proxies and timeouts are its own).
    cache_ttl : timedelta, default=10 minutes
    min_refresh_interval : timedelta, default=30 seconds
        The shortest time between two fetches triggered by unknown key ids.
    clock : callable, default=time.monotonic
        Seconds, for cache ages.
    """

    def __init__(
        self,
        config: OidcConfig,
        *,
        client: httpx.Client | None = None,
        cache_ttl: timedelta = timedelta(minutes=10),
        min_refresh_interval: timedelta = timedelta(seconds=30),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.client = client or httpx.Client(timeout=10.0, follow_redirects=False)
        self.cache_ttl = cache_ttl.total_seconds()
        self.min_refresh = min_refresh_interval.total_seconds()
        self.clock = clock
        self.fetches = 0
        self._keys: dict[str, PyJWK] = {}
        self._anonymous: list[PyJWK] = []
        self._fetched_at: float | None = None
        self._jwks_uri = config.jwks_uri
        self._lock = threading.Lock()

    def key_for(self, kid: str | None) -> PyJWK:
        """The key with id ``kid`` (a set's only key when the token names none).

        Raises
        ------
        BearerTokenError
            ``UnknownKey`` if no key matches after a refresh, ``JwksUnavailable`` if the set
            cannot be fetched.
        """
        with self._lock:
            now = self.clock()
            stale = self._fetched_at is None or now - self._fetched_at >= self.cache_ttl
            if stale:
                self._refresh()
            key = self._lookup(kid)
            if key is None and not stale and now - (self._fetched_at or 0.0) >= self.min_refresh:
                self._refresh()
                key = self._lookup(kid)
        if key is None:
            raise _fail(
                "UnknownKey", f"The token's signing key {kid!r} is not in the issuer's JWKS."
            )
        return key

    def _lookup(self, kid: str | None) -> PyJWK | None:
        if kid is not None:
            return self._keys.get(kid)
        candidates = [*self._keys.values(), *self._anonymous]
        return candidates[0] if len(candidates) == 1 else None

    def _refresh(self) -> None:
        uri = self._jwks_uri or self._discover()
        document = self._get_json(uri)
        try:
            key_set = PyJWKSet.from_dict(document)
        except jwt.PyJWTError as exc:
            raise _fail("JwksUnavailable", f"The JWKS at {uri} is not usable: {exc}") from None
        self._keys = {k.key_id: k for k in key_set.keys if k.key_id is not None}
        self._anonymous = [k for k in key_set.keys if k.key_id is None]
        self._fetched_at = self.clock()
        self._jwks_uri = uri

    def _discover(self) -> str:
        url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = self._get_json(url)
        if document.get("issuer") != self.config.issuer or not isinstance(
            document.get("jwks_uri"), str
        ):
            raise _fail(
                "JwksUnavailable",
                f"The discovery document at {url} does not name this issuer and a jwks_uri.",
            )
        return str(document["jwks_uri"])

    def _get_json(self, url: str) -> dict[str, Any]:
        self.fetches += 1
        try:
            response = self.client.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = json.loads(response.content)
        except (httpx.HTTPError, ValueError) as exc:
            raise _fail("JwksUnavailable", f"Cannot fetch {url}: {exc}") from None
        if not isinstance(document, dict):
            raise _fail("JwksUnavailable", f"{url} did not answer a JSON object")
        return document


class OidcVerifier:
    """Verifies bearer JWTs of one issuer and maps them to :class:`OidcPrincipal`.

    Parameters
    ----------
    config : OidcConfig
    jwks : JwksCache, optional
        Built from ``config`` when omitted.
    """

    def __init__(self, config: OidcConfig, *, jwks: JwksCache | None = None) -> None:
        self.config = config
        self.jwks = jwks or JwksCache(config)

    def verify(self, token: str) -> OidcPrincipal:
        """Verify ``token`` and map its claims.

        Raises
        ------
        BearerTokenError
            With ``code`` ``InvalidToken`` (malformed), ``UnsupportedAlgorithm``,
            ``UnknownKey``, ``InvalidSignature``, ``ExpiredToken``, ``InvalidAudience``,
            ``InvalidIssuer``, ``MissingClaim`` or ``JwksUnavailable``.
        """
        config = self.config
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _fail("InvalidToken", "The bearer token is not a JWT.") from None
        algorithm = header.get("alg")
        if algorithm not in config.algorithms:
            raise _fail(
                "UnsupportedAlgorithm",
                f"The token's algorithm {algorithm!r} is not allowed "
                f"(allowed: {', '.join(config.algorithms)}).",
            )
        kid = header.get("kid")
        key = self.jwks.key_for(kid if isinstance(kid, str) else None)
        if key.key_type != _KEY_TYPES.get(str(algorithm)[:2]):
            raise _fail(
                "InvalidSignature",
                f"The key {kid!r} is of type {key.key_type}, which cannot verify {algorithm}.",
            )
        audience = [config.audience] if isinstance(config.audience, str) else list(config.audience)
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[str(algorithm)],
                audience=audience,
                issuer=config.issuer,
                leeway=config.leeway,
                options={"require": ["exp", "iat", "iss", "aud"], "verify_signature": True},
            )
        except jwt.ExpiredSignatureError:
            raise _fail("ExpiredToken", "The token has expired.", "exp") from None
        except jwt.InvalidAudienceError:
            raise _fail(
                "InvalidAudience", "The token is not meant for this service.", "aud"
            ) from None
        except jwt.InvalidIssuerError:
            raise _fail("InvalidIssuer", "The token was issued by another issuer.", "iss") from None
        except jwt.MissingRequiredClaimError as exc:
            raise _fail(
                "MissingClaim", f"The token lacks the {exc.claim!r} claim.", exc.claim
            ) from None
        except jwt.InvalidSignatureError:
            raise _fail("InvalidSignature", "The token's signature does not verify.") from None
        except (jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError):
            raise _fail("InvalidToken", "The token is not valid yet.", "nbf") from None
        except jwt.PyJWTError as exc:
            raise _fail("InvalidToken", f"The token is invalid: {exc}") from None
        name = _claim(claims, config.principal_claim)
        if not isinstance(name, str) or not name:
            raise _fail(
                "MissingClaim",
                f"The token has no string {config.principal_claim!r} claim to name the principal.",
                config.principal_claim,
            )
        raw_groups = _claim(claims, config.groups_claim)
        if raw_groups is None:
            groups: tuple[str, ...] = ()
        elif isinstance(raw_groups, str):
            groups = (raw_groups,)
        elif isinstance(raw_groups, list) and all(isinstance(g, str) for g in raw_groups):
            groups = tuple(raw_groups)
        else:
            raise _fail(
                "InvalidToken",
                f"The {config.groups_claim!r} claim must be a string or a list of strings.",
                config.groups_claim,
            )
        return OidcPrincipal(
            name=config.principal_prefix + name,
            groups=groups,
            issuer=str(claims["iss"]),
            subject=str(claims.get("sub", "")),
            expires_at=datetime.fromtimestamp(float(claims["exp"]), UTC),
            claims=claims,
        )


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value
