"""Email deliveries received by a real aiosmtpd server on loopback, over STARTTLS."""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from vigil.alerting.actions.delivery import DeliveryStatus, RetryPolicy
from vigil.alerting.actions.email import EmailTarget, deliver_email
from vigil.alerting.alarms import MetricAlarm, evaluate_alarm, initial_state
from vigil.alerting.events import alarm_state_change_event
from vigil.alerting.statistics import Datapoint
from vigil.errors import InvalidParameterError

EVENT_ID = "9b2f1c7e-4d1a-4b8e-9a53-2f3c1d0e7a61"


@dataclass(frozen=True)
class Certificate:
    cert_pem: bytes
    key_pem: bytes


@pytest.fixture(scope="module")
def certificate() -> Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, made here with cryptography."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vigil-test-smtp")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Certificate(
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption()),
    )  # fmt: skip


@dataclass
class Mailbox:
    port: int
    messages: list[dict[str, Any]] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        self.mailbox.messages.append(
            {"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
             "content": envelope.original_content or envelope.content,
             "tls": session.ssl is not None}
        )  # fmt: skip
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_context(certificate: Certificate, tmp_path: Path) -> ssl.SSLContext:
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.cert_pem)
    key_file.write_bytes(certificate.key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


def _client_context(certificate: Certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=certificate.cert_pem.decode())


def _start(mailbox: Mailbox, **smtp_kwargs: Any) -> Controller:
    controller = Controller(
        _Handler(mailbox), hostname="127.0.0.1", port=mailbox.port, **smtp_kwargs
    )
    controller.start()
    return controller


@pytest.fixture
def tls_mailbox(certificate: Certificate, tmp_path: Path) -> Iterator[Mailbox]:
    mailbox = Mailbox(_free_port())

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
        if ok:
            mailbox.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=ok, handled=False)  # False: the server replies 535

    controller = _start(mailbox, tls_context=_server_context(certificate, tmp_path),
                        require_starttls=True, authenticator=authenticator,
                        auth_require_tls=True)  # fmt: skip
    yield mailbox
    controller.stop()


def _alarm_event() -> dict[str, Any]:
    alarm = MetricAlarm("churn-age-drift", "aws/sagemaker/Endpoints/data-metrics",
                        "feature_baseline_drift_age", "GreaterThanThreshold", 0.2, period=3600,
                        evaluation_periods=1, statistic="Sum")  # fmt: skip
    now = datetime(2026, 12, 7, 10, 5, 12, 314000, tzinfo=UTC)
    points = [Datapoint(datetime(2026, 12, 7, 9, 30, tzinfo=UTC), value=0.31)]
    evaluation = evaluate_alarm(alarm, initial_state(now), points, now=now)
    return alarm_state_change_event(evaluation, event_id=EVENT_ID).to_dict()


def test_delivery_over_starttls_with_auth(tls_mailbox: Mailbox, certificate: Certificate) -> None:
    target = EmailTarget(
        host="127.0.0.1", port=tls_mailbox.port, sender="vigil@example.org",
        recipients=("ml-oncall@example.org", "lead@example.org"), username="vigil",
        password="s3cret", ssl_context=_client_context(certificate),
    )  # fmt: skip
    result = deliver_email(target, _alarm_event())
    assert result.status is DeliveryStatus.DELIVERED, result.error
    assert [a.outcome for a in result.attempts] == ["250 accepted"]
    assert tls_mailbox.logins == [(b"vigil", b"s3cret")]
    (received,) = tls_mailbox.messages
    assert received["tls"] is True
    assert received["from"] == "vigil@example.org"
    assert received["to"] == ["ml-oncall@example.org", "lead@example.org"]
    message = message_from_bytes(received["content"], policy=default_policy)
    assert message["Subject"] == 'ALARM: "churn-age-drift" in local'
    assert message["Message-ID"] == f"<{EVENT_ID}@vigil.alerting>"
    body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert (
        "Threshold Crossed: 1 datapoint [0.31 (07/12/26 09:05:00)] was greater than the threshold (0.2)."
        in body
    )
    assert "INSUFFICIENT_DATA -> ALARM" in body
    assert f'"id": "{EVENT_ID}"' in body  # the whole event as JSON


def test_starttls_is_required_and_nothing_goes_in_clear() -> None:
    mailbox = Mailbox(_free_port())
    controller = _start(mailbox)  # a server without TLS
    try:
        target = EmailTarget(host="127.0.0.1", port=mailbox.port, sender="vigil@example.org",
                             recipients=("a@example.org",), username="u", password="p")  # fmt: skip
        result = deliver_email(target, _alarm_event())
    finally:
        controller.stop()
    assert result.status is DeliveryStatus.DEAD_LETTER
    assert len(result.attempts) == 1  # not retryable
    assert "does not offer STARTTLS" in (result.error or "")
    assert mailbox.messages == []


def test_untrusted_certificate_is_refused(tls_mailbox: Mailbox) -> None:
    target = EmailTarget(host="127.0.0.1", port=tls_mailbox.port, sender="vigil@example.org",
                         recipients=("a@example.org",))  # default trust store  # fmt: skip
    result = deliver_email(target, _alarm_event())
    assert result.status is DeliveryStatus.DEAD_LETTER and len(result.attempts) == 1
    assert "certificate" in (result.error or "")
    assert tls_mailbox.messages == []


def test_wrong_password_is_final(tls_mailbox: Mailbox, certificate: Certificate) -> None:
    target = EmailTarget(host="127.0.0.1", port=tls_mailbox.port, sender="vigil@example.org",
                         recipients=("a@example.org",), username="vigil", password="wrong",
                         ssl_context=_client_context(certificate))  # fmt: skip
    result = deliver_email(target, _alarm_event())
    assert result.status is DeliveryStatus.DEAD_LETTER and len(result.attempts) == 1
    assert "authentication failed" in (result.error or "")


def test_server_down_is_retried_then_dead_lettered() -> None:
    waits: list[float] = []
    target = EmailTarget(host="127.0.0.1", port=_free_port(), sender="vigil@example.org",
                         recipients=("a@example.org",), retry=RetryPolicy(max_attempts=3))  # fmt: skip
    result = deliver_email(target, _alarm_event(), sleep=waits.append)
    assert result.status is DeliveryStatus.DEAD_LETTER
    assert [a.outcome for a in result.attempts] == ["connection error"] * 3
    assert len(waits) == 2


def test_target_validation() -> None:
    with pytest.raises(InvalidParameterError) as caught:
        EmailTarget(host="smtp.example.org", sender="vigil", recipients=("a@example.org",))
    assert caught.value.field == "sender"
    with pytest.raises(InvalidParameterError) as caught:
        EmailTarget(host="smtp.example.org", sender="v@example.org", recipients=())
    assert caught.value.field == "recipients"
    single = EmailTarget(host="h", sender="v@example.org", recipients="a@example.org")  # type: ignore[arg-type]
    assert single.recipients == ("a@example.org",)
