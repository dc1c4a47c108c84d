"""The tamper-evident audit trail: canonical records, a SHA-256 hash chain, signed digests.

Every audited event (a control-plane call, an authentication failure, an authorisation denial)
becomes an :class:`AuditRecord` carrying a sequence number, the SHA-256 of the previous record
(``previous_hash``) and its own hash over its canonical serialisation (:func:`canonical_bytes`:
JSON with sorted keys and no insignificant whitespace, the shape RFC 8785 gives strings and
integers). Storage is the caller's (the metadata store); this module is pure.

:func:`verify_chain` walks records *in storage order* and names each record that was
``modified`` (content no longer matches its hash, or no longer what the next record chained
to), ``deleted`` (a gap in the sequence), ``inserted`` (a second record claiming a sequence
number) or ``reordered`` (stored out of sequence order).

Someone able to rewrite the store could recompute every later hash; signed digests close that
gap, as CloudTrail's log-file integrity validation does (*CloudTrail digest file structure*,
AWS CloudTrail User Guide): :func:`build_digest` lists the hash of every record of a range
(hourly, say), links to the previous digest's hash and signature, and is signed with Ed25519 over
``digestEndTime\\ndigestObject\\nhex(SHA-256(digest))\\npreviousDigestSignature``.
:func:`verify_digest` checks a digest's signature and link, and :func:`verify_against_digest`
names the records that differ from what a digest recorded.

>>> from datetime import UTC, datetime
>>> event = AuditEvent(datetime(2026, 12, 7, 2, tzinfo=UTC), "alice", "vigil:DeleteEndpoint",
...                    "vrn:vigil:endpoint/churn", "203.0.113.7", "req-1", "Success")
>>> first = chain_record(event, previous=None)
>>> second = chain_record(event, previous=first)
>>> second.previous_hash == first.hash, verify_chain([first, second]).ok
(True, True)
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from vigil.security.errors import IntegrityError

__all__ = [
    "GENESIS_HASH",
    "AuditEvent",
    "AuditRecord",
    "ChainProblem",
    "ChainReport",
    "SignedDigest",
    "build_digest",
    "canonical_bytes",
    "chain_record",
    "public_key_fingerprint",
    "verify_against_digest",
    "verify_chain",
    "verify_digest",
]

GENESIS_HASH = "0" * 64
"""The ``previous_hash`` of the first record of a log."""
SIGNATURE_ALGORITHM = "Ed25519"
HASH_ALGORITHM = "SHA-256"
ProblemKind = Literal["modified", "deleted", "inserted", "reordered"]


def _time(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class AuditEvent:
    """What happened, before it is chained.

    Attributes
    ----------
    event_time : datetime
        When the service handled the request (UTC; naive means UTC).
    principal : str or None
        The authenticated principal, ``None`` for a request that did not authenticate.
    action : str
        ``vigil:<Action>``, or the route's operation for an authentication failure.
    resource : str
        The resource name (``vrn:vigil:...``) or ``*``.
    source_address : str or None
        The client's address.
    request_id : str
    outcome : str
        ``Success``, ``AccessDenied``, ``AuthenticationFailed``, ``ClientError``, ``ServerError``.
    error_code : str, optional
        The error code answered (``InvalidSignatureException``...).
    user_agent : str, optional
    details : mapping of str to str
        Anything else worth keeping (the deciding policy statement, an execution id).
    """

    event_time: datetime
    principal: str | None
    action: str
    resource: str
    source_address: str | None
    request_id: str
    outcome: str
    error_code: str | None = None
    user_agent: str | None = None
    details: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict[str, Any]:
        """The event's fields as JSON values (CloudTrail-like camelCase names)."""
        return {
            "eventTime": _time(self.event_time),
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "sourceAddress": self.source_address,
            "requestId": self.request_id,
            "outcome": self.outcome,
            "errorCode": self.error_code,
            "userAgent": self.user_agent,
            "details": dict(sorted(self.details.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEvent:
        """The inverse of :meth:`to_dict`."""
        return cls(
            event_time=datetime.strptime(data["eventTime"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=UTC
            ),
            principal=data.get("principal"),
            action=data["action"],
            resource=data["resource"],
            source_address=data.get("sourceAddress"),
            request_id=data["requestId"],
            outcome=data["outcome"],
            error_code=data.get("errorCode"),
            user_agent=data.get("userAgent"),
            details=MappingProxyType(dict(data.get("details") or {})),
        )


def canonical_bytes(sequence: int, event: AuditEvent, previous_hash: str) -> bytes:
    """The bytes a record's hash is taken over: sorted-key compact UTF-8 JSON."""
    return _canonical_json({**event.to_dict(), "sequence": sequence, "previousHash": previous_hash})


def _hash(sequence: int, event: AuditEvent, previous_hash: str) -> str:
    return hashlib.sha256(canonical_bytes(sequence, event, previous_hash)).hexdigest()


@dataclass(frozen=True)
class AuditRecord:
    """One chained record: ``hash`` = SHA-256 of :func:`canonical_bytes`."""

    sequence: int
    event: AuditEvent
    previous_hash: str
    hash: str

    @property
    def content_matches(self) -> bool:
        """Whether ``hash`` is the hash of the record's content."""
        return _hash(self.sequence, self.event, self.previous_hash) == self.hash

    def to_dict(self) -> dict[str, Any]:
        """The record as stored: the event's fields plus ``sequence``, ``previousHash``, ``hash``."""
        return {
            **self.event.to_dict(),
            "sequence": self.sequence,
            "previousHash": self.previous_hash,
            "hash": self.hash,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditRecord:
        """The inverse of :meth:`to_dict` (the hash is kept as stored, not recomputed)."""
        return cls(
            int(data["sequence"]), AuditEvent.from_dict(data), data["previousHash"], data["hash"]
        )


def chain_record(event: AuditEvent, *, previous: AuditRecord | None) -> AuditRecord:
    """The record that appends ``event`` after ``previous`` (``None`` starts a log)."""
    sequence = 1 if previous is None else previous.sequence + 1
    previous_hash = GENESIS_HASH if previous is None else previous.hash
    return AuditRecord(sequence, event, previous_hash, _hash(sequence, event, previous_hash))


@dataclass(frozen=True)
class ChainProblem:
    """A record found wrong: ``kind`` with its ``sequence`` and storage ``position`` (0-based)."""

    kind: ProblemKind
    sequence: int
    position: int | None
    request_id: str | None
    message: str


@dataclass(frozen=True)
class ChainReport:
    """The result of :func:`verify_chain`."""

    records: int
    problems: tuple[ChainProblem, ...]
    head_sequence: int | None
    head_hash: str | None

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems

    def explain(self) -> str:
        """One line per problem, or a line saying the chain verified."""
        if self.ok:
            return f"verified {self.records} records; head {self.head_sequence} {self.head_hash}"
        return "\n".join(p.message for p in self.problems)


def _problem(kind: ProblemKind, record: AuditRecord | None, sequence: int, position: int | None,
             message: str) -> ChainProblem:  # fmt: skip
    request_id = record.event.request_id if record is not None else None
    where = f"record {sequence}" + (f" (request {request_id})" if request_id else "")
    return ChainProblem(kind, sequence, position, request_id, f"{where} {kind}: {message}")


def verify_chain(
    records: Iterable[AuditRecord],
    *,
    first_sequence: int = 1,
    first_previous_hash: str = GENESIS_HASH,
    expected_last_sequence: int | None = None,
) -> ChainReport:
    """Check a run of records, given in storage (append) order, and name every bad one.

    Parameters
    ----------
    records : iterable of AuditRecord
        In the order the store holds them (not sorted by sequence: that would hide reordering).
    first_sequence : int, default=1
        The sequence the run should start at (to verify a slice of a longer log).
    first_previous_hash : str, default=GENESIS_HASH
        What the first record should chain to (the hash of the record before the slice).
    expected_last_sequence : int, optional
        The log's last sequence if known elsewhere (a digest): records cut off the end are
        reported as deleted.

    Returns
    -------
    ChainReport
        ``problems`` lists, in sequence order, each record ``modified`` (its content no longer
        hashes to its hash, or it is not the record its successor chained to), ``deleted``
        (missing from the sequence), ``inserted`` (an extra record with an existing or
        out-of-range sequence, or one that chains to nothing) and ``reordered`` (stored before
        a record of a lower sequence).
    """
    stored = list(records)
    problems: list[ChainProblem] = []
    by_sequence: dict[int, list[int]] = {}
    for position, record in enumerate(stored):
        by_sequence.setdefault(record.sequence, []).append(position)

    # the genuine record of each sequence: the one its successor chained to, else the first
    genuine: dict[int, int] = {}
    for sequence, positions in by_sequence.items():
        chosen = positions[0]
        if len(positions) > 1:
            successors = by_sequence.get(sequence + 1, [])
            for position in positions:
                if any(stored[s].previous_hash == stored[position].hash for s in successors):
                    chosen = position
                    break
        genuine[sequence] = chosen
        for position in positions:
            if position != chosen:
                problems.append(
                    _problem("inserted", stored[position], sequence, position,
                             f"a second record claims sequence {sequence} "
                             f"(stored at position {position})")
                )  # fmt: skip

    last = max(by_sequence, default=first_sequence - 1)
    if expected_last_sequence is not None:
        last = max(last, expected_last_sequence)
    for sequence in range(first_sequence, last + 1):
        if sequence not in genuine:
            problems.append(_problem("deleted", None, sequence, None, "is missing from the log"))
    for sequence, position in sorted(genuine.items()):
        record = stored[position]
        if sequence < first_sequence or (
            expected_last_sequence is not None and sequence > expected_last_sequence
        ):
            problems.append(
                _problem("inserted", record, sequence, position, "is outside the log's range")
            )
            continue
        if not record.content_matches:
            problems.append(
                _problem("modified", record, sequence, position,
                         "its content no longer matches its hash")
            )  # fmt: skip
        successor = genuine.get(sequence + 1)
        if successor is not None and stored[successor].previous_hash != record.hash:
            problems.append(
                _problem("modified", record, sequence, position,
                         f"record {sequence + 1} was chained to a different record {sequence}")
            )  # fmt: skip
        if sequence == first_sequence and record.previous_hash != first_previous_hash:
            problems.append(
                _problem("modified", record, sequence, position,
                         "it does not chain to the record before the range")
            )  # fmt: skip

    previous_sequence: int | None = None
    previous_position = -1
    for position, record in enumerate(stored):
        if genuine.get(record.sequence) != position:
            continue
        if previous_sequence is not None and record.sequence < previous_sequence:
            problems.append(
                _problem("reordered", record, record.sequence, position,
                         f"is stored after record {previous_sequence} "
                         f"(position {previous_position})")
            )  # fmt: skip
        else:
            previous_sequence, previous_position = record.sequence, position

    problems.sort(key=lambda p: (p.sequence, p.kind))
    head = genuine.get(max(genuine, default=-1))
    return ChainReport(
        records=len(stored),
        problems=tuple(problems),
        head_sequence=None if head is None else stored[head].sequence,
        head_hash=None if head is None else stored[head].hash,
    )


# -- signed digests ------------------------------------------------------------------------


def public_key_fingerprint(public_key: Ed25519PublicKey) -> str:
    """Hex SHA-256 of the raw 32-byte public key (``digestPublicKeyFingerprint``)."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class SignedDigest:
    """A digest document, its canonical bytes, and its Ed25519 signature (hex).

    Store ``content`` as the digest object and ``signature`` beside it (CloudTrail keeps it in
    the object's metadata); :meth:`from_stored` rebuilds it.
    """

    document: Mapping[str, Any]
    content: bytes
    signature: str

    @property
    def name(self) -> str:
        """The ``digestObject`` the digest was signed as stored under."""
        return str(self.document["digestObject"])

    @property
    def content_hash(self) -> str:
        """Hex SHA-256 of :attr:`content`."""
        return hashlib.sha256(self.content).hexdigest()

    @classmethod
    def from_stored(
        cls, content: bytes, signature: str, *, name: str | None = None
    ) -> SignedDigest:
        """Parse a stored digest; ``name`` is used in errors."""
        try:
            document = json.loads(content)
        except ValueError as exc:
            raise IntegrityError(f"is not a digest document: {exc}", path=name) from None
        if not isinstance(document, dict):
            raise IntegrityError("is not a digest document", path=name)
        return cls(MappingProxyType(document), content, signature)


def _signing_string(document: Mapping[str, Any], content_hash: str) -> bytes:
    previous = document.get("previousDigestSignature") or "null"
    return (
        f"{document['digestEndTime']}\n{document['digestObject']}\n{content_hash}\n{previous}"
    ).encode()


def build_digest(
    records: Sequence[AuditRecord],
    *,
    start_time: datetime,
    end_time: datetime,
    digest_object: str,
    private_key: Ed25519PrivateKey,
    previous: SignedDigest | None,
) -> SignedDigest:
    """Sign a digest of the records appended in ``[start_time, end_time)``.

    Parameters
    ----------
    records : sequence of AuditRecord
        The range's records (possibly none: a digest is written even for a quiet hour).
    start_time, end_time : datetime
    digest_object : str
        Where the digest will be stored (part of what is signed).
    private_key : Ed25519PrivateKey
    previous : SignedDigest or None
        The previous digest of the log (``None`` for the first).
    """
    ordered = sorted(records, key=lambda r: r.sequence)
    times = [r.event.event_time for r in ordered]
    document: dict[str, Any] = {
        "digestStartTime": _time(start_time),
        "digestEndTime": _time(end_time),
        "digestObject": digest_object,
        "digestPublicKeyFingerprint": public_key_fingerprint(private_key.public_key()),
        "digestSignatureAlgorithm": SIGNATURE_ALGORITHM,
        "oldestEventTime": _time(min(times)) if times else None,
        "newestEventTime": _time(max(times)) if times else None,
        "firstSequence": ordered[0].sequence if ordered else None,
        "lastSequence": ordered[-1].sequence if ordered else None,
        "recordHashAlgorithm": HASH_ALGORITHM,
        "records": [{"sequence": r.sequence, "hashValue": r.hash} for r in ordered],
        "previousDigestObject": previous.name if previous else None,
        "previousDigestHashValue": previous.content_hash if previous else None,
        "previousDigestHashAlgorithm": HASH_ALGORITHM if previous else None,
        "previousDigestSignature": previous.signature if previous else None,
    }
    content = _canonical_json(document)
    content_hash = hashlib.sha256(content).hexdigest()
    signature = private_key.sign(_signing_string(document, content_hash)).hex()
    return SignedDigest(MappingProxyType(document), content, signature)


def verify_digest(
    digest: SignedDigest,
    public_keys: Iterable[Ed25519PublicKey],
    *,
    previous: SignedDigest | None = None,
) -> None:
    """Check a digest's signature and, given ``previous``, its link to it.

    Parameters
    ----------
    digest : SignedDigest
    public_keys : iterable of Ed25519PublicKey
        The log's signing keys; the one whose fingerprint the digest names is used.
    previous : SignedDigest, optional
        The digest before it.

    Raises
    ------
    IntegrityError
        Naming the digest: unknown key, bad signature, or a broken link to ``previous``.
    """
    name = digest.name if "digestObject" in digest.document else None
    fingerprint = digest.document.get("digestPublicKeyFingerprint")
    key = next((k for k in public_keys if public_key_fingerprint(k) == fingerprint), None)
    if key is None:
        raise IntegrityError(f"is signed by an unknown key {fingerprint!r}", path=name)
    try:
        key.verify(
            bytes.fromhex(digest.signature), _signing_string(digest.document, digest.content_hash)
        )
    except (InvalidSignature, ValueError, KeyError):
        raise IntegrityError(
            "has an invalid signature (the digest was modified)", path=name
        ) from None
    if previous is not None:
        link = (
            digest.document.get("previousDigestObject"),
            digest.document.get("previousDigestHashValue"),
            digest.document.get("previousDigestSignature"),
        )
        if link != (previous.name, previous.content_hash, previous.signature):
            raise IntegrityError(
                f"does not link to the previous digest {previous.name!r} "
                "(a digest was removed, replaced or reordered)",
                path=name,
            )


def verify_against_digest(
    records: Iterable[AuditRecord], digest: SignedDigest
) -> tuple[ChainProblem, ...]:
    """Name the records of the digest's range that differ from what it recorded.

    ``records`` are the store's records of the sequence range ``firstSequence..lastSequence``
    (others are ignored). A digest's signature should be checked first (:func:`verify_digest`).
    """
    recorded = {int(r["sequence"]): str(r["hashValue"]) for r in digest.document["records"]}
    if not recorded:
        return ()
    low, high = min(recorded), max(recorded)
    problems: list[ChainProblem] = []
    seen: Counter[int] = Counter()
    for position, record in enumerate(records):
        if not low <= record.sequence <= high:
            continue
        seen[record.sequence] += 1
        expected = recorded.get(record.sequence)
        if expected is None or seen[record.sequence] > 1:
            problems.append(
                _problem("inserted", record, record.sequence, position,
                         f"is not in digest {digest.name}")
            )  # fmt: skip
        elif record.hash != expected or not record.content_matches:
            problems.append(
                _problem("modified", record, record.sequence, position,
                         f"differs from the hash digest {digest.name} recorded")
            )  # fmt: skip
    for sequence in sorted(set(recorded) - set(seen)):
        problems.append(
            _problem(
                "deleted", None, sequence, None, f"is in digest {digest.name} but not in the log"
            )
        )
    problems.sort(key=lambda p: (p.sequence, p.kind))
    return tuple(problems)
