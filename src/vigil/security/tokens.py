"""Credentials Vigil issues: API bearer tokens (stored as scrypt hashes) and SigV4 access keys.

API tokens look like ``vigil_<id>_<secret>``: a recognisable prefix (so secret scanners and
people can tell what leaked), a 12-character id the server looks the token up by, and 52
base-32 characters (256 random bits). Only the id and a scrypt hash of the whole token are
stored, in the PHC string format ``$scrypt$ln=14,r=8,p=1$<salt>$<hash>``
(Percival & Josefsson, RFC 7914); a token is shown once, when issued.

scrypt costs tens of milliseconds per check by design; :class:`VerifiedTokenCache` remembers,
for a bounded time, tokens that passed, so a busy client pays it once and later requests cost one
HMAC.

Access keys for AWS Signature Version 4 follow AWS's shape: a 20-character id of upper-case
base-32 (``VKIA`` + 16; AWS's start ``AKIA``, Vigil's prefix differs so that a leaked Vigil key
is not reported as an AWS one) and a 40-character secret. The server needs the secret itself to
check signatures, so it cannot be hashed: store it encrypted (:mod:`vigil.security.crypto`).

>>> issued = generate_token()
>>> issued.token.startswith("vigil_"), verify_token(issued.token, issued.hash)
(True, True)
>>> tampered = issued.token[:-1] + ("b" if issued.token.endswith("a") else "a")
>>> verify_token(tampered, issued.hash)
False
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from vigil.security.errors import BearerTokenError

__all__ = [
    "ACCESS_KEY_PREFIX",
    "TOKEN_PREFIX",
    "AccessKey",
    "IssuedToken",
    "RandomBytes",
    "ScryptParams",
    "VerifiedTokenCache",
    "generate_access_key",
    "generate_token",
    "hash_token",
    "is_access_key_id",
    "parse_token",
    "verify_token",
]

TOKEN_PREFIX = "vigil"
ACCESS_KEY_PREFIX = "VKIA"
_TOKEN = re.compile(rf"^{TOKEN_PREFIX}_([a-z2-7]{{12}})_([a-z2-7]{{52}})$")
_ACCESS_KEY_ID = re.compile(rf"^{ACCESS_KEY_PREFIX}[A-Z2-7]{{16}}$")
_PHC = re.compile(r"^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$")

RandomBytes = Callable[[int], bytes]


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost: ``N = 2**log2_n``, block size ``r``, parallelism ``p`` (memory 128·N·r B)."""

    log2_n: int = 14
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        """Bytes scrypt may use (twice the minimum, as OpenSSL needs some headroom)."""
        return 2 * 128 * (1 << self.log2_n) * self.r * self.p + 1024 * 1024


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class IssuedToken:
    """A newly issued API token: show ``token`` once, store ``token_id`` and ``hash``."""

    token: str
    token_id: str
    hash: str


def hash_token(
    token: str, *, params: ScryptParams = ScryptParams(), salt: bytes | None = None
) -> str:
    """The PHC-format scrypt hash of ``token`` with a fresh 16-byte salt (or ``salt``)."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.scrypt(
        token.encode("utf-8"),
        salt=salt,
        n=2**params.log2_n,
        r=params.r,
        p=params.p,
        maxmem=params.maxmem,
        dklen=32,
    )
    return f"$scrypt$ln={params.log2_n},r={params.r},p={params.p}${_b64(salt)}${_b64(digest)}"


def generate_token(
    *, params: ScryptParams = ScryptParams(), random_bytes: RandomBytes = secrets.token_bytes
) -> IssuedToken:
    """A new random API token and its hash.

    Parameters
    ----------
    params : ScryptParams
        The hash's cost.
    random_bytes : callable, default=secrets.token_bytes
        Source of the id (60 bits) and secret (256 bits), and of the salt.
    """
    token_id = _b32(random_bytes(8))[:12]
    secret = _b32(random_bytes(32))
    token = f"{TOKEN_PREFIX}_{token_id}_{secret}"
    return IssuedToken(token, token_id, hash_token(token, params=params, salt=random_bytes(16)))


def parse_token(token: str) -> str:
    """The id of a well-formed token, to look its hash up by.

    Raises
    ------
    BearerTokenError
        ``code`` ``InvalidToken`` if ``token`` is not of the form ``vigil_<id>_<secret>``.
    """
    match = _TOKEN.match(token.strip()) if isinstance(token, str) else None
    if match is None:
        raise BearerTokenError(
            "The bearer token is not a Vigil API token (vigil_<id>_<secret>).",
            code="InvalidToken",
        )
    return match.group(1)


def verify_token(token: str, stored_hash: str) -> bool:
    """Whether ``token`` hashes to ``stored_hash`` (compared in constant time).

    A malformed ``stored_hash`` verifies nothing (``False``), as does a malformed token.
    """
    match = _PHC.match(stored_hash)
    if match is None or _TOKEN.match(token) is None:
        return False
    log2_n, r, p = (int(match.group(i)) for i in (1, 2, 3))
    if not (1 <= log2_n <= 20 and 1 <= r <= 32 and 1 <= p <= 16):
        return False
    params = ScryptParams(log2_n, r, p)
    expected = _unb64(match.group(5))
    digest = hashlib.scrypt(
        token.encode("utf-8"),
        salt=_unb64(match.group(4)),
        n=2**log2_n,
        r=r,
        p=p,
        maxmem=params.maxmem,
        dklen=len(expected),
    )
    return hmac.compare_digest(digest, expected)


class VerifiedTokenCache:
    """Tokens that recently passed :func:`verify_token`, to skip scrypt on the next request.

    Keys are the token id; values an HMAC-SHA256 of the token under a per-process random key
    (so the cache holds no token) and the time the entry lapses. Revoking a token must call
    :meth:`forget`. Bounded to ``max_entries`` (least recently used evicted). Thread-safe.

    Parameters
    ----------
    ttl : timedelta, default=5 minutes
        How long a verification is trusted; also the longest a revocation on another replica
        can go unnoticed.
    max_entries : int, default=10_000
    """

    def __init__(self, *, ttl: timedelta = timedelta(minutes=5), max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._key = secrets.token_bytes(32)
        self._entries: OrderedDict[str, tuple[bytes, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def _mac(self, token: str) -> bytes:
        return hmac.new(self._key, token.encode("utf-8"), hashlib.sha256).digest()

    def check(self, token: str, *, now: datetime) -> bool:
        """Whether ``token`` was verified within ``ttl`` of ``now`` (``False`` means: verify)."""
        try:
            token_id = parse_token(token)
        except BearerTokenError:
            return False
        with self._lock:
            entry = self._entries.get(token_id)
            if entry is None:
                return False
            mac, lapses = entry
            if now >= lapses:
                del self._entries[token_id]
                return False
            self._entries.move_to_end(token_id)
        return hmac.compare_digest(mac, self._mac(token))

    def remember(self, token: str, *, now: datetime) -> None:
        """Record that ``token`` passed verification at ``now``."""
        token_id = parse_token(token)
        with self._lock:
            self._entries[token_id] = (self._mac(token), now + self.ttl)
            self._entries.move_to_end(token_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, token_id: str) -> None:
        """Drop a token (on revocation or expiry)."""
        with self._lock:
            self._entries.pop(token_id, None)


@dataclass(frozen=True)
class AccessKey:
    """A SigV4 access key: show ``secret_access_key`` once and keep it encrypted at rest."""

    access_key_id: str
    secret_access_key: str


def generate_access_key(*, random_bytes: RandomBytes = secrets.token_bytes) -> AccessKey:
    """A new access key id (``VKIA`` + 16 base-32 characters) and 40-character secret.

    >>> key = generate_access_key()
    >>> is_access_key_id(key.access_key_id), len(key.secret_access_key)
    (True, 40)
    """
    key_id = ACCESS_KEY_PREFIX + _b32(random_bytes(10)).upper()[:16]
    secret = base64.b64encode(random_bytes(30)).decode("ascii")
    return AccessKey(key_id, secret)


def is_access_key_id(text: str) -> bool:
    """Whether ``text`` has the shape of a Vigil access key id."""
    return bool(_ACCESS_KEY_ID.match(text))
