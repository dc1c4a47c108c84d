"""Security building blocks: what they cost per request and per byte.

    .venv/bin/python bench/security.py                 # 256 MiB for the encryption rows
    .venv/bin/python bench/security.py --mib 64 --repeat 5

Prints, with the 1-minute load average:

* **encryption**: writing capture-like JSON Lines to a local file plainly and through
  :class:`vigil.security.crypto.EncryptingWriter` (64 KiB chunks, a local keyring), then reading
  it back plainly and through :class:`DecryptingReader`; MiB/s and the encrypted/plain ratio
  (target of issue #14: encrypted capture throughput >= 0.8x plain), and the traced peak memory
  of the encrypted pass;
* **per request** (median and p99 of many calls, microseconds): SigV4 verification of a
  botocore-signed ``InvokeEndpoint`` request with a 2 KiB body, policy evaluation against the
  DataScientist and MLOps managed policies, an API-token check through the verified-token cache,
  a full scrypt token verification (the cache's miss), and appending an audit record.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from vigil.security.audit import AuditEvent, chain_record
from vigil.security.crypto import DecryptingReader, EncryptingWriter
from vigil.security.keys import LocalKeyring
from vigil.security.managed_policies import managed_policies
from vigil.security.policy import Request, evaluate
from vigil.security.sigv4 import HttpRequest, SigV4Verifier
from vigil.security.tokens import VerifiedTokenCache, generate_token, verify_token

LINE = (
    b'{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT",'
    b'"data":"39,State-gov,77516,Bachelors,13,Never-married,Adm-clerical,Not-in-family,White,'
    b'Male,2174,0,40,United-States","encoding":"CSV"},"endpointOutput":{"observedContentType":'
    b'"text/csv; charset=utf-8","mode":"OUTPUT","data":"0.12","encoding":"CSV"}},'
    b'"eventMetadata":{"eventId":"7f1c2c4e-0c4b-4a7e-9a55-3e1f8f0b6d21","inferenceTime":'
    b'"2026-12-07T02:00:00Z"},"eventVersion":"0"}\n'
)


def _write(path: Path, total: int, encrypt: LocalKeyring | None) -> float:
    block = LINE * (65536 // len(LINE))
    start = time.perf_counter()
    with path.open("wb") as raw:
        sink = EncryptingWriter(raw, encrypt, close_sink=False) if encrypt else raw
        written = 0
        while written < total:
            sink.write(block)
            written += len(block)
        if encrypt:
            sink.close()
    return time.perf_counter() - start


def _read(path: Path, decrypt: LocalKeyring | None) -> float:
    start = time.perf_counter()
    with path.open("rb") as raw:
        source = DecryptingReader(raw, decrypt, close_source=False) if decrypt else raw
        while source.read(1 << 20):
            pass
    return time.perf_counter() - start


def _timings(fn: Callable[[], object], n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.99 * (len(samples) - 1))]


def _signed_request() -> tuple[HttpRequest, datetime]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1:8080/endpoints/churn/invocations",
        data=os.urandom(2048),
        headers={"Content-Type": "text/csv", "Accept": "application/json"},
    )
    SigV4Auth(Credentials("VKIABENCHMARK0000001", "s" * 40), "sagemaker", "us-east-1").add_auth(
        request
    )
    prepared = request.prepare()
    headers = [("Host", "127.0.0.1:8080"), *prepared.headers.items()]
    stamp = datetime.strptime(dict(headers)["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return HttpRequest("POST", urlsplit(prepared.url).path, "", headers, prepared.body), stamp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mib", type=int, default=256, help="MiB written per encryption run")
    parser.add_argument("--repeat", type=int, default=3, help="encryption runs (median kept)")
    parser.add_argument("--calls", type=int, default=20000, help="calls per per-request row")
    args = parser.parse_args()
    print(f"load average (1/5/15 min): {Path('/proc/loadavg').read_text().split()[:3]}")
    total = args.mib * 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        keyring = LocalKeyring.create(Path(tmp) / "keyring.json")
        plain_path, sealed_path = Path(tmp) / "plain.jsonl", Path(tmp) / "sealed.bin"
        rows: dict[str, list[float]] = {k: [] for k in ("pw", "ew", "pr", "er")}
        for _ in range(args.repeat):
            rows["pw"].append(_write(plain_path, total, None))
            rows["ew"].append(_write(sealed_path, total, keyring))
            rows["pr"].append(_read(plain_path, None))
            rows["er"].append(_read(sealed_path, keyring))
        med = {k: statistics.median(v) for k, v in rows.items()}
        mib = total / 1024 / 1024
        print(f"\nencryption, {mib:.0f} MiB of capture JSON Lines, median of {args.repeat} runs")
        for what, plain, sealed in (("write", "pw", "ew"), ("read", "pr", "er")):
            print(
                f"  {what:<6} plain {mib / med[plain]:8.0f} MiB/s   encrypted "
                f"{mib / med[sealed]:8.0f} MiB/s   encrypted/plain {med[plain] / med[sealed]:.2f}x"
            )
        tracemalloc.start()
        _write(sealed_path, total, keyring)
        _read(sealed_path, keyring)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"  traced peak memory of an encrypted write + read: {peak / 1024 / 1024:.2f} MiB")

    print(f"\nper request, {args.calls} calls: median / p99 in microseconds")
    request, stamp = _signed_request()
    verifier = SigV4Verifier(secret_for=lambda key: "s" * 40, replay_cache=None)
    _row("SigV4 verify (2 KiB body)", lambda: verifier.verify(request, now=stamp), args.calls)
    with_replay = SigV4Verifier(secret_for=lambda key: "s" * 40)

    def verify_and_release() -> None:
        with_replay.release(with_replay.verify(request, now=stamp))

    _row("SigV4 verify + replay cache", verify_and_release, args.calls)
    policies = managed_policies()
    pair = [policies["DataScientist"], policies["MLOps"]]
    context = {"aws:SourceIp": "203.0.113.7", "aws:username": "alice"}
    ask = Request("vigil:UpdateMonitoringSchedule", "vrn:vigil:monitoring-schedule/c", context)
    _row("policy evaluate (2 personas)", lambda: evaluate(pair, ask), args.calls)
    issued = generate_token()
    cache = VerifiedTokenCache()
    now = datetime.now(UTC)
    cache.remember(issued.token, now=now)
    _row("token check, cached", lambda: cache.check(issued.token, now=now), args.calls)
    _row("token check, scrypt ln=14", lambda: verify_token(issued.token, issued.hash), 30)
    event = AuditEvent(
        now, "alice", "vigil:CreateEndpoint", "vrn:vigil:endpoint/churn", "203.0.113.7",
        "req-1", "Success",
    )  # fmt: skip
    head = chain_record(event, previous=None)
    _row("audit record chained", lambda: chain_record(event, previous=head), args.calls)


def _row(label: str, fn: Callable[[], object], calls: int) -> None:
    median, p99 = _timings(fn, calls)
    print(f"  {label:<32} {median:10.1f} / {p99:10.1f}")


if __name__ == "__main__":
    main()
