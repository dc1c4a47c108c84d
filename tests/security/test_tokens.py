"""API tokens and access keys: format, scrypt hashes (checked against hashlib), verification."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from vigil.security.errors import BearerTokenError
from vigil.security.tokens import (
    ScryptParams,
    VerifiedTokenCache,
    generate_access_key,
    generate_token,
    hash_token,
    is_access_key_id,
    parse_token,
    verify_token,
)

FAST = ScryptParams(log2_n=10)  # keeps the tests quick; the default is 2**14
NOW = datetime(2026, 12, 7, 2, tzinfo=UTC)


def test_token_format_and_lookup_id() -> None:
    issued = generate_token(params=FAST)
    prefix, token_id, secret = issued.token.split("_")
    assert prefix == "vigil" and token_id == issued.token_id
    assert len(token_id) == 12 and len(secret) == 52
    assert parse_token(issued.token) == issued.token_id
    assert issued.token not in issued.hash


def test_tokens_are_unique() -> None:
    tokens = {generate_token(params=FAST).token for _ in range(50)}
    assert len(tokens) == 50


def test_hash_is_rfc7914_scrypt_in_phc_format() -> None:
    token = generate_token(params=FAST).token
    salt = bytes(range(16))
    stored = hash_token(token, params=ScryptParams(log2_n=10, r=8, p=1), salt=salt)
    _, name, params, salt_b64, digest_b64 = stored.split("$")
    assert (name, params) == ("scrypt", "ln=10,r=8,p=1")
    expected = hashlib.scrypt(token.encode(), salt=salt, n=1024, r=8, p=1, dklen=32)
    assert base64.b64decode(digest_b64 + "=" * (-len(digest_b64) % 4)) == expected
    assert base64.b64decode(salt_b64 + "=" * (-len(salt_b64) % 4)) == salt


def test_verification() -> None:
    issued = generate_token(params=FAST)
    assert verify_token(issued.token, issued.hash)
    other = generate_token(params=FAST)
    assert not verify_token(other.token, issued.hash)
    assert not verify_token(issued.token, other.hash)
    assert not verify_token(issued.token, "$scrypt$ln=99,r=8,p=1$AAAA$AAAA")
    assert not verify_token(issued.token, "plain")
    assert not verify_token("not a token", issued.hash)


@pytest.mark.parametrize(
    "token",
    ["", "vigil_", "ghp_abcdefghijkl_" + "a" * 52, "vigil_ABCDEFGHIJKL_" + "a" * 52,
     "vigil_abcdefghijkl_" + "a" * 51, "vigil_abcdefghijkl_" + "a" * 52 + "_x"],
)  # fmt: skip
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(BearerTokenError) as caught:
        parse_token(token)
    assert caught.value.code == "InvalidToken"
    assert isinstance(caught.value, PermissionError)


def test_verified_token_cache() -> None:
    cache = VerifiedTokenCache(ttl=timedelta(minutes=5), max_entries=2)
    first, second, third = (generate_token(params=FAST) for _ in range(3))
    assert not cache.check(first.token, now=NOW)
    cache.remember(first.token, now=NOW)
    assert cache.check(first.token, now=NOW + timedelta(minutes=4))
    assert not cache.check(first.token, now=NOW + timedelta(minutes=5))  # lapsed
    cache.remember(first.token, now=NOW)
    forged = f"vigil_{first.token_id}_{'a' * 52}"  # right id, wrong secret
    assert not cache.check(forged, now=NOW)
    cache.forget(first.token_id)
    assert not cache.check(first.token, now=NOW)
    for issued in (first, second, third):
        cache.remember(issued.token, now=NOW)
    assert not cache.check(first.token, now=NOW)  # evicted, least recently used
    assert cache.check(third.token, now=NOW)


def test_access_keys() -> None:
    keys = [generate_access_key() for _ in range(20)]
    assert len({k.access_key_id for k in keys}) == 20
    for key in keys:
        assert is_access_key_id(key.access_key_id)
        assert len(key.access_key_id) == 20 and key.access_key_id.startswith("VKIA")
        assert len(key.secret_access_key) == 40
    assert not is_access_key_id("AKIAIOSFODNN7EXAMPLE")
