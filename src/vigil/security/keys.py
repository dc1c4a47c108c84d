"""Master-key providers for envelope encryption: a local keyring file and AWS KMS.

Both implement :class:`vigil.security.crypto.KeyProvider`:

:class:`LocalKeyring`
    A JSON file of 256-bit master keys by id, one of them *current*. Data keys are wrapped with
    AES-256-GCM under a master key (the key id bound as associated data). :meth:`~LocalKeyring.rotate`
    adds a new current key: new objects use it, old objects stay readable with their own key,
    and :meth:`~LocalKeyring.rewrap_data_key` moves a data key under the current key without
    touching the data. The file is created with mode 0600 and refused if group or others can
    read it (as ssh refuses a private key).
:class:`KmsKeyProvider`
    AWS KMS through boto3: ``GenerateDataKey`` (AES_256), ``Decrypt`` and ``ReEncrypt`` with an
    encryption context, so a ciphertext blob is only usable for this purpose.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vigil.security.crypto import DATA_KEY_SIZE, DataKey
from vigil.security.errors import IntegrityError, KeyProviderError

__all__ = ["KMS_ENCRYPTION_CONTEXT", "KmsKeyProvider", "LocalKeyring", "MasterKey"]

_FORMAT = "vigil-keyring/1"
_WRAP_NONCE = 12
_WRAP_AAD = b"vigil-local-keyring/1:"
KMS_ENCRYPTION_CONTEXT: Mapping[str, str] = {"vigil:purpose": "envelope-data-key"}
"""The KMS encryption context bound to every data key Vigil asks KMS for."""


@dataclass(frozen=True)
class MasterKey:
    """One key of a :class:`LocalKeyring`."""

    key_id: str
    material: bytes
    created: datetime


class LocalKeyring:
    """Master keys in a local JSON file (mode 0600): ``{"format", "current", "keys": {...}}``.

    Build with :meth:`create` or :meth:`load`. ``name`` is ``"local"``.

    Raises
    ------
    KeyProviderError
        From :meth:`load` if the file is missing, unreadable, malformed or readable by group or
        others; from :meth:`decrypt_data_key` for an unknown key id.
    """

    name = "local"

    def __init__(
        self,
        path: Path,
        keys: Mapping[str, MasterKey],
        current: str,
        *,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        if current not in keys:
            raise KeyProviderError(f"current key {current!r} is not in the keyring", path=str(path))
        self.path = path
        self._keys = dict(keys)
        self._current = current
        self._random = random_bytes

    @property
    def current_key_id(self) -> str:
        """The id of the key new data keys are wrapped under."""
        return self._current

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every key id, oldest first."""
        return tuple(sorted(self._keys, key=lambda k: (self._keys[k].created, k)))

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        now: datetime | None = None,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> LocalKeyring:
        """Create a keyring file holding one new key; refuses to overwrite an existing file."""
        target = Path(path)
        key = _new_key(now or datetime.now(UTC), random_bytes)
        keyring = cls(target, {key.key_id: key}, key.key_id, random_bytes=random_bytes)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyProviderError("a keyring already exists here", path=str(target)) from None
        except OSError as exc:
            raise KeyProviderError(f"cannot create the keyring: {exc}", path=str(target)) from None
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(keyring._document())
        return keyring

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> LocalKeyring:
        """Read a keyring file written by :meth:`create` or :meth:`rotate`."""
        target = Path(path)
        try:
            mode = target.stat().st_mode
            text = target.read_text(encoding="utf-8")
        except OSError as exc:
            raise KeyProviderError(f"cannot read the keyring: {exc}", path=str(target)) from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyProviderError(
                f"the keyring is accessible by group or others (mode {stat.S_IMODE(mode):o}); "
                "chmod 600 it",
                path=str(target),
            )
        try:
            document = json.loads(text)
            if document.get("format") != _FORMAT:
                raise ValueError(f"format is not {_FORMAT!r}")
            keys = {
                key_id: MasterKey(
                    key_id,
                    base64.b64decode(entry["material"], validate=True),
                    datetime.fromisoformat(entry["created"]),
                )
                for key_id, entry in document["keys"].items()
            }
            current = document["current"]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyProviderError(f"the keyring is malformed: {exc}", path=str(target)) from None
        if any(len(k.material) != DATA_KEY_SIZE for k in keys.values()):
            raise KeyProviderError("a keyring key is not 32 bytes", path=str(target))
        return cls(target, keys, current, random_bytes=random_bytes)

    def rotate(self, *, now: datetime | None = None) -> str:
        """Add a new key, make it current, and save the file atomically; returns its id."""
        key = _new_key(now or datetime.now(UTC), self._random)
        self._keys[key.key_id] = key
        previous = self._current
        self._current = key.key_id
        try:
            self._save()
        except OSError:
            del self._keys[key.key_id]
            self._current = previous
            raise
        return key.key_id

    def _document(self) -> str:
        keys = {
            key.key_id: {
                "material": base64.b64encode(key.material).decode("ascii"),
                "created": key.created.isoformat(),
            }
            for key in (self._keys[k] for k in self.key_ids)
        }
        return json.dumps({"format": _FORMAT, "current": self._current, "keys": keys}, indent=2)

    def _save(self) -> None:
        fd, temp = tempfile.mkstemp(prefix=".keyring-", dir=self.path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(self._document())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    # -- KeyProvider ---------------------------------------------------------------------

    def generate_data_key(self) -> DataKey:
        """A fresh data key wrapped under the current key."""
        plaintext = self._random(DATA_KEY_SIZE)
        return DataKey(self._current, plaintext, self._wrap(self._current, plaintext))

    def decrypt_data_key(self, key_id: str, wrapped: bytes) -> bytes:
        """Unwrap a data key wrapped under ``key_id``.

        Raises
        ------
        KeyProviderError
            If ``key_id`` is not in the keyring.
        IntegrityError
            If ``wrapped`` was not wrapped by that key (modified or foreign).
        """
        key = self._keys.get(key_id)
        if key is None:
            raise KeyProviderError(f"key {key_id!r} is not in the keyring", path=str(self.path))
        nonce, sealed = wrapped[:_WRAP_NONCE], wrapped[_WRAP_NONCE:]
        try:
            return AESGCM(key.material).decrypt(nonce, sealed, _WRAP_AAD + key_id.encode())
        except (InvalidTag, ValueError):
            raise IntegrityError(
                f"a data key wrapped under {key_id!r} failed its integrity check",
                path=str(self.path),
            ) from None

    def rewrap_data_key(self, key_id: str, wrapped: bytes) -> tuple[str, bytes]:
        """The data key re-wrapped under the current key (unchanged if already under it)."""
        if key_id == self._current:
            self.decrypt_data_key(key_id, wrapped)  # still check it
            return key_id, wrapped
        plaintext = self.decrypt_data_key(key_id, wrapped)
        return self._current, self._wrap(self._current, plaintext)

    def _wrap(self, key_id: str, plaintext: bytes) -> bytes:
        nonce = self._random(_WRAP_NONCE)
        aad = _WRAP_AAD + key_id.encode()
        return nonce + AESGCM(self._keys[key_id].material).encrypt(nonce, plaintext, aad)


def _new_key(now: datetime, random_bytes: Callable[[int], bytes]) -> MasterKey:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return MasterKey(f"k-{stamp}-{random_bytes(4).hex()}", random_bytes(DATA_KEY_SIZE), now)


class KmsKeyProvider:
    """Master keys in AWS KMS (or any KMS API, such as moto's, through ``endpoint_url``).

    Parameters
    ----------
    key_id : str
        The key id, ARN or alias (``alias/vigil``) new data keys are generated under.
    client : boto3 KMS client, optional
        Built from ``region_name``/``endpoint_url`` when not given.
    region_name, endpoint_url : str, optional

    ``name`` is ``"aws-kms"``; the key id written into headers is the key ARN KMS returns.
    """

    name = "aws-kms"

    def __init__(
        self,
        key_id: str,
        *,
        client: Any = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("kms", region_name=region_name, endpoint_url=endpoint_url)
        self.key_id = key_id
        self._client = client

    def generate_data_key(self) -> DataKey:
        """``GenerateDataKey`` (``KeySpec=AES_256``) under :attr:`key_id`."""
        answer = self._call(
            "GenerateDataKey",
            KeyId=self.key_id,
            KeySpec="AES_256",
            EncryptionContext=dict(KMS_ENCRYPTION_CONTEXT),
        )
        return DataKey(
            str(answer["KeyId"]), bytes(answer["Plaintext"]), bytes(answer["CiphertextBlob"])
        )

    def decrypt_data_key(self, key_id: str, wrapped: bytes) -> bytes:
        """``Decrypt`` the ciphertext blob, pinned to ``key_id``."""
        answer = self._call(
            "Decrypt",
            CiphertextBlob=wrapped,
            KeyId=key_id,
            EncryptionContext=dict(KMS_ENCRYPTION_CONTEXT),
        )
        return bytes(answer["Plaintext"])

    def rewrap_data_key(self, key_id: str, wrapped: bytes) -> tuple[str, bytes]:
        """``ReEncrypt`` the blob from ``key_id`` to :attr:`key_id`; KMS never reveals the key."""
        answer = self._call(
            "ReEncrypt",
            CiphertextBlob=wrapped,
            SourceKeyId=key_id,
            DestinationKeyId=self.key_id,
            SourceEncryptionContext=dict(KMS_ENCRYPTION_CONTEXT),
            DestinationEncryptionContext=dict(KMS_ENCRYPTION_CONTEXT),
        )
        return str(answer["KeyId"]), bytes(answer["CiphertextBlob"])

    def _call(self, operation: str, **arguments: Any) -> Mapping[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        method = {"GenerateDataKey": "generate_data_key", "Decrypt": "decrypt"}.get(
            operation, "re_encrypt"
        )
        try:
            answer: Mapping[str, Any] = getattr(self._client, method)(**arguments)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("InvalidCiphertextException", "IncorrectKeyException"):
                raise IntegrityError(
                    f"KMS {operation} refused the wrapped data key ({code})", path=self.key_id
                ) from None
            raise KeyProviderError(f"KMS {operation} failed: {exc}", path=self.key_id) from None
        except BotoCoreError as exc:
            raise KeyProviderError(f"KMS {operation} failed: {exc}", path=self.key_id) from None
        return answer
