"""The audit hash chain and signed digests: every tamper kind is detected and named."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vigil.security.audit import (
    GENESIS_HASH,
    AuditEvent,
    AuditRecord,
    SignedDigest,
    build_digest,
    canonical_bytes,
    chain_record,
    verify_against_digest,
    verify_chain,
    verify_digest,
)
from vigil.security.errors import IntegrityError

T0 = datetime(2026, 12, 7, 2, tzinfo=UTC)


def event(i: int, **changes: object) -> AuditEvent:
    base = AuditEvent(
        event_time=T0 + timedelta(minutes=i),
        principal="alice" if i % 3 else None,
        action="vigil:CreateMonitoringSchedule" if i % 2 else "vigil:InvokeEndpoint",
        resource=f"vrn:vigil:monitoring-schedule/s{i}",
        source_address="203.0.113.7",
        request_id=f"req-{i}",
        outcome="Success" if i % 3 else "AuthenticationFailed",
        error_code=None if i % 3 else "InvalidSignatureException",
        details={"statement": "DataScientist Statement[1]"} if i % 2 else {},
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def chain(n: int = 10) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    for i in range(1, n + 1):
        records.append(chain_record(event(i), previous=records[-1] if records else None))
    return records


def kinds(records: list[AuditRecord], **options: int) -> list[tuple[str, int]]:
    return [(p.kind, p.sequence) for p in verify_chain(records, **options).problems]


def test_an_intact_chain_verifies() -> None:
    records = chain()
    report = verify_chain(records)
    assert report.ok and report.records == 10
    assert report.head_sequence == 10 and report.head_hash == records[-1].hash
    assert records[0].previous_hash == GENESIS_HASH
    assert all(b.previous_hash == a.hash for a, b in itertools.pairwise(records))


def test_canonical_form_and_independent_hash() -> None:
    record = chain(1)[0]
    data = canonical_bytes(record.sequence, record.event, record.previous_hash)
    parsed = json.loads(data)
    assert list(parsed) == sorted(parsed)  # sorted keys
    assert b'", "' not in data and b'": ' not in data  # compact separators
    assert parsed["eventTime"] == "2026-12-07T02:01:00.000000Z"
    assert hashlib.sha256(data).hexdigest() == record.hash


def test_records_round_trip_through_their_stored_form() -> None:
    records = chain()
    stored = [json.loads(json.dumps(r.to_dict())) for r in records]
    restored = [AuditRecord.from_dict(d) for d in stored]
    assert restored == records
    assert verify_chain(restored).ok


def test_modified_record_is_named() -> None:
    records = chain()
    records[4] = dataclasses.replace(
        records[4], event=event(5, resource="vrn:vigil:monitoring-schedule/other")
    )
    report = verify_chain(records)
    assert [(p.kind, p.sequence) for p in report.problems] == [("modified", 5)]
    assert report.problems[0].request_id == "req-5"
    assert "record 5 (request req-5) modified" in report.explain()


def test_modified_record_with_recomputed_hash_is_named() -> None:
    records = chain()
    forged = chain_record(event(5, outcome="AccessDenied"), previous=records[3])
    records[4] = forged
    assert kinds(records) == [("modified", 5)]


def test_deleted_records_are_named() -> None:
    records = chain()
    del records[6]
    assert kinds(records) == [("deleted", 7)]
    assert kinds(chain()[:8], expected_last_sequence=10) == [("deleted", 9), ("deleted", 10)]
    assert kinds(chain()[1:]) == [("deleted", 1)]


def test_inserted_record_is_named() -> None:
    records = chain()
    intruder = chain_record(event(99, request_id="req-forged"), previous=records[3])  # claims 5
    records.insert(5, intruder)
    report = verify_chain(records)
    assert [(p.kind, p.sequence, p.position) for p in report.problems] == [("inserted", 5, 5)]
    assert report.problems[0].request_id == "req-forged"
    appended = [*chain(), chain_record(event(11), previous=None)]
    assert ("inserted", 1) in kinds(appended)
    beyond = chain()
    assert kinds(beyond, expected_last_sequence=9) == [("inserted", 10)]


def test_reordered_records_are_named() -> None:
    records = chain()
    records[3], records[4] = records[4], records[3]
    report = verify_chain(records)
    assert [(p.kind, p.sequence) for p in report.problems] == [("reordered", 4)]
    assert "stored after record 5" in report.problems[0].message


def test_slice_verification_starts_from_the_previous_hash() -> None:
    records = chain()
    assert verify_chain(records[5:], first_sequence=6, first_previous_hash=records[4].hash).ok
    assert kinds(records[5:], first_sequence=6, first_previous_hash=records[3].hash) == [
        ("modified", 6)
    ]


# -- signed digests ------------------------------------------------------------------------


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def digests(records: list[AuditRecord], key: Ed25519PrivateKey) -> list[SignedDigest]:
    out: list[SignedDigest] = []
    for hour, part in enumerate((records[:5], records[5:], [])):
        start = T0 + timedelta(hours=hour)
        out.append(
            build_digest(
                part,
                start_time=start,
                end_time=start + timedelta(hours=1),
                digest_object=f"audit-digest/2026/12/07/{hour:02d}.json",
                private_key=key,
                previous=out[-1] if out else None,
            )
        )
    return out


def test_digest_chain_verifies_and_is_plain_ed25519(key: Ed25519PrivateKey) -> None:
    records = chain()
    signed = digests(records, key)
    previous = None
    for digest in signed:
        verify_digest(digest, [Ed25519PrivateKey.generate().public_key(), key.public_key()],
                      previous=previous)  # fmt: skip
        previous = digest
    first = signed[0]
    assert first.document["firstSequence"] == 1 and first.document["lastSequence"] == 5
    assert first.document["records"][0] == {"sequence": 1, "hashValue": records[0].hash}
    assert signed[2].document["records"] == [] and signed[2].document["oldestEventTime"] is None
    # the signature is Ed25519 over CloudTrail's signing-string shape
    message = (
        f"{first.document['digestEndTime']}\n{first.name}\n"
        f"{hashlib.sha256(first.content).hexdigest()}\nnull"
    ).encode()
    key.public_key().verify(bytes.fromhex(first.signature), message)
    restored = SignedDigest.from_stored(first.content, first.signature)
    verify_digest(restored, [key.public_key()])


def test_modified_digest_is_refused(key: Ed25519PrivateKey) -> None:
    digest = digests(chain(), key)[0]
    content = digest.content.replace(b'"lastSequence":5', b'"lastSequence":4')
    with pytest.raises(IntegrityError, match="invalid signature") as caught:
        verify_digest(SignedDigest.from_stored(content, digest.signature), [key.public_key()])
    assert caught.value.path == digest.name


def test_digest_signed_by_another_key_is_refused(key: Ed25519PrivateKey) -> None:
    digest = digests(chain(), Ed25519PrivateKey.generate())[0]
    with pytest.raises(IntegrityError, match="unknown key"):
        verify_digest(digest, [key.public_key()])


def test_removed_digest_breaks_the_link(key: Ed25519PrivateKey) -> None:
    signed = digests(chain(), key)
    with pytest.raises(IntegrityError, match="does not link"):
        verify_digest(signed[2], [key.public_key()], previous=signed[0])


def test_rewritten_chain_is_caught_by_the_digest(key: Ed25519PrivateKey) -> None:
    """Someone who rewrites the store recomputes every later hash: the chain verifies, the digest
    names each record that changed."""
    records = chain()
    signed = digests(records, key)
    rewritten = records[:2]
    for original in records[3:]:  # record 3 deleted; everything after renumbered and re-hashed
        rewritten.append(chain_record(original.event, previous=rewritten[-1]))
    assert verify_chain(rewritten).ok
    problems = verify_against_digest(rewritten, signed[0])
    assert [(p.kind, p.sequence) for p in problems] == [
        ("modified", 3),
        ("modified", 4),
        ("modified", 5),
    ]
    tail = verify_against_digest(rewritten, signed[1])
    assert ("deleted", 10) in [(p.kind, p.sequence) for p in tail]


def test_digest_names_modified_deleted_and_inserted(key: Ed25519PrivateKey) -> None:
    records = chain()
    digest = digests(records, key)[0]
    assert verify_against_digest(records, digest) == ()
    tampered = [records[0], records[2], records[2], records[3]]
    tampered[3] = dataclasses.replace(records[3], event=event(4, principal="mallory"))
    found = [(p.kind, p.sequence) for p in verify_against_digest(tampered, digest)]
    assert found == [("deleted", 2), ("inserted", 3), ("modified", 4), ("deleted", 5)]
