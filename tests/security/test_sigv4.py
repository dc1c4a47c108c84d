"""SigV4 verification: AWS's test vectors, botocore's own signer, every tamper, skew and replay.

The vectors are those of spec/security-runtime-api.md §2.4 (AWS's aws-sig-v4-test-suite as
shipped with botocore, and aws-c-auth's aws-signing-test-suite), with the requests transcribed
from the suites' ``.req``/``header-signed-request.txt`` files.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from vigil.security.errors import SignatureError
from vigil.security.replay import ReplayCache
from vigil.security.sigv4 import (
    WIRE_ERRORS,
    HttpRequest,
    SigV4Verifier,
    canonical_request,
)

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
VECTOR_TIME = datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
TOKEN = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
HOST = "example.amazonaws.com"


def authorization(signed_headers: str, signature: str, service: str = "service") -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential={AKID}/20150830/us-east-1/{service}/aws4_request, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


def vector(
    method: str,
    path: str,
    query: str,
    headers: list[tuple[str, str]],
    signed: str,
    signature: str,
    body: bytes = b"",
    service: str = "service",
) -> HttpRequest:
    all_headers = [*headers, ("X-Amz-Date", "20150830T123600Z")]
    all_headers.append(("Authorization", authorization(signed, signature, service)))
    return HttpRequest(method, path, query, all_headers, body)


VECTORS = {
    "TS get-vanilla": vector(
        "GET", "/", "", [("Host", HOST)], "host;x-amz-date",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ),
    "TS get-vanilla-query-order-key-case": vector(
        "GET", "/", "Param2=value2&Param1=value1", [("Host", HOST)], "host;x-amz-date",
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    ),
    "TS post-x-www-form-urlencoded": vector(
        "POST", "/", "",
        [("Content-Type", "application/x-www-form-urlencoded"), ("Host", HOST)],
        "content-type;host;x-amz-date",
        "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
        body=b"Param1=value1",
    ),
    "CA post-x-www-form-urlencoded (signed content hash)": vector(
        "POST", "/", "",
        [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Host", HOST),
            ("Content-Length", "13"),
            (
                "x-amz-content-sha256",
                "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            ),
        ],
        "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
        "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
        body=b"Param1=value1",
    ),
    "CA get-vanilla-with-session-token": vector(
        "GET", "/", "", [("Host", HOST), ("X-Amz-Security-Token", TOKEN)],
        "host;x-amz-date;x-amz-security-token",
        "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
    ),
    "CA get-space-normalized": vector(
        "GET", "/example space/", "", [("Host", HOST)], "host;x-amz-date",
        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
    ),
    "CA get-relative-relative-normalized": vector(
        "GET", "/example1/example2/../..", "", [("Host", HOST)], "host;x-amz-date",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ),
    "CA get-slashes-normalized": vector(
        "GET", "//example//", "", [("Host", HOST)], "host;x-amz-date",
        "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
    ),
    "CA get-header-key-duplicate": vector(
        "GET", "/", "",
        [
            ("Host", HOST),
            ("My-Header1", "value2"),
            ("My-Header1", "value2"),
            ("My-Header1", "value1"),
        ],
        "host;my-header1;x-amz-date",
        "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
    ),
    "RUN invoke_endpoint": vector(
        "POST", "/endpoints/my-endpoint/invocations", "",
        [
            ("Content-Type", "application/json"),
            ("Host", "runtime.sagemaker.us-east-1.amazonaws.com"),
            ("User-Agent", "Boto3/1.44.18 md/Botocore#1.44.18"),  # unsigned, added by boto3
            ("Content-Length", "7"),
        ],
        "content-type;host;x-amz-date",
        "8eb9df63f993ed28fa0c5302988f44793a3e52e8d62414da905937ef1f039256",
        body=b'{"x":1}',
        service="sagemaker",
    ),
}  # fmt: skip


def vector_verifier(service: str) -> SigV4Verifier:
    return SigV4Verifier(
        secret_for={AKID: SECRET}.get,
        service=service,
        replay_cache=None,
        session_token_valid=lambda key, token: key == AKID and token == TOKEN,
    )


@pytest.mark.parametrize("name", list(VECTORS))
def test_aws_vectors_verify(name: str) -> None:
    request = VECTORS[name]
    service = "sagemaker" if name.startswith("RUN") else "service"
    verified = vector_verifier(service).verify(request, now=VECTOR_TIME)
    assert verified.access_key_id == AKID
    assert verified.date == VECTOR_TIME


def test_run_canonical_request_matches_spec() -> None:
    request = VECTORS["RUN invoke_endpoint"]
    assert canonical_request(request, ["content-type", "host", "x-amz-date"], (
        "5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22"
    )) == (
        "POST\n/endpoints/my-endpoint/invocations\n\ncontent-type:application/json\n"
        "host:runtime.sagemaker.us-east-1.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
        "content-type;host;x-amz-date\n"
        "5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22"
    )  # fmt: skip


def test_session_token_is_refused_without_a_validator() -> None:
    verifier = SigV4Verifier(secret_for={AKID: SECRET}.get, service="service", replay_cache=None)
    with pytest.raises(SignatureError) as caught:
        verifier.verify(VECTORS["CA get-vanilla-with-session-token"], now=VECTOR_TIME)
    assert caught.value.code == "UnrecognizedClient"


# -- requests signed by botocore's own SigV4Auth --------------------------------------------

BOTO_KEY = "AKIAVIGILTEST0000001"
BOTO_SECRET = "bm90LWEtcmVhbC1zZWNyZXQtYnV0LWxvbmctZW5vdWdoLTQw"
ENDPOINT = "http://127.0.0.1:8080"
BINARY = bytes(range(256)) * 4


def boto_signed(
    path: str = "/endpoints/churn-model/invocations",
    query: str = "",
    body: bytes = BINARY,
    headers: dict[str, str] | None = None,
    *,
    region: str = "us-east-1",
    secret: str = BOTO_SECRET,
    presign_expires: int | None = None,
    method: str = "POST",
) -> HttpRequest:
    """Sign with botocore, then add the headers botocore adds after signing, as sent."""
    url = ENDPOINT + path + (f"?{query}" if query else "")
    request = AWSRequest(
        method=method,
        url=url,
        data=body,
        headers={
            "Content-Type": "application/octet-stream",
            "Accept": "application/json",
            "X-Amzn-SageMaker-Custom-Attributes": "  trace=1;   c=2 ",  # whitespace runs collapse
            **(headers or {}),
        },
    )
    credentials = Credentials(BOTO_KEY, secret)
    if presign_expires is None:
        SigV4Auth(credentials, "sagemaker", region).add_auth(request)
    else:
        SigV4QueryAuth(credentials, "sagemaker", region, expires=presign_expires).add_auth(request)
    prepared = request.prepare()
    split = urlsplit(prepared.url)
    sent = [
        ("Host", split.netloc),  # added by the HTTP client from the URL, as botocore signed it
        *prepared.headers.items(),
        ("User-Agent", "Boto3/1.43 md/Botocore#1.43"),
        ("amz-sdk-invocation-id", "0b8f2a2e-1111-2222-3333-444455556666"),
        ("amz-sdk-request", "attempt=1; max=3"),
    ]
    return HttpRequest(prepared.method, split.path, split.query, sent, prepared.body or b"")


def signed_time(request: HttpRequest) -> datetime:
    stamp = request.header("x-amz-date")
    if stamp is None:
        stamp = dict(p.split("=", 1) for p in request.query.split("&"))["X-Amz-Date"]
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def runtime_verifier(**options: Any) -> SigV4Verifier:
    options.setdefault("replay_cache", None)
    return SigV4Verifier(secret_for={BOTO_KEY: BOTO_SECRET}.get, **options)


@pytest.mark.parametrize(
    ("path", "query", "body"),
    [
        ("/endpoints/churn-model/invocations", "", BINARY),
        ("/endpoints/churn-model/invocations", "", b""),
        ("/endpoints/churn-model/async-invocations", "", b"a,b\n1,2\n"),
        ("/endpoints/churn-model/invocations-response-stream", "", b"\x00\xff" * 3000),
        ("/endpoints/a%3Ab/./x//invocations", "", b"{}"),
        ("/endpoints/%E2%82%AC%20x/invocations", "", b"{}"),
        ("/endpoints/e/invocations", "b=2&a=1&a=0&empty=&sp=a%20b&slash=%2F&tilde=~", b"x"),
        ("/endpoints/e/invocations", "flag&z=%E2%82%AC&x=%2A", b"x"),
        ("/endpoints/e/", "", b"x"),
    ],
)
def test_botocore_signed_requests_verify(path: str, query: str, body: bytes) -> None:
    request = boto_signed(path, query, body)
    verified = runtime_verifier().verify(request, now=signed_time(request))
    assert verified.access_key_id == BOTO_KEY
    assert verified.service == "sagemaker"
    assert "x-amzn-sagemaker-custom-attributes" in verified.signed_headers


def replace_header(request: HttpRequest, name: str, value: str | None) -> HttpRequest:
    headers = [(k, v) for k, v in request.headers if k.lower() != name.lower()]
    if value is not None:
        headers.append((name, value))
    return dataclasses.replace(request, headers=headers)


def edit_authorization(request: HttpRequest, old: str, new: str) -> HttpRequest:
    auth = request.header("authorization") or ""
    assert old in auth
    return replace_header(request, "Authorization", auth.replace(old, new, 1))


def flip_signature(request: HttpRequest) -> HttpRequest:
    auth = request.header("authorization") or ""
    last = auth[-1]
    return replace_header(request, "Authorization", auth[:-1] + ("0" if last != "0" else "1"))


BASE = boto_signed(query="a=1&b=2")
TAMPERS = {
    "method": (lambda r: dataclasses.replace(r, method="PUT"), "SignatureDoesNotMatch"),
    "path": (
        lambda r: dataclasses.replace(r, path="/endpoints/other-model/invocations"),
        "SignatureDoesNotMatch",
    ),
    "query value": (lambda r: dataclasses.replace(r, query="a=1&b=3"), "SignatureDoesNotMatch"),
    "query added": (lambda r: dataclasses.replace(r, query="a=1&b=2&c=3"), "SignatureDoesNotMatch"),
    "body byte": (
        lambda r: dataclasses.replace(r, body=r.body[:10] + b"\x00" + r.body[11:]),
        "SignatureDoesNotMatch",
    ),
    "body truncated": (lambda r: dataclasses.replace(r, body=r.body[:-1]), "SignatureDoesNotMatch"),
    "content-type": (
        lambda r: replace_header(r, "Content-Type", "text/csv"),
        "SignatureDoesNotMatch",
    ),
    "custom attributes": (
        lambda r: replace_header(r, "X-Amzn-SageMaker-Custom-Attributes", "trace=2"),
        "SignatureDoesNotMatch",
    ),
    "host": (lambda r: replace_header(r, "Host", "127.0.0.1:8081"), "SignatureDoesNotMatch"),
    "x-amz-date": (
        lambda r: replace_header(
            r, "X-Amz-Date", (signed_time(r) + timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
        ),
        "SignatureDoesNotMatch",
    ),
    "signature": (flip_signature, "SignatureDoesNotMatch"),
    "access key": (
        lambda r: edit_authorization(r, f"Credential={BOTO_KEY}", "Credential=AKIAUNKNOWN"),
        "UnrecognizedClient",
    ),
    "region": (
        lambda r: edit_authorization(r, "/us-east-1/", "/eu-west-1/"),
        "SignatureDoesNotMatch",
    ),
    "service": (lambda r: edit_authorization(r, "/sagemaker/", "/s3/"), "InvalidSignature"),
    "terminator": (
        lambda r: edit_authorization(r, "/aws4_request", "/aws5_request"),
        "InvalidSignature",
    ),
    "scope date": (
        lambda r: edit_authorization(
            r,
            f"/{signed_time(r):%Y%m%d}/",
            f"/{signed_time(r) - timedelta(days=1):%Y%m%d}/",
        ),
        "InvalidSignature",
    ),
    "signed headers (content-type dropped)": (
        lambda r: edit_authorization(r, "content-type;", ""),
        "SignatureDoesNotMatch",
    ),
    "signed headers (host dropped)": (
        lambda r: edit_authorization(r, ";host;", ";"),
        "InvalidSignature",
    ),
    "signed headers (sagemaker header dropped)": (
        lambda r: edit_authorization(r, ";x-amzn-sagemaker-custom-attributes", ""),
        "InvalidSignature",
    ),
    "unsigned sagemaker header added": (
        lambda r: replace_header(r, "X-Amzn-SageMaker-Target-Variant", "canary"),
        "InvalidSignature",
    ),
    "algorithm": (
        lambda r: edit_authorization(r, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
        "IncompleteSignature",
    ),
    "signature truncated": (
        lambda r: replace_header(r, "Authorization", (r.header("authorization") or "")[:-2]),
        "IncompleteSignature",
    ),
    "authorization element missing": (
        lambda r: edit_authorization(r, "SignedHeaders=", "Signedheaders="),
        "IncompleteSignature",
    ),
    "authorization removed": (
        lambda r: replace_header(r, "Authorization", None),
        "MissingAuthenticationToken",
    ),
    "x-amz-date removed": (
        lambda r: replace_header(r, "X-Amz-Date", None),
        "IncompleteSignature",
    ),
    "x-amz-date malformed": (
        lambda r: replace_header(r, "X-Amz-Date", "2026-12-07T02:00:00Z"),
        "IncompleteSignature",
    ),
    "session token added": (
        lambda r: replace_header(r, "X-Amz-Security-Token", "forged"),
        "InvalidSignature",  # present but not signed
    ),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_every_single_field_tamper_fails_with_its_code(name: str) -> None:
    tamper, code = TAMPERS[name]
    verifier = runtime_verifier()
    now = signed_time(BASE)
    verifier.verify(BASE, now=now)  # the untampered request verifies
    with pytest.raises(SignatureError) as caught:
        verifier.verify(tamper(BASE), now=now)
    assert caught.value.code == code, str(caught.value)
    assert caught.value.code in WIRE_ERRORS
    assert isinstance(caught.value, PermissionError)


def test_unsigned_headers_may_change() -> None:
    request = replace_header(BASE, "User-Agent", "something else")
    request = replace_header(request, "amz-sdk-request", "attempt=2; max=3")
    runtime_verifier().verify(request, now=signed_time(BASE))


def test_wrong_secret_does_not_match() -> None:
    request = boto_signed(secret="another-secret")
    with pytest.raises(SignatureError, match="does not match") as caught:
        runtime_verifier().verify(request, now=signed_time(request))
    assert caught.value.code == "SignatureDoesNotMatch"


def test_region_allow_list() -> None:
    request = boto_signed(region="eu-west-1")
    runtime_verifier().verify(request, now=signed_time(request))
    with pytest.raises(SignatureError, match="valid region, not 'eu-west-1'"):
        runtime_verifier(regions={"us-east-1"}).verify(request, now=signed_time(request))


def test_host_allow_list() -> None:
    runtime_verifier(hosts={"127.0.0.1:8080"}).verify(BASE, now=signed_time(BASE))
    with pytest.raises(SignatureError) as caught:
        runtime_verifier(hosts={"vigil.example.com"}).verify(BASE, now=signed_time(BASE))
    assert caught.value.code == "InvalidSignature"
    assert caught.value.field == "Host"


def test_content_sha256_header_must_match_body() -> None:
    good = boto_signed(headers={"X-Amz-Content-SHA256": _sha(BINARY)})
    runtime_verifier().verify(good, now=signed_time(good))
    bad = boto_signed(headers={"X-Amz-Content-SHA256": _sha(b"other")})
    with pytest.raises(SignatureError) as caught:
        runtime_verifier().verify(bad, now=signed_time(bad))
    assert caught.value.code == "XAmzContentSHA256Mismatch"


def test_unsigned_payload_only_over_tls() -> None:
    request = boto_signed(headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    runtime_verifier().verify(request, now=signed_time(request), secure_transport=True)
    with pytest.raises(SignatureError, match="only over TLS"):
        runtime_verifier().verify(request, now=signed_time(request), secure_transport=False)


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (timedelta(minutes=15, seconds=1), "Signature expired"),
        (-timedelta(minutes=15, seconds=1), "Signature not yet current"),
    ],
)
def test_clock_skew_beyond_15_minutes_is_refused(offset: timedelta, message: str) -> None:
    signed = signed_time(BASE)
    runtime_verifier().verify(
        BASE, now=signed + timedelta(minutes=15 if offset > timedelta(0) else -15)
    )
    with pytest.raises(SignatureError, match=message) as caught:
        runtime_verifier().verify(BASE, now=signed + offset)
    assert caught.value.code == "InvalidSignature"
    assert "15 min." in str(caught.value)


def test_replayed_signature_is_refused_until_released_or_expired() -> None:
    verifier = runtime_verifier(replay_cache="default")
    now = signed_time(BASE)
    verified = verifier.verify(BASE, now=now)
    with pytest.raises(SignatureError) as caught:
        verifier.verify(BASE, now=now + timedelta(seconds=1))
    assert caught.value.code == "ReplayedSignature"
    verifier.release(verified)  # the service answered 5xx: botocore may retry the same bytes
    verifier.verify(BASE, now=now + timedelta(seconds=2))
    # once the window has passed, the skew check refuses it and the cache lets its entry go
    with pytest.raises(SignatureError, match="expired"):
        verifier.verify(BASE, now=now + timedelta(minutes=16))
    cache = verifier.replay_cache
    assert cache is not None
    later = now + timedelta(minutes=16)
    assert cache.add("another", signed_at=later, now=later)
    assert len(cache) == 1


def test_replay_cache_is_bounded() -> None:
    cache = ReplayCache(window=timedelta(minutes=15), max_entries=100)
    t = datetime(2026, 12, 7, tzinfo=UTC)
    for i in range(1000):
        assert cache.add(f"sig-{i}", signed_at=t + timedelta(seconds=i), now=t)
    assert len(cache) == 100
    assert cache.evicted == 900
    assert not cache.add("sig-999", signed_at=t, now=t)


def test_presigned_urls_verify_when_allowed() -> None:
    request = boto_signed("/endpoints/e/invocations", "x=1", b"", method="GET", presign_expires=300)
    now = signed_time(request)
    runtime_verifier(allow_presigned=True).verify(request, now=now + timedelta(seconds=299))
    with pytest.raises(SignatureError, match="Signature expired"):
        runtime_verifier(allow_presigned=True).verify(request, now=now + timedelta(seconds=301))
    with pytest.raises(SignatureError, match="Presigned URLs are not accepted"):
        runtime_verifier().verify(request, now=now)
    tampered = dataclasses.replace(request, query=request.query.replace("x=1", "x=2"))
    with pytest.raises(SignatureError) as caught:
        runtime_verifier(allow_presigned=True).verify(tampered, now=now)
    assert caught.value.code == "SignatureDoesNotMatch"


def test_header_and_query_auth_together_are_refused() -> None:
    request = boto_signed(query="X-Amz-Algorithm=AWS4-HMAC-SHA256")
    with pytest.raises(SignatureError, match="Only one auth mechanism") as caught:
        runtime_verifier(allow_presigned=True).verify(request, now=signed_time(request))
    assert caught.value.code == "IncompleteSignature"


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_replay_key_with_invocation_id_lets_identical_calls_pass() -> None:
    second_call = replace_header(BASE, "amz-sdk-invocation-id", "another-call")
    strict = runtime_verifier(replay_cache="default")
    strict.verify(BASE, now=signed_time(BASE))
    with pytest.raises(SignatureError):
        strict.verify(second_call, now=signed_time(BASE))
    lenient = runtime_verifier(replay_cache="default", replay_key="signature+invocation-id")
    lenient.verify(BASE, now=signed_time(BASE))
    lenient.verify(second_call, now=signed_time(BASE))
    with pytest.raises(SignatureError) as caught:
        lenient.verify(second_call, now=signed_time(BASE))  # the same call again (a retry)
    assert caught.value.code == "ReplayedSignature"
