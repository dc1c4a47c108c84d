"""Server-side verification of AWS Signature Version 4 requests (``AWS4-HMAC-SHA256``).

A boto3 client pointed at Vigil with ``endpoint_url=`` and a Vigil access key signs each
request exactly as it would for AWS; :class:`SigV4Verifier` rebuilds the canonical request from
what arrived and checks the signature (spec/security-runtime-api.md §2.2, AWS's *Create a signed
AWS API request*, botocore ``auth.SigV4Auth``):

1. parse ``Authorization: AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/region/service/aws4_request,
   SignedHeaders=a;b, Signature=<64 hex>`` (or, when allowed, the presigned ``X-Amz-*`` query);
2. read ``X-Amz-Date`` (else ``Date``), check the scope date, region, service and terminator,
   and the clock skew (15 minutes by default);
3. canonical request: method, the URI path normalised (``.``/``..``/``//``) then %-encoded a
   second time (every service but S3), the query decoded, re-encoded and sorted, the signed
   headers lower-cased, trimmed and joined, and the payload hash (``X-Amz-Content-SHA256`` if
   sent, else SHA-256 of the body);
4. string to sign and the HMAC-SHA256 key chain of the secret looked up for the access key;
5. refuse a signature seen before within its validity window (:class:`ReplayCache`).

The module is pure: time (``now``) and the secret lookup (``secret_for``) are arguments, and the
request is plain data (:class:`HttpRequest`). Errors are :class:`~vigil.security.errors.SignatureError`
with ``code`` one of :data:`ERROR_CODES`; :data:`WIRE_ERRORS` says how a rest-json service such
as SageMaker Runtime answers each (the ``x-amzn-ErrorType`` and the status, spec D7).

>>> import hashlib
>>> verifier = SigV4Verifier(secret_for={"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}.get,
...                          service="service", replay_cache=None)
>>> request = HttpRequest("GET", "/", "", [
...     ("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z"),
...     ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
...      "aws4_request, SignedHeaders=host;x-amz-date, "
...      "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")])
>>> verifier.verify(request, now=datetime(2015, 8, 30, 12, 36, tzinfo=UTC)).access_key_id
'AKIDEXAMPLE'
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import quote, unquote

from vigil.security.errors import SignatureError
from vigil.security.replay import ReplayCache

__all__ = [
    "ALGORITHM",
    "ERROR_CODES",
    "WIRE_ERRORS",
    "HttpRequest",
    "SigV4Verifier",
    "SignatureErrorCode",
    "VerifiedRequest",
    "canonical_query_string",
    "canonical_request",
    "canonical_uri",
    "normalize_path",
    "signing_key",
    "string_to_sign",
]

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_PRESIGN_EXPIRES = 604_800  # seconds, 7 days

SignatureErrorCode = Literal[
    "MissingAuthenticationToken",
    "IncompleteSignature",
    "UnrecognizedClient",
    "InvalidSignature",
    "SignatureDoesNotMatch",
    "ReplayedSignature",
    "XAmzContentSHA256Mismatch",
]
ERROR_CODES: tuple[SignatureErrorCode, ...] = (
    "MissingAuthenticationToken",
    "IncompleteSignature",
    "UnrecognizedClient",
    "InvalidSignature",
    "SignatureDoesNotMatch",
    "ReplayedSignature",
    "XAmzContentSHA256Mismatch",
)
"""The ``code`` of every :class:`SignatureError` this module raises."""

WIRE_ERRORS: dict[str, tuple[str, int]] = {
    "MissingAuthenticationToken": ("MissingAuthenticationTokenException", 403),
    "IncompleteSignature": ("IncompleteSignatureException", 400),
    "UnrecognizedClient": ("UnrecognizedClientException", 403),
    "InvalidSignature": ("InvalidSignatureException", 403),
    "SignatureDoesNotMatch": ("InvalidSignatureException", 403),
    "ReplayedSignature": ("InvalidSignatureException", 403),
    "XAmzContentSHA256Mismatch": ("InvalidSignatureException", 400),
}
"""``code`` → (``x-amzn-ErrorType`` value, HTTP status) for a rest-json service (spec D7).

AWS's JSON services answer a wrong signature with ``InvalidSignatureException`` (S3 would say
``SignatureDoesNotMatch``); the finer ``code`` stays available for logs and the audit trail.
"""

MISMATCH_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
_SIGNATURE = re.compile(r"^[0-9a-f]{64}$")
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_ALWAYS_SIGNED_PREFIXES = ("x-amzn-sagemaker-",)
_SIGNED_IF_PRESENT = ("x-amz-security-token", "x-amz-content-sha256")


def _fail(code: SignatureErrorCode, message: str, field: str | None = None) -> SignatureError:
    return SignatureError(message, code=code, field=field)


@dataclass(frozen=True)
class HttpRequest:
    """A request as it arrived, before any decoding.

    Parameters
    ----------
    method : str
    path : str
        The path as sent on the wire, still %-encoded (ASGI ``raw_path``, not ``path``).
    query : str
        The raw query string without ``?`` (ASGI ``query_string``).
    headers : sequence of (name, value)
        Every header in arrival order, names in any case; repeated names allowed.
    body : bytes, default=b""
    """

    method: str
    path: str
    query: str
    headers: Sequence[tuple[str, str]]
    body: bytes = b""

    def header_values(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in arrival order."""
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def header(self, name: str) -> str | None:
        """The values of ``name`` joined with ``,``, or ``None`` if absent."""
        values = self.header_values(name)
        return ",".join(values) if values else None


@dataclass(frozen=True)
class VerifiedRequest:
    """What a verified signature established."""

    access_key_id: str
    date: datetime
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    session_token: str | None
    presigned: bool
    replay_key: str


@dataclass(frozen=True)
class _Credentials:
    access_key_id: str
    scope_date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    presigned: bool
    expires: int | None
    session_token: str | None


def normalize_path(path: str) -> str:
    """RFC 3986 §5.2.4 dot-segment removal plus ``//`` collapsing, keeping a trailing ``/``.

    >>> normalize_path("/endpoints/a%3Ab/./x//invocations")
    '/endpoints/a%3Ab/x/invocations'
    >>> normalize_path("/example1/example2/../.."), normalize_path("//example//")
    ('/', '/example/')
    """
    if not path:
        return "/"
    kept: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if kept:
                kept.pop()
        else:
            kept.append(segment)
    lead = "/" if path.startswith("/") else ""
    trail = "/" if path.endswith("/") and kept else ""
    return (lead + "/".join(kept) + trail) or "/"


def canonical_uri(path: str) -> str:
    """The canonical URI of every service but S3: normalised, then %-encoded again.

    Only ``A-Za-z0-9-._~/`` stay literal, so an encoded ``%3A`` becomes ``%253A`` (spec §2.2).

    >>> canonical_uri("/endpoints/a%3Ab/./x//invocations")
    '/endpoints/a%253Ab/x/invocations'
    """
    return quote(normalize_path(path), safe="/~")


def canonical_query_string(query: str, *, exclude: Collection[str] = ()) -> str:
    """Decode each ``name=value`` pair, re-encode unreserved-only, sort by name then value.

    >>> canonical_query_string("Param2=value2&Param1=value1&flag")
    'Param1=value1&Param2=value2&flag='
    """
    pairs: list[tuple[str, str]] = []
    for item in query.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        name = unquote(name)
        if name in exclude:
            continue
        pairs.append((quote(name, safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _header_value(value: str) -> str:
    return " ".join(value.split())


def canonical_request(
    request: HttpRequest,
    signed_headers: Sequence[str],
    payload_hash: str,
    *,
    exclude_query: Collection[str] = (),
) -> str:
    """The canonical request text (spec §2.2 step 5), newline-joined.

    Parameters
    ----------
    request : HttpRequest
    signed_headers : sequence of str
        Lower-case header names, as the ``SignedHeaders`` element lists them.
    payload_hash : str
        Hex SHA-256 of the body, or the ``X-Amz-Content-SHA256`` value sent.
    exclude_query : collection of str
        Query parameters left out (``X-Amz-Signature`` of a presigned URL).
    """
    lines = [
        f"{name}:{','.join(_header_value(v) for v in request.header_values(name))}"
        for name in sorted(signed_headers)
    ]
    return "\n".join(
        [
            request.method.upper(),
            canonical_uri(request.path),
            canonical_query_string(request.query, exclude=exclude_query),
            *lines,
            "",
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def string_to_sign(amz_date: str, scope: str, canonical: str) -> str:
    """``AWS4-HMAC-SHA256\\n<date>\\n<scope>\\n<hex sha256(canonical request)>``."""
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")."""
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


class SigV4Verifier:
    """Verifies SigV4-signed requests against secrets the service keeps.

    Parameters
    ----------
    secret_for : callable
        Access key id → secret access key, or ``None`` when the key is unknown or revoked.
    service : str, default="sagemaker"
        The signing name every credential scope must carry (boto3's ``sagemaker-runtime`` and
        ``sagemaker`` clients both sign as ``sagemaker``).
    regions : collection of str, optional
        Regions accepted in the scope; ``None`` accepts any.
    max_skew : timedelta, default=15 minutes
        How far the request's time may be from ``now`` either way.
    replay_cache : ReplayCache or None
        Where accepted signatures are recorded; ``None`` turns replay refusal off. By default a
        cache whose window is ``max_skew``.
    hosts : collection of str, optional
        Accepted ``Host`` values (with ``:port`` when not default, spec D5); ``None`` accepts any.
    session_token_valid : callable, optional
        ``(access_key_id, token) -> bool`` for ``X-Amz-Security-Token``; without it any
        session token is refused (Vigil issues long-term keys only).
    allow_presigned : bool, default=False
        Accept query-string (presigned URL) authentication (spec D11 keeps it off in v1).
    replay_key : {"signature", "signature+invocation-id"}, default="signature"
        What the replay cache records. ``"signature"`` refuses the same signed request twice
        in its window, including a client's *legitimate* identical request within the same
        second (same body, same ``X-Amz-Date``). ``"signature+invocation-id"`` adds botocore's
        per-call ``amz-sdk-invocation-id`` header, so identical calls pass and only the same
        call (a retry, or a copy) is refused; since that header is unsigned, a deliberate
        replayer who changes it is not stopped (spec D2).
    """

    def __init__(
        self,
        *,
        secret_for: Callable[[str], str | None],
        service: str = "sagemaker",
        regions: Collection[str] | None = None,
        max_skew: timedelta = timedelta(minutes=15),
        replay_cache: ReplayCache | Literal["default"] | None = "default",
        hosts: Collection[str] | None = None,
        session_token_valid: Callable[[str, str], bool] | None = None,
        allow_presigned: bool = False,
        replay_key: Literal["signature", "signature+invocation-id"] = "signature",
    ) -> None:
        self.secret_for = secret_for
        self.service = service
        self.regions = None if regions is None else frozenset(regions)
        self.max_skew = max_skew
        self.replay_cache = (
            ReplayCache(window=max_skew) if replay_cache == "default" else replay_cache
        )
        self.hosts = None if hosts is None else frozenset(h.lower() for h in hosts)
        self.session_token_valid = session_token_valid
        self.allow_presigned = allow_presigned
        self.replay_key = replay_key

    @staticmethod
    def is_signed(request: HttpRequest) -> bool:
        """Whether the request carries SigV4 authentication (header or presigned query)."""
        auth = request.header("authorization")
        if auth is not None and auth.lstrip().startswith("AWS4-"):
            return True
        return "x-amz-algorithm=" in request.query.lower()

    def verify(
        self, request: HttpRequest, *, now: datetime, secure_transport: bool = False
    ) -> VerifiedRequest:
        """Verify ``request`` at time ``now`` (aware, UTC).

        Parameters
        ----------
        request : HttpRequest
        now : datetime
            The server's current time.
        secure_transport : bool, default=False
            Whether the request came over TLS; ``UNSIGNED-PAYLOAD`` is accepted only then (D4).

        Returns
        -------
        VerifiedRequest

        Raises
        ------
        SignatureError
            With ``code`` ``MissingAuthenticationToken`` (no SigV4 at all),
            ``IncompleteSignature`` (a malformed ``Authorization`` header or query),
            ``UnrecognizedClient`` (unknown access key or session token), ``InvalidSignature``
            (scope, date, skew, host or required-signed-header problems),
            ``XAmzContentSHA256Mismatch`` (a payload hash that is not the body's),
            ``SignatureDoesNotMatch`` or ``ReplayedSignature``.
        """
        creds = self._credentials(request)
        signed_at = self._check_time(creds, request, now)
        self._check_scope(creds)
        self._check_signed_headers(creds, request)
        secret = self.secret_for(creds.access_key_id)
        if secret is None:
            raise _fail(
                "UnrecognizedClient", "The security token included in the request is invalid."
            )
        if creds.session_token is not None and not (
            self.session_token_valid is not None
            and self.session_token_valid(creds.access_key_id, creds.session_token)
        ):
            raise _fail(
                "UnrecognizedClient",
                "The security token included in the request is invalid.",
                "X-Amz-Security-Token",
            )
        payload_hash = self._payload_hash(request, secure_transport)
        canonical = canonical_request(
            request,
            creds.signed_headers,
            payload_hash,
            exclude_query=("X-Amz-Signature",) if creds.presigned else (),
        )
        scope = f"{creds.scope_date}/{creds.region}/{creds.service}/aws4_request"
        to_sign = string_to_sign(creds.amz_date, scope, canonical)
        key = signing_key(secret, creds.scope_date, creds.region, creds.service)
        expected = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, creds.signature):
            raise _fail("SignatureDoesNotMatch", MISMATCH_MESSAGE)
        replay_key = creds.signature
        if self.replay_key == "signature+invocation-id":
            replay_key += ":" + (request.header("amz-sdk-invocation-id") or "")
        if self.replay_cache is not None and not self.replay_cache.add(
            replay_key, signed_at=signed_at, now=now
        ):
            raise _fail(
                "ReplayedSignature",
                "Signature has already been used; sign each request anew.",
            )
        return VerifiedRequest(
            access_key_id=creds.access_key_id,
            date=signed_at,
            region=creds.region,
            service=creds.service,
            signed_headers=creds.signed_headers,
            signature=creds.signature,
            session_token=creds.session_token,
            presigned=creds.presigned,
            replay_key=replay_key,
        )

    def release(self, verified: VerifiedRequest) -> None:
        """Let the same signed request be retried: call after answering it with a 5xx (D2)."""
        if self.replay_cache is not None:
            self.replay_cache.release(verified.replay_key)

    # -- parsing -------------------------------------------------------------------------

    def _credentials(self, request: HttpRequest) -> _Credentials:
        authorization = request.header("authorization")
        query = _query_params(request.query)
        presigned = "X-Amz-Algorithm" in query
        if authorization is not None and presigned:
            raise _fail(
                "IncompleteSignature",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or "
                "the Authorization header should be specified",
            )
        if authorization is None and not presigned:
            raise _fail("MissingAuthenticationToken", "Missing Authentication Token")
        if presigned:
            if not self.allow_presigned:
                raise _fail(
                    "InvalidSignature",
                    "Presigned URLs are not accepted here; sign the Authorization header.",
                    "X-Amz-Algorithm",
                )
            return _presigned_credentials(query)
        return _header_credentials(authorization or "", request)

    def _check_time(self, creds: _Credentials, request: HttpRequest, now: datetime) -> datetime:
        try:
            signed_at = datetime.strptime(creds.amz_date, _AMZ_DATE).replace(tzinfo=UTC)
        except ValueError:
            raise _fail(
                "IncompleteSignature",
                f"X-Amz-Date must be in the ISO-8601 basic format YYYYMMDD'T'HHMMSS'Z'. "
                f"Got {creds.amz_date!r} instead.",
                "X-Amz-Date",
            ) from None
        if creds.scope_date != creds.amz_date[:8]:
            raise _fail(
                "InvalidSignature",
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                f"from HTTP: '{creds.scope_date}' != '{creds.amz_date[:8]}', from 'X-Amz-Date'.",
                "Credential",
            )
        minutes = f"{self.max_skew.total_seconds() / 60:g} min."
        if creds.presigned and creds.expires is not None:
            if now > signed_at + timedelta(seconds=creds.expires):
                raise _fail(
                    "InvalidSignature",
                    f"Signature expired: {creds.amz_date} is now earlier than "
                    f"{_amz(now - timedelta(seconds=creds.expires))} "
                    f"({_amz(now)} - {creds.expires} sec.)",
                    "X-Amz-Expires",
                )
        elif signed_at < now - self.max_skew:
            raise _fail(
                "InvalidSignature",
                f"Signature expired: {creds.amz_date} is now earlier than "
                f"{_amz(now - self.max_skew)} ({_amz(now)} - {minutes})",
                "X-Amz-Date",
            )
        if signed_at > now + self.max_skew:
            raise _fail(
                "InvalidSignature",
                f"Signature not yet current: {creds.amz_date} is still later than "
                f"{_amz(now + self.max_skew)} ({_amz(now)} + {minutes})",
                "X-Amz-Date",
            )
        return signed_at

    def _check_scope(self, creds: _Credentials) -> None:
        if creds.terminator != "aws4_request":
            raise _fail(
                "InvalidSignature",
                "Credential should be scoped with a valid terminator: 'aws4_request', "
                f"not '{creds.terminator}'.",
                "Credential",
            )
        if creds.service != self.service:
            raise _fail(
                "InvalidSignature",
                f"Credential should be scoped to correct service: '{self.service}'.",
                "Credential",
            )
        if self.regions is not None and creds.region not in self.regions:
            raise _fail(
                "InvalidSignature",
                f"Credential should be scoped to a valid region, not '{creds.region}'.",
                "Credential",
            )

    def _check_signed_headers(self, creds: _Credentials, request: HttpRequest) -> None:
        signed = set(creds.signed_headers)
        if "host" not in signed:
            raise _fail(
                "InvalidSignature",
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
                "SignedHeaders",
            )
        if not creds.presigned and "x-amz-date" not in signed and "date" not in signed:
            raise _fail(
                "InvalidSignature",
                "'X-Amz-Date' or 'Date' must be a 'SignedHeader' in the AWS Authorization.",
                "SignedHeaders",
            )
        present = {name.lower() for name, _ in request.headers}
        for name in sorted(present - signed):
            if name in _SIGNED_IF_PRESENT or name.startswith(_ALWAYS_SIGNED_PREFIXES):
                if name == "x-amz-security-token" and creds.presigned:
                    continue
                raise _fail(
                    "InvalidSignature",
                    f"The header {name!r} is present but not signed; it must be a SignedHeader.",
                    "SignedHeaders",
                )
        host = request.header("host")
        if self.hosts is not None and (host is None or host.strip().lower() not in self.hosts):
            raise _fail(
                "InvalidSignature",
                f"The request was signed for host {host!r}, which is not this service's.",
                "Host",
            )

    def _payload_hash(self, request: HttpRequest, secure_transport: bool) -> str:
        declared = request.header("x-amz-content-sha256")
        if declared is None:
            return hashlib.sha256(request.body).hexdigest()
        declared = declared.strip()
        if declared == UNSIGNED_PAYLOAD:
            if not secure_transport:
                raise _fail(
                    "InvalidSignature",
                    "UNSIGNED-PAYLOAD is accepted only over TLS; sign the payload.",
                    "X-Amz-Content-SHA256",
                )
            return declared
        if not _SIGNATURE.match(declared):
            raise _fail(
                "InvalidSignature",
                f"X-Amz-Content-SHA256 must be the hex SHA-256 of the payload or "
                f"UNSIGNED-PAYLOAD. Got {declared[:80]!r} instead.",
                "X-Amz-Content-SHA256",
            )
        actual = hashlib.sha256(request.body).hexdigest()
        if not hmac.compare_digest(actual, declared):
            raise _fail(
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                "X-Amz-Content-SHA256",
            )
        return declared


def _amz(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_AMZ_DATE)


def _query_params(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in query.split("&"):
        if item:
            name, _, value = item.partition("=")
            params.setdefault(unquote(name), unquote(value))
    return params


def _split_credential(credential: str, field: str) -> tuple[str, str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or not all(parts):
        raise _fail(
            "IncompleteSignature",
            f"Credential must have the form AccessKeyId/YYYYMMDD/region/service/aws4_request. "
            f"Got {credential!r} instead.",
            field,
        )
    return parts[0], parts[1], parts[2], parts[3], parts[4]


def _signed_header_names(text: str, field: str) -> tuple[str, ...]:
    names = tuple(text.split(";"))
    if not text or not all(names) or any(n != n.lower() for n in names):
        raise _fail(
            "IncompleteSignature",
            f"SignedHeaders must be lower-case header names separated by ';'. Got {text!r}.",
            field,
        )
    return names


def _check_signature_text(signature: str, field: str) -> str:
    if not _SIGNATURE.match(signature):
        raise _fail(
            "IncompleteSignature",
            f"Signature must be 64 lower-case hex digits. Got {signature[:80]!r} instead.",
            field,
        )
    return signature


def _header_credentials(authorization: str, request: HttpRequest) -> _Credentials:
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _fail(
            "IncompleteSignature",
            f"Unsupported AWS 'algorithm': {algorithm!r}; only {ALGORITHM} is accepted.",
            "Authorization",
        )
    elements: dict[str, str] = {}
    for item in rest.split(","):
        name, eq, value = item.strip().partition("=")
        if not eq or name in elements:
            raise _fail(
                "IncompleteSignature",
                f"Authorization header element {item.strip()!r} is not a single name=value "
                f"pair. Authorization={authorization}",
                "Authorization",
            )
        elements[name] = value
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if name not in elements
    ]
    amz_date = request.header("x-amz-date")
    if amz_date is None:
        date_header = request.header("date")
        amz_date = _date_header_as_amz(date_header) if date_header is not None else None
    if amz_date is None:
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if missing or amz_date is None:
        raise _fail(
            "IncompleteSignature",
            " ".join([*missing, f"Authorization={authorization}"]),
            "Authorization",
        )
    key_id, scope_date, region, service, terminator = _split_credential(
        elements["Credential"], "Authorization"
    )
    return _Credentials(
        access_key_id=key_id,
        scope_date=scope_date,
        region=region,
        service=service,
        terminator=terminator,
        signed_headers=_signed_header_names(elements["SignedHeaders"], "Authorization"),
        signature=_check_signature_text(elements["Signature"], "Authorization"),
        amz_date=amz_date.strip(),
        presigned=False,
        expires=None,
        session_token=request.header("x-amz-security-token"),
    )


def _date_header_as_amz(value: str) -> str:
    try:
        return _amz(parsedate_to_datetime(value))
    except (TypeError, ValueError):
        return value  # fails the format check with the value named


def _presigned_credentials(query: dict[str, str]) -> _Credentials:
    required = ("X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature")
    missing = [name for name in required if name not in query]
    if missing:
        raise _fail(
            "IncompleteSignature",
            f"A presigned URL requires the query parameters {', '.join(missing)}.",
            missing[0],
        )
    if query["X-Amz-Algorithm"] != ALGORITHM:
        raise _fail(
            "IncompleteSignature",
            f"X-Amz-Algorithm only supports '{ALGORITHM}'.",
            "X-Amz-Algorithm",
        )
    expires_text = query.get("X-Amz-Expires", "3600")
    if not expires_text.isdigit() or not 1 <= int(expires_text) <= MAX_PRESIGN_EXPIRES:
        raise _fail(
            "IncompleteSignature",
            f"X-Amz-Expires must be a whole number of seconds from 1 to {MAX_PRESIGN_EXPIRES}. "
            f"Got {expires_text!r} instead.",
            "X-Amz-Expires",
        )
    key_id, scope_date, region, service, terminator = _split_credential(
        query["X-Amz-Credential"], "X-Amz-Credential"
    )
    return _Credentials(
        access_key_id=key_id,
        scope_date=scope_date,
        region=region,
        service=service,
        terminator=terminator,
        signed_headers=_signed_header_names(query["X-Amz-SignedHeaders"], "X-Amz-SignedHeaders"),
        signature=_check_signature_text(query["X-Amz-Signature"], "X-Amz-Signature"),
        amz_date=query["X-Amz-Date"],
        presigned=True,
        expires=int(expires_text),
        session_token=query.get("X-Amz-Security-Token"),
    )
