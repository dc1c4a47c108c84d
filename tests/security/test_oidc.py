"""OIDC bearer tokens: RSA and EC keys made here, a JWKS served by a real loopback HTTP server."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from vigil.security.errors import BearerTokenError
from vigil.security.oidc import JwksCache, OidcConfig, OidcVerifier

AUDIENCE = "vigil"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: Any, kid: str) -> dict[str, Any]:
    if isinstance(key, rsa.RSAPrivateKey):
        data = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    else:
        data = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**data, "kid": kid, "use": "sig"}


class Issuer:
    """A loopback OpenID provider: discovery document and JWKS, counting requests."""

    def __init__(self) -> None:
        self.keys = [jwk(RSA_KEY, "rsa-1"), jwk(EC_KEY, "ec-1")]
        self.requests: list[str] = []
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.requests.append(self.path)
                if self.path == "/realms/ml/.well-known/openid-configuration":
                    body: dict[str, Any] = {"issuer": issuer.url, "jwks_uri": issuer.url + "/certs"}
                elif self.path == "/realms/ml/certs":
                    body = {"keys": issuer.keys}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/realms/ml"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    running = Issuer()
    try:
        yield running
    finally:
        running.close()


def claims(issuer: Issuer, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    base = {
        "iss": issuer.url,
        "aud": AUDIENCE,
        "sub": "f3c1a2",
        "preferred_username": "alice",
        "realm_access": {"roles": ["data-scientists", "auditors"]},
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(
    payload: dict[str, Any], key: Any = RSA_KEY, alg: str = "RS256", kid: str = "rsa-1"
) -> str:
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


def verifier(issuer: Issuer, **options: Any) -> OidcVerifier:
    config = OidcConfig(
        issuer=issuer.url,
        audience=AUDIENCE,
        algorithms=("RS256", "ES256"),
        principal_claim="preferred_username",
        groups_claim="realm_access.roles",
        principal_prefix="oidc:",
    )
    return OidcVerifier(config, jwks=JwksCache(config, **options))


@pytest.mark.parametrize(
    ("key", "alg", "kid"), [(RSA_KEY, "RS256", "rsa-1"), (EC_KEY, "ES256", "ec-1")]
)
def test_rsa_and_ec_tokens_verify_and_map_claims(
    issuer: Issuer, key: Any, alg: str, kid: str
) -> None:
    principal = verifier(issuer).verify(sign(claims(issuer), key, alg, kid))
    assert principal.name == "oidc:alice"
    assert principal.groups == ("data-scientists", "auditors")
    assert principal.issuer == issuer.url and principal.subject == "f3c1a2"
    assert issuer.requests == [
        "/realms/ml/.well-known/openid-configuration",
        "/realms/ml/certs",
    ]


def test_jwks_is_cached_and_refetched_for_a_new_kid(issuer: Issuer) -> None:
    clock = [1000.0]
    check = verifier(issuer, clock=lambda: clock[0], min_refresh_interval=timedelta(seconds=30))
    token = sign(claims(issuer))
    for _ in range(5):
        check.verify(token)
    assert issuer.requests.count("/realms/ml/certs") == 1
    # the issuer rotates: a new key appears; an unknown kid refetches (rate-limited)
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer.keys.append(jwk(rotated, "rsa-2"))
    fresh = sign(claims(issuer), rotated, kid="rsa-2")
    with pytest.raises(BearerTokenError) as caught:  # within min_refresh_interval: no refetch
        check.verify(fresh)
    assert caught.value.code == "UnknownKey"
    clock[0] += 31
    assert check.verify(fresh).name == "oidc:alice"
    assert issuer.requests.count("/realms/ml/certs") == 2
    clock[0] += 601  # the cache lapses
    check.verify(token)
    assert issuer.requests.count("/realms/ml/certs") == 3


def flip_last(token: str) -> str:
    return token[:-1] + ("Q" if token.endswith("A") else "A")


def none_token(payload: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, default=lambda d: int(d.timestamp())).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': 'rsa-1'})}.{part(payload)}."


def hmac_confusion_token(issuer: Issuer) -> str:
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT","kid":"rsa-1"}').rstrip(b"=")
    payload_json = json.dumps(claims(issuer), default=lambda d: int(d.timestamp())).encode()
    payload = base64.urlsafe_b64encode(payload_json).rstrip(b"=")
    import hashlib
    import hmac

    signature = hmac.new(public_pem, header + b"." + payload, hashlib.sha256).digest()
    return (
        header + b"." + payload + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")
    ).decode()


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda i: sign(claims(i, exp=datetime.now(UTC) - timedelta(minutes=5))), "ExpiredToken"),
        (lambda i: sign(claims(i, aud="another-service")), "InvalidAudience"),
        (lambda i: sign(claims(i, iss="https://evil.example.com")), "InvalidIssuer"),
        (lambda i: sign(claims(i), OTHER_RSA), "InvalidSignature"),  # right kid, wrong key
        (lambda i: sign(claims(i), EC_KEY, "ES256", "rsa-1"), "InvalidSignature"),  # key type
        (lambda i: sign(claims(i), kid="no-such-key"), "UnknownKey"),
        (lambda i: none_token(claims(i)), "UnsupportedAlgorithm"),
        (hmac_confusion_token, "UnsupportedAlgorithm"),
        (lambda i: sign(claims(i), alg="RS512"), "UnsupportedAlgorithm"),
        (lambda i: sign(claims(i, exp=None)), "MissingClaim"),
        (lambda i: sign(claims(i, preferred_username=None)), "MissingClaim"),
        (lambda i: flip_last(sign(claims(i))), "InvalidSignature"),
        (lambda i: "not.a.jwt", "InvalidToken"),
        (lambda i: sign(claims(i, nbf=datetime.now(UTC) + timedelta(minutes=10))), "InvalidToken"),
    ],
)
def test_bad_tokens_are_refused(issuer: Issuer, make: Any, code: str) -> None:
    with pytest.raises(BearerTokenError) as caught:
        verifier(issuer).verify(make(issuer))
    assert caught.value.code == code, str(caught.value)
    assert isinstance(caught.value, PermissionError)


def test_unreachable_issuer(issuer: Issuer) -> None:
    config = OidcConfig(issuer=issuer.url + "-missing", audience=AUDIENCE)
    with pytest.raises(BearerTokenError) as caught:
        OidcVerifier(config).verify(sign(claims(issuer)))
    assert caught.value.code == "JwksUnavailable"


@pytest.mark.parametrize("algorithms", [("none",), ("HS256",), ()])
def test_unsafe_algorithm_configuration_is_refused(algorithms: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="algorithms"):
        OidcConfig(issuer="https://i", audience="a", algorithms=algorithms)
