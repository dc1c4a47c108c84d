"""Key providers: the local keyring file (mode, rotation, refusals) and AWS KMS on moto's server."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from vigil.security.crypto import (
    KeyProvider,
    decrypt_bytes,
    encrypt_bytes,
    read_header,
    rewrap_stream,
)
from vigil.security.errors import IntegrityError, KeyProviderError
from vigil.security.keys import KmsKeyProvider, LocalKeyring


def test_keyring_file_is_created_owner_only(tmp_path: Path) -> None:
    keyring = LocalKeyring.create(tmp_path / "keyring.json")
    assert stat.S_IMODE(keyring.path.stat().st_mode) == 0o600
    keyring.rotate()
    assert stat.S_IMODE(keyring.path.stat().st_mode) == 0o600  # rewritten file too
    document = json.loads(keyring.path.read_text())
    assert document["current"] == keyring.current_key_id
    assert len(document["keys"]) == 2
    assert isinstance(keyring, KeyProvider)


def test_keyring_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    LocalKeyring.create(path)
    with pytest.raises(KeyProviderError, match="already exists"):
        LocalKeyring.create(path)


def test_keyring_readable_by_others_is_refused(tmp_path: Path) -> None:
    keyring = LocalKeyring.create(tmp_path / "keyring.json")
    os.chmod(keyring.path, 0o644)
    with pytest.raises(KeyProviderError, match="chmod 600") as caught:
        LocalKeyring.load(keyring.path)
    assert caught.value.path == str(keyring.path)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"format": "other", "current": "a", "keys": {}}),
        json.dumps({"format": "vigil-keyring/1", "current": "a", "keys": {}}),
        json.dumps(
            {
                "format": "vigil-keyring/1",
                "current": "a",
                "keys": {"a": {"material": "c2hvcnQ=", "created": "2026-12-07T00:00:00+00:00"}},
            }
        ),
    ],
)
def test_malformed_keyrings_are_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "keyring.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    with pytest.raises(KeyProviderError):
        LocalKeyring.load(path)


def test_missing_keyring(tmp_path: Path) -> None:
    with pytest.raises(KeyProviderError, match="cannot read"):
        LocalKeyring.load(tmp_path / "absent.json")


# -- AWS KMS through moto's server on loopback -----------------------------------------------


@pytest.fixture
def kms(s3_server: str) -> Any:
    import boto3

    return boto3.client("kms", endpoint_url=s3_server, region_name="us-east-1")


def test_kms_round_trip_and_rewrap(kms: Any) -> None:
    first = kms.create_key(Description="vigil test 1")["KeyMetadata"]["Arn"]
    second = kms.create_key(Description="vigil test 2")["KeyMetadata"]["Arn"]
    provider = KmsKeyProvider(first, client=kms)
    data = os.urandom(100_000)
    sealed = encrypt_bytes(data, provider, chunk_size=4096)
    header = read_header(io.BytesIO(sealed))
    assert header.provider == "aws-kms" and header.key_id == first
    assert decrypt_bytes(sealed, provider) == data

    rotated = KmsKeyProvider(second, client=kms)  # new writes use the second key
    sink = io.BytesIO()
    new_header = rewrap_stream(io.BytesIO(sealed), sink, rotated)
    assert new_header.key_id == second
    assert new_header.wrapped_key != header.wrapped_key
    assert decrypt_bytes(sink.getvalue(), rotated) == data
    body = len(header.to_bytes())
    assert sink.getvalue()[len(new_header.to_bytes()) :] == sealed[body:]


def test_kms_with_alias(kms: Any) -> None:
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/vigil-test", TargetKeyId=key)
    provider = KmsKeyProvider("alias/vigil-test", client=kms)
    assert decrypt_bytes(encrypt_bytes(b"ground truth", provider), provider) == b"ground truth"


def test_kms_refuses_a_modified_wrapped_key(kms: Any) -> None:
    key = kms.create_key()["KeyMetadata"]["Arn"]
    provider = KmsKeyProvider(key, client=kms)
    data_key = provider.generate_data_key()
    tampered = data_key.wrapped[:-3] + bytes([data_key.wrapped[-3] ^ 1]) + data_key.wrapped[-2:]
    with pytest.raises(IntegrityError, match="InvalidCiphertextException"):
        provider.decrypt_data_key(data_key.key_id, tampered)


def test_kms_unknown_key_is_a_key_provider_error(kms: Any) -> None:
    provider = KmsKeyProvider("alias/does-not-exist", client=kms)
    with pytest.raises(KeyProviderError, match="GenerateDataKey"):
        provider.generate_data_key()
