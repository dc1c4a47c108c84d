"""An unmodified boto3 ``sagemaker-runtime`` client authenticates against the verifier over HTTP.

A real HTTP server on loopback hands each raw request (wire path, query, headers in arrival
order, body) to :class:`SigV4Verifier` and answers as AWS does (spec D7): 200 on success, else
the status and ``x-amzn-ErrorType`` of :data:`WIRE_ERRORS` with a JSON ``message``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from vigil.security.errors import SignatureError
from vigil.security.sigv4 import WIRE_ERRORS, HttpRequest, SigV4Verifier

KEY_ID = "AKIAVIGILBOTO3TEST01"
SECRET = "c2VjcmV0LWtleS1mb3ItdGhlLWJvdG8zLXRlc3Q"


class _Handler(BaseHTTPRequestHandler):
    verifier: SigV4Verifier
    seen: list[HttpRequest]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path, _, query = self.path.partition("?")
        request = HttpRequest(self.command, path, query, list(self.headers.items()), body)
        self.seen.append(request)
        try:
            verified = self.verifier.verify(request, now=datetime.now(UTC))
        except SignatureError as exc:
            error_type, status = WIRE_ERRORS[exc.code]
            self._answer(status, {"message": exc.message}, {"x-amzn-ErrorType": error_type})
            return
        echo = {"key": verified.access_key_id, "bytes": len(body), "sha": body.hex()[:16]}
        self._answer(200, echo, {})

    def _answer(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def runtime_url() -> Iterator[tuple[str, list[HttpRequest]]]:
    seen: list[HttpRequest] = []
    handler = type(
        "Handler",
        (_Handler,),
        {"verifier": SigV4Verifier(secret_for={KEY_ID: SECRET}.get), "seen": seen},
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def client(url: str, key: str = KEY_ID, secret: str = SECRET) -> Any:
    session = boto3.session.Session(
        aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1"
    )
    return session.client(
        "sagemaker-runtime",
        endpoint_url=url,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def test_boto3_invoke_endpoint_authenticates(runtime_url: tuple[str, list[HttpRequest]]) -> None:
    url, seen = runtime_url
    body = bytes(range(256)) * 10
    response = client(url).invoke_endpoint(
        EndpointName="churn-model",
        Body=body,
        ContentType="application/octet-stream",
        Accept="application/json",
        CustomAttributes="trace=1",
        InferenceId="inference-1",
    )
    answer = json.loads(response["Body"].read())
    assert answer == {"key": KEY_ID, "bytes": len(body), "sha": body.hex()[:16]}
    assert seen[-1].path == "/endpoints/churn-model/invocations"


def test_boto3_wrong_secret_gets_invalid_signature(
    runtime_url: tuple[str, list[HttpRequest]],
) -> None:
    url, _ = runtime_url
    with pytest.raises(ClientError) as caught:
        client(url, secret="wrong").invoke_endpoint(EndpointName="churn-model", Body=b"{}")
    assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "does not match" in caught.value.response["Error"]["Message"]


def test_boto3_unknown_key_gets_unrecognized_client(
    runtime_url: tuple[str, list[HttpRequest]],
) -> None:
    url, _ = runtime_url
    with pytest.raises(ClientError) as caught:
        client(url, key="AKIAUNKNOWN000000000").invoke_endpoint(
            EndpointName="churn-model", Body=b"{}"
        )
    assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_boto3_replayed_request_is_refused(runtime_url: tuple[str, list[HttpRequest]]) -> None:
    url, seen = runtime_url
    client(url).invoke_endpoint(EndpointName="churn-model", Body=b"[1,2,3]")
    verifier = SigV4Verifier(secret_for={KEY_ID: SECRET}.get)
    original = seen[-1]
    verifier.verify(original, now=datetime.now(UTC))
    with pytest.raises(SignatureError) as caught:
        verifier.verify(original, now=datetime.now(UTC))
    assert caught.value.code == "ReplayedSignature"
