"""Envelope encryption at rest: a fresh AES-256-GCM data key per object, in a chunked stream.

Each object gets its own 256-bit data key from a :class:`KeyProvider` (a local keyring or a KMS,
:mod:`vigil.security.keys`), which also returns the key *wrapped* under its master key. The
object is written as a header followed by fixed-size chunks, each sealed with AES-256-GCM, so a
file of any size is encrypted and decrypted in constant memory.

Format (version 1; integers big-endian)::

    header   magic b"VIGILENC" | version u8 = 1 | chunk_size u32 | nonce_prefix 7 bytes
             | provider u8-length + UTF-8 | key_id u16-length + UTF-8 | wrapped_key u16-length + bytes
    chunks   ciphertext (chunk_size bytes; the last one 0..chunk_size) | GCM tag (16 bytes)

Chunk ``i`` is sealed with nonce ``nonce_prefix | i as u32 | final flag (0 or 1)`` and with the
header's fixed part (magic to nonce prefix) as associated data: the STREAM construction of
Hoang, Reyhanitabar, Rogaway and Vizár, *Online Authenticated-Encryption and its Nonce-Reuse
Misuse-Resistance* (CRYPTO 2015), as Google Tink's streaming AEAD uses it. A flipped byte, a
chunk moved, duplicated or dropped, a stream cut at a chunk boundary (no chunk marked final) or
bytes appended all fail with :class:`~vigil.security.errors.IntegrityError`, naming the object.
The key part of the header (provider, key id, wrapped key) is not bound to the chunks, so a data
key can be re-wrapped under a new master key without touching the data (:func:`rewrap_header`,
:func:`rewrap_stream`); a wrapped key swapped for another one only yields a wrong key, which the
first chunk's tag rejects.

>>> import pathlib, tempfile
>>> from vigil.security.keys import LocalKeyring
>>> with tempfile.TemporaryDirectory() as tmp:
...     keyring = LocalKeyring.create(pathlib.Path(tmp) / "keyring.json")
...     sealed = encrypt_bytes(b"inferenceId,label\\n1,0\\n", keyring)
...     print(sealed[:8], decrypt_bytes(sealed, keyring))
b'VIGILENC' b'inferenceId,label\\n1,0\\n'
"""

from __future__ import annotations

import io
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, BinaryIO, Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vigil.security.errors import IntegrityError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAGIC",
    "DataKey",
    "DecryptingReader",
    "EncryptingWriter",
    "EnvelopeHeader",
    "KeyProvider",
    "decrypt_bytes",
    "decrypt_stream",
    "encrypt_bytes",
    "encrypt_stream",
    "is_encrypted",
    "read_header",
    "rewrap_header",
    "rewrap_stream",
]

MAGIC = b"VIGILENC"
VERSION = 1
DEFAULT_CHUNK_SIZE = 256 * 1024
MIN_CHUNK_SIZE = 16
MAX_CHUNK_SIZE = 16 * 1024 * 1024
TAG_SIZE = 16
NONCE_PREFIX_SIZE = 7
DATA_KEY_SIZE = 32
_FIXED = struct.Struct(f">{len(MAGIC)}sBI{NONCE_PREFIX_SIZE}s")
_COPY_SIZE = 1024 * 1024


@dataclass(frozen=True)
class DataKey:
    """A data key as a provider issues it: the plaintext key and its wrapped form."""

    key_id: str
    plaintext: bytes
    wrapped: bytes


@runtime_checkable
class KeyProvider(Protocol):
    """Where master keys live: issues, unwraps and re-wraps data keys.

    ``name`` is written into each header (``local``, ``aws-kms``) so that a reader can tell
    which provider an object needs.
    """

    @property
    def name(self) -> str:
        """The provider's name as stored in headers."""
        ...

    def generate_data_key(self) -> DataKey:
        """A fresh 32-byte data key, wrapped under the current master key."""
        ...

    def decrypt_data_key(self, key_id: str, wrapped: bytes) -> bytes:
        """The plaintext of a data key wrapped under master key ``key_id``."""
        ...

    def rewrap_data_key(self, key_id: str, wrapped: bytes) -> tuple[str, bytes]:
        """The same data key wrapped under the current master key: ``(key_id, wrapped)``."""
        ...


@dataclass(frozen=True)
class EnvelopeHeader:
    """The header of an encrypted object (see the module docstring for the layout)."""

    chunk_size: int
    nonce_prefix: bytes
    provider: str
    key_id: str
    wrapped_key: bytes
    version: int = VERSION

    @property
    def associated_data(self) -> bytes:
        """The fixed part of the header, bound to every chunk."""
        return _FIXED.pack(MAGIC, self.version, self.chunk_size, self.nonce_prefix)

    def to_bytes(self) -> bytes:
        """The header as written before the chunks."""
        provider = self.provider.encode("utf-8")
        key_id = self.key_id.encode("utf-8")
        return b"".join(
            [
                self.associated_data,
                struct.pack(">B", len(provider)),
                provider,
                struct.pack(">H", len(key_id)),
                key_id,
                struct.pack(">H", len(self.wrapped_key)),
                self.wrapped_key,
            ]
        )


def is_encrypted(prefix: bytes) -> bool:
    """Whether bytes starting an object are this format's header (the magic)."""
    return prefix.startswith(MAGIC)


def read_header(source: BinaryIO, *, name: str | None = None) -> EnvelopeHeader:
    """Read and check the header at the start of ``source``.

    Raises
    ------
    IntegrityError
        If the bytes are not a version-1 header (``path`` is ``name``).
    """
    fixed = _read_exact(source, _FIXED.size)
    if len(fixed) < _FIXED.size or not fixed.startswith(MAGIC):
        raise IntegrityError("is not a Vigil encrypted object (no VIGILENC header)", path=name)
    _, version, chunk_size, prefix = _FIXED.unpack(fixed)
    if version != VERSION:
        raise IntegrityError(f"has encryption format version {version}; 1 expected", path=name)
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise IntegrityError(f"has an invalid chunk size {chunk_size}", path=name)
    provider = _read_field(source, ">B", name).decode("utf-8", "replace")
    key_id = _read_field(source, ">H", name).decode("utf-8", "replace")
    wrapped = _read_field(source, ">H", name)
    return EnvelopeHeader(chunk_size, prefix, provider, key_id, wrapped, version)


def _read_field(source: BinaryIO, length_format: str, name: str | None) -> bytes:
    size = struct.calcsize(length_format)
    raw = _read_exact(source, size)
    if len(raw) < size:
        raise IntegrityError("has a truncated header", path=name)
    (length,) = struct.unpack(length_format, raw)
    value = _read_exact(source, length)
    if len(value) < length:
        raise IntegrityError("has a truncated header", path=name)
    return value


def _read_exact(source: BinaryIO, size: int) -> bytes:
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        part = source.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if final else 0)


class EncryptingWriter(io.BufferedIOBase):
    """A writable binary file that encrypts into ``sink`` chunk by chunk.

    Parameters
    ----------
    sink : binary file
        Where the header and chunks are written (a local file, an fsspec file, a ``BytesIO``).
    provider : KeyProvider
        Issues the object's data key.
    chunk_size : int, default=262144
        Plaintext bytes per chunk (16 B to 16 MiB).
    close_sink : bool, default=True
        Close ``sink`` when this writer is closed.
    random_bytes : callable, default=secrets.token_bytes
        Source of the nonce prefix.

    Notes
    -----
    Memory use is at most two chunks whatever the object's size. The last chunk is written on
    :meth:`close`; an object whose writer is never closed fails to decrypt (truncated).
    """

    def __init__(
        self,
        sink: BinaryIO,
        provider: KeyProvider,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        close_sink: bool = True,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        super().__init__()
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(
                f"chunk_size must be from {MIN_CHUNK_SIZE} to {MAX_CHUNK_SIZE} bytes. "
                f"Got {chunk_size!r} instead."
            )
        data_key = provider.generate_data_key()
        self.header = EnvelopeHeader(
            chunk_size=chunk_size,
            nonce_prefix=random_bytes(NONCE_PREFIX_SIZE),
            provider=provider.name,
            key_id=data_key.key_id,
            wrapped_key=data_key.wrapped,
        )
        self._aead = AESGCM(data_key.plaintext)
        self._aad = self.header.associated_data
        self._sink = sink
        self._close_sink = close_sink
        self._buffer = bytearray()
        self._index = 0
        self.bytes_written = 0
        sink.write(self.header.to_bytes())

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer) -> int:
        """Buffer ``data``; every full chunk beyond the last is sealed and written."""
        if self.closed:
            raise ValueError("write to a closed EncryptingWriter")
        view = memoryview(data).cast("B")
        size = self.header.chunk_size
        rest = view
        if self._buffer and len(self._buffer) + len(rest) > size:
            take = size - len(self._buffer)
            self._buffer += rest[:take]
            rest = rest[take:]
            self._seal(self._buffer, final=False)
            self._buffer = bytearray()
        if not self._buffer:
            # seal whole chunks straight from the caller's buffer, keeping >= 1 byte back
            while len(rest) > size:
                self._seal(rest[:size], final=False)
                rest = rest[size:]
        self._buffer += rest
        self.bytes_written += len(view)
        return len(view)

    def _seal(self, plaintext: bytes | bytearray | memoryview, *, final: bool) -> None:
        nonce = _nonce(self.header.nonce_prefix, self._index, final)
        self._sink.write(self._aead.encrypt(nonce, plaintext, self._aad))
        self._index += 1

    def close(self) -> None:
        """Seal the final chunk, flush, and close the sink if ``close_sink``."""
        if self.closed:
            return
        try:
            self._seal(self._buffer, final=True)
            self._buffer.clear()
            self._sink.flush()
        finally:
            super().close()
            if self._close_sink:
                self._sink.close()


class DecryptingReader(io.RawIOBase):
    """A readable binary file that decrypts ``source`` chunk by chunk, authenticating each.

    Parameters
    ----------
    source : binary file
        Positioned at the header.
    provider : KeyProvider
        Unwraps the object's data key; its ``name`` must match the header's provider.
    name : str, optional
        The object's name, given to every :class:`IntegrityError`.
    close_source : bool, default=True

    Raises
    ------
    IntegrityError
        On construction for a bad header, and from ``read`` for a chunk that fails
        authentication: flipped, reordered, duplicated, truncated or appended data.
    KeyProviderError
        If the provider does not know the header's key id.
    """

    def __init__(
        self,
        source: BinaryIO,
        provider: KeyProvider,
        *,
        name: str | None = None,
        close_source: bool = True,
    ) -> None:
        super().__init__()
        self.name_ = name
        self.header = read_header(source, name=name)
        if self.header.provider != provider.name:
            raise IntegrityError(
                f"was encrypted with key provider {self.header.provider!r}, not {provider.name!r}",
                path=name,
            )
        key = provider.decrypt_data_key(self.header.key_id, self.header.wrapped_key)
        self._aead = AESGCM(key)
        self._aad = self.header.associated_data
        self._source = source
        self._close_source = close_source
        self._frame = self.header.chunk_size + TAG_SIZE
        self._pending = _read_exact(source, self._frame)
        self._plain = b""
        self._offset = 0
        self._index = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` decrypted bytes (all that remain for ``-1``/``None``); ``b""`` at end."""
        if size is None or size < 0:
            return self.readall()
        if self._offset >= len(self._plain):
            if self._done:
                return b""
            self._plain = self._open_next()
            self._offset = 0
        if self._offset == 0 and size >= len(self._plain):
            chunk, self._plain = self._plain, b""
            return chunk
        chunk = self._plain[self._offset : self._offset + size]
        self._offset += len(chunk)
        return chunk

    def readall(self) -> bytes:
        """Every remaining decrypted byte (the object is held in memory: prefer ``read(n)``)."""
        parts = []
        while block := self.read(self.header.chunk_size):
            parts.append(block)
        return b"".join(parts)

    def readinto(self, buffer: WriteableBuffer) -> int:
        """Fill ``buffer`` with decrypted bytes; 0 at the end of the object."""
        target = memoryview(buffer).cast("B")
        while self._offset >= len(self._plain):
            if self._done:
                return 0
            self._plain = self._open_next()
            self._offset = 0
        count = min(len(target), len(self._plain) - self._offset)
        target[:count] = self._plain[self._offset : self._offset + count]
        self._offset += count
        return count

    def _open_next(self) -> bytes:
        frame = self._pending
        following = _read_exact(self._source, self._frame) if len(frame) == self._frame else b""
        final = not following
        if len(frame) < TAG_SIZE:
            raise IntegrityError(
                f"is truncated: chunk {self._index} is {len(frame)} bytes, "
                f"shorter than its {TAG_SIZE}-byte tag",
                path=self.name_,
            )
        nonce = _nonce(self.header.nonce_prefix, self._index, final)
        try:
            plaintext = self._aead.decrypt(nonce, frame, self._aad)
        except InvalidTag:
            raise IntegrityError(
                f"failed its integrity check at chunk {self._index} "
                f"(byte offset {self._index * self.header.chunk_size} of the plaintext): the data "
                "was modified, reordered, truncated or extended, or the key is not its own",
                path=self.name_,
            ) from None
        self._pending = following
        self._index += 1
        self._done = final
        return plaintext

    def close(self) -> None:
        if self.closed:
            return
        super().close()
        if self._close_source:
            self._source.close()


def encrypt_stream(
    source: BinaryIO,
    sink: BinaryIO,
    provider: KeyProvider,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> EnvelopeHeader:
    """Encrypt all of ``source`` into ``sink`` (neither is closed); returns the header."""
    writer = EncryptingWriter(sink, provider, chunk_size=chunk_size, close_sink=False)
    with writer:
        while block := source.read(_COPY_SIZE):
            writer.write(block)
    return writer.header


def decrypt_stream(
    source: BinaryIO, sink: BinaryIO, provider: KeyProvider, *, name: str | None = None
) -> int:
    """Decrypt all of ``source`` into ``sink`` (neither is closed); returns the plaintext size.

    Bytes reach ``sink`` only after their chunk authenticated; on an :class:`IntegrityError`
    ``sink`` may hold the plaintext of the chunks before the bad one.
    """
    reader = DecryptingReader(source, provider, name=name, close_source=False)
    total = 0
    with reader:
        while block := reader.read(_COPY_SIZE):
            sink.write(block)
            total += len(block)
    return total


def encrypt_bytes(
    data: bytes, provider: KeyProvider, *, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> bytes:
    """``data`` encrypted in this format (in memory; use the streams for large objects)."""
    sink = io.BytesIO()
    encrypt_stream(io.BytesIO(data), sink, provider, chunk_size=chunk_size)
    return sink.getvalue()


def decrypt_bytes(data: bytes, provider: KeyProvider, *, name: str | None = None) -> bytes:
    """The plaintext of an encrypted object held in memory.

    Raises
    ------
    IntegrityError
        If the object fails authentication (``path`` is ``name``).
    """
    sink = io.BytesIO()
    decrypt_stream(io.BytesIO(data), sink, provider, name=name)
    return sink.getvalue()


def rewrap_header(header: EnvelopeHeader, provider: KeyProvider) -> EnvelopeHeader:
    """The header with its data key re-wrapped under the provider's current master key."""
    key_id, wrapped = provider.rewrap_data_key(header.key_id, header.wrapped_key)
    return replace(header, key_id=key_id, wrapped_key=wrapped)


def rewrap_stream(
    source: BinaryIO, sink: BinaryIO, provider: KeyProvider, *, name: str | None = None
) -> EnvelopeHeader:
    """Copy an encrypted object with its data key re-wrapped; the chunks are copied unchanged.

    Returns the new header. The data is neither decrypted nor re-encrypted.
    """
    header = read_header(source, name=name)
    if header.provider != provider.name:
        raise IntegrityError(
            f"was encrypted with key provider {header.provider!r}, not {provider.name!r}",
            path=name,
        )
    new_header = rewrap_header(header, provider)
    sink.write(new_header.to_bytes())
    while block := source.read(_COPY_SIZE):
        sink.write(block)
    return new_header
