"""Envelope encryption: round trips, every tamper kind, rotation, rewrap and bounded memory."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vigil.security.crypto import (
    DEFAULT_CHUNK_SIZE,
    TAG_SIZE,
    DecryptingReader,
    EncryptingWriter,
    decrypt_bytes,
    decrypt_stream,
    encrypt_bytes,
    encrypt_stream,
    is_encrypted,
    read_header,
    rewrap_stream,
)
from vigil.security.errors import IntegrityError, KeyProviderError
from vigil.security.keys import LocalKeyring

CHUNK = 64
NAME = "s3://bucket/capture/churn/AllTraffic/2026/12/07/02/part-0001.jsonl"


@pytest.fixture
def keyring(tmp_path: Path) -> LocalKeyring:
    return LocalKeyring.create(tmp_path / "keyring.json")


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 10 * CHUNK + 7],
)
def test_round_trip_sizes(keyring: LocalKeyring, size: int) -> None:
    data = os.urandom(size)
    sealed = encrypt_bytes(data, keyring, chunk_size=CHUNK)
    header = read_header(io.BytesIO(sealed))
    chunks = max(1, -(-size // CHUNK))
    assert len(sealed) == len(header.to_bytes()) + size + chunks * TAG_SIZE
    assert decrypt_bytes(sealed, keyring) == data
    assert is_encrypted(sealed) and not is_encrypted(data[:8] or b"plain")


def test_round_trip_default_chunks_and_uneven_writes(keyring: LocalKeyring) -> None:
    data = os.urandom(3 * DEFAULT_CHUNK_SIZE + 12345)
    sink = io.BytesIO()
    with EncryptingWriter(sink, keyring, close_sink=False) as writer:
        position = 0
        for step in [1, 7, 65536, 3, 600000, 0, 2, DEFAULT_CHUNK_SIZE, 5]:
            writer.write(data[position : position + step])
            position += step
        writer.write(memoryview(data)[position:])
    sealed = sink.getvalue()
    for sizes in ([1000], [1, 7, DEFAULT_CHUNK_SIZE, 3, 10**6]):
        reader = DecryptingReader(io.BytesIO(sealed), keyring)
        out = bytearray()
        i = 0
        while block := reader.read(sizes[i % len(sizes)]):
            out += block
            i += 1
        assert bytes(out) == data
        assert reader.read() == b""
    assert DecryptingReader(io.BytesIO(sealed), keyring).read() == data
    assert DecryptingReader(io.BytesIO(sealed), keyring).readall() == data
    with DecryptingReader(io.BytesIO(sealed), keyring) as reader:
        assert io.BufferedReader(reader).read() == data  # usable under a BufferedReader


def test_same_plaintext_twice_gives_unrelated_ciphertexts(keyring: LocalKeyring) -> None:
    first, second = (encrypt_bytes(b"x" * 500, keyring, chunk_size=CHUNK) for _ in range(2))
    assert first != second
    assert read_header(io.BytesIO(first)).wrapped_key != read_header(io.BytesIO(second)).wrapped_key


def _sealed_parts(data: bytes, keyring: LocalKeyring) -> tuple[bytes, list[bytes]]:
    sealed = encrypt_bytes(data, keyring, chunk_size=CHUNK)
    header_size = len(read_header(io.BytesIO(sealed)).to_bytes())
    body = sealed[header_size:]
    frame = CHUNK + TAG_SIZE
    return sealed[:header_size], [body[i : i + frame] for i in range(0, len(body), frame)]


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


Tamper = Callable[[bytes, list[bytes]], bytes]
TAMPERS: dict[str, Tamper] = {
    "flipped byte in the first chunk": lambda h, c: h + _flip(c[0], 3) + b"".join(c[1:]),
    "flipped byte in a middle chunk": lambda h, c: h + b"".join(c[:2]) + _flip(c[2], 40)
    + b"".join(c[3:]),
    "flipped tag of the last chunk": lambda h, c: h + b"".join(c[:-1]) + _flip(c[-1], -1 % len(c[-1])),
    "flipped chunk size in the header": lambda h, c: h[:12] + bytes([h[12] ^ 0x40]) + h[13:]
    + b"".join(c),
    "flipped nonce prefix in the header": lambda h, c: _flip(h, 15) + b"".join(c),
    "truncated at a chunk boundary": lambda h, c: h + b"".join(c[:-1]),
    "truncated inside a chunk": lambda h, c: h + b"".join(c)[:-5],
    "truncated to the header": lambda h, c: h,
    "middle chunk dropped": lambda h, c: h + b"".join(c[:2] + c[3:]),
    "chunks reordered": lambda h, c: h + b"".join([c[1], c[0], *c[2:]]),
    "chunk duplicated": lambda h, c: h + b"".join([c[0], c[0], *c[1:]]),
    "bytes appended": lambda h, c: h + b"".join(c) + b"\x00" * 20,
    "last chunk appended again": lambda h, c: h + b"".join([*c, c[-1]]),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(TAMPERS))
def test_every_tamper_kind_is_detected_and_names_the_object(
    keyring: LocalKeyring, kind: str
) -> None:
    data = os.urandom(5 * CHUNK + 10)
    header, chunks = _sealed_parts(data, keyring)
    assert len(chunks) == 6
    tampered = TAMPERS[kind](header, chunks)
    with pytest.raises(IntegrityError) as caught:
        decrypt_bytes(tampered, keyring, name=NAME)
    assert caught.value.path == NAME
    assert NAME in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_foreign_wrapped_key_is_detected(keyring: LocalKeyring) -> None:
    header_a, chunks_a = _sealed_parts(b"a" * 200, keyring)
    header_b, _ = _sealed_parts(b"b" * 200, keyring)
    # B's wrapped data key with A's fixed header part and chunks: only the data key differs
    parsed_a = read_header(io.BytesIO(header_a))
    parsed_b = read_header(io.BytesIO(header_b))
    swapped = type(parsed_a)(
        parsed_a.chunk_size, parsed_a.nonce_prefix, parsed_a.provider, parsed_b.key_id,
        parsed_b.wrapped_key,
    )  # fmt: skip
    with pytest.raises(IntegrityError, match="chunk 0"):
        decrypt_bytes(swapped.to_bytes() + b"".join(chunks_a), keyring, name=NAME)


def test_modified_wrapped_key_and_unknown_key_id(keyring: LocalKeyring, tmp_path: Path) -> None:
    sealed = encrypt_bytes(b"payload", keyring, chunk_size=CHUNK)
    header = read_header(io.BytesIO(sealed))
    rest = sealed[len(header.to_bytes()) :]
    flipped = type(header)(
        header.chunk_size, header.nonce_prefix, header.provider, header.key_id,
        _flip(header.wrapped_key, 20),
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        decrypt_bytes(flipped.to_bytes() + rest, keyring)
    other = LocalKeyring.create(tmp_path / "other.json")
    with pytest.raises(KeyProviderError, match="not in the keyring"):
        decrypt_bytes(sealed, other)


def test_not_an_encrypted_object(keyring: LocalKeyring) -> None:
    with pytest.raises(IntegrityError, match="VIGILENC") as caught:
        decrypt_bytes(b'{"captureData": {}}\n', keyring, name=NAME)
    assert caught.value.path == NAME
    sealed = encrypt_bytes(b"x", keyring)
    with pytest.raises(IntegrityError, match="version 2"):
        decrypt_bytes(sealed[:8] + b"\x02" + sealed[9:], keyring)


def test_rotation_keeps_old_objects_readable(keyring: LocalKeyring, tmp_path: Path) -> None:
    old_key = keyring.current_key_id
    old = encrypt_bytes(b"before rotation" * 10, keyring, chunk_size=CHUNK)
    new_key = keyring.rotate()
    assert new_key != old_key and keyring.current_key_id == new_key
    new = encrypt_bytes(b"after rotation" * 10, keyring, chunk_size=CHUNK)
    assert read_header(io.BytesIO(old)).key_id == old_key
    assert read_header(io.BytesIO(new)).key_id == new_key
    reloaded = LocalKeyring.load(keyring.path)
    assert reloaded.key_ids == (old_key, new_key)
    assert decrypt_bytes(old, reloaded) == b"before rotation" * 10
    assert decrypt_bytes(new, reloaded) == b"after rotation" * 10


def test_rewrap_moves_the_data_key_without_touching_the_data(keyring: LocalKeyring) -> None:
    data = os.urandom(7 * CHUNK + 3)
    old = encrypt_bytes(data, keyring, chunk_size=CHUNK)
    old_header = read_header(io.BytesIO(old))
    current = keyring.rotate()
    sink = io.BytesIO()
    new_header = rewrap_stream(io.BytesIO(old), sink, keyring, name=NAME)
    rewrapped = sink.getvalue()
    assert new_header.key_id == current
    # the chunks are the same bytes: nothing was re-encrypted
    assert rewrapped[len(new_header.to_bytes()) :] == old[len(old_header.to_bytes()) :]
    # a keyring holding only the current key reads the rewrapped object, not the old one
    only_current = LocalKeyring(keyring.path, {current: keyring._keys[current]}, current)
    assert decrypt_bytes(rewrapped, only_current) == data
    with pytest.raises(KeyProviderError):
        decrypt_bytes(old, only_current)


class _Pattern(io.RawIOBase):
    """``size`` bytes of a repeating pattern, produced on demand (never held whole)."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.block = hashlib.sha256(b"seed").digest() * 2048  # 64 KiB

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        count = min(len(view), self.remaining, len(self.block))
        view[:count] = self.block[:count]
        self.remaining -= count
        return count


class _Digest(io.RawIOBase):
    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.hash.update(data)
        self.size += len(data)
        return len(data)


@pytest.mark.slow
def test_memory_stays_bounded_on_a_200_mb_stream(keyring: LocalKeyring, tmp_path: Path) -> None:
    size = 200 * 1024 * 1024
    sealed_path = tmp_path / "sealed.bin"
    expected = _Digest()
    source = _Pattern(size)
    while block := source.read(1 << 20):
        expected.write(block)
    tracemalloc.start()
    try:
        with sealed_path.open("wb") as sink:
            encrypt_stream(_Pattern(size), sink, keyring)  # type: ignore[arg-type]
        _, encrypt_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        out = _Digest()
        with sealed_path.open("rb") as source_file:
            decrypt_stream(source_file, out, keyring)  # type: ignore[arg-type]
        _, decrypt_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.size == size and out.hash.digest() == expected.hash.digest()
    assert encrypt_peak < 8 * 1024 * 1024, encrypt_peak
    assert decrypt_peak < 8 * 1024 * 1024, decrypt_peak


def test_chunk_size_is_checked(keyring: LocalKeyring) -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        EncryptingWriter(io.BytesIO(), keyring, chunk_size=8)


def test_chunks_are_plain_aes_gcm(keyring: LocalKeyring) -> None:
    """An independent decryption of chunk 0 with cryptography's AESGCM and the documented nonce."""
    data = b"z" * (2 * CHUNK)
    header, chunks = _sealed_parts(data, keyring)
    parsed = read_header(io.BytesIO(header))
    key = keyring.decrypt_data_key(parsed.key_id, parsed.wrapped_key)
    nonce = parsed.nonce_prefix + struct.pack(">IB", 0, 0)
    assert AESGCM(key).decrypt(nonce, chunks[0], parsed.associated_data) == data[:CHUNK]
    final = parsed.nonce_prefix + struct.pack(">IB", 1, 1)
    assert AESGCM(key).decrypt(final, chunks[1], parsed.associated_data) == data[CHUNK:]
