"""Outbound-request policy: allow-list matching and forbidden addresses, names resolved."""

from __future__ import annotations

import pytest

from vigil.security.errors import OutboundRequestRefused
from vigil.security.outbound import OutboundPolicy

PUBLIC = "93.184.215.14"
DNS = {
    "models.example.com": [PUBLIC],
    "api.example.com": [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "rebind.example.com": [PUBLIC, "127.0.0.1"],
    "metadata.example.com": ["169.254.169.254"],
    "internal.example.com": ["10.1.2.3"],
    "mapped.example.com": ["::ffff:127.0.0.1"],
    "ec2v6.example.com": ["fd00:ec2::254"],
    "hooks.slack.example.org": [PUBLIC],
}


def resolver(host: str, port: int) -> list[str]:
    if host not in DNS:
        raise OSError(f"[Errno -2] Name or service not known: {host}")
    return DNS[host]


POLICY = OutboundPolicy(
    [
        "https://*.example.com",
        "http://models.example.com:8080",
        "https://hooks.slack.example.org",
        "http://10.0.0.7:8080",
        "s3://vigil-data",
        "https://internal.example.com:*",
    ],
    allowed_networks=["10.1.0.0/16"],
    resolver=resolver,
)


@pytest.mark.parametrize(
    ("url", "addresses"),
    [
        ("https://models.example.com/invocations", (PUBLIC,)),
        ("https://a.b.example.com/x", None),
        ("http://models.example.com:8080/predict", (PUBLIC,)),
        ("https://hooks.slack.example.org/services/T0/B0/x", (PUBLIC,)),
        ("http://10.0.0.7:8080/invocations", ("10.0.0.7",)),  # listed explicitly
        ("https://internal.example.com:9443/", ("10.1.2.3",)),  # in allowed_networks
        ("s3://vigil-data/datasets/train.csv", ()),
        ("HTTPS://MODELS.EXAMPLE.COM./x", (PUBLIC,)),
    ],
)
def test_allowed_urls(url: str, addresses: tuple[str, ...] | None) -> None:
    policy = POLICY
    if addresses is None:
        policy = OutboundPolicy(["https://*.example.com"], resolver=lambda h, p: [PUBLIC])
        addresses = (PUBLIC,)
    assert policy.check(url).addresses == addresses


@pytest.mark.parametrize(
    ("url", "reason", "text"),
    [
        ("http://models.example.com/x", "not-allowed", "scheme 'http'"),  # port 80 not listed
        ("https://models.example.com:8443/x", "not-allowed", "port 8443"),
        ("https://example.com/x", "not-allowed", "host 'example.com'"),  # *. needs a label
        ("https://evil-example.com/x", "not-allowed", "allow-list"),
        ("ftp://models.example.com/x", "not-allowed", "scheme 'ftp'"),
        ("file:///etc/passwd", "malformed", "absolute URL with a host"),
        ("s3://other-bucket/x", "not-allowed", "other-bucket"),
        ("https://user:pw@models.example.com/", "credentials", "credentials"),
        ("https://rebind.example.com/", "address", "127.0.0.1, a loopback address"),
        ("https://metadata.example.com/", "address", "instance-metadata"),
        ("https://mapped.example.com/", "address", "127.0.0.1"),
        ("https://ec2v6.example.com/", "address", "fd00:ec2::254"),
        ("https://unknown.example.com/", "unresolvable", "does not resolve"),
        ("http://10.0.0.8:8080/", "not-allowed", "10.0.0.8"),
        ("https://[::1]/", "not-allowed", "::1"),
        ("http://[not-an-ip/", "malformed", "not a valid URL"),
        ("models.example.com/x", "malformed", "absolute URL"),
    ],
)
def test_refused_urls_name_the_url_and_reason(url: str, reason: str, text: str) -> None:
    with pytest.raises(OutboundRequestRefused, match=text.replace("[", r"\[")) as caught:
        POLICY.check(url)
    assert caught.value.reason == reason
    assert caught.value.url == url and caught.value.path == url
    assert isinstance(caught.value, PermissionError)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "169.254.169.254", "169.254.170.2", "10.0.0.1", "172.16.0.1", "192.168.1.1",
     "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "100.100.100.200", "224.0.0.1"],
)  # fmt: skip
def test_wildcard_allow_list_still_refuses_internal_addresses(address: str) -> None:
    policy = OutboundPolicy(["https://*", "http://*:*"], resolver=lambda h, p: [address])
    with pytest.raises(OutboundRequestRefused) as caught:
        policy.check("https://innocent.example.net/")
    assert caught.value.reason == "address"
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(OutboundRequestRefused):
        policy.check(f"http://{host}:8080/")


def test_system_resolver_resolves_localhost_and_it_is_refused() -> None:
    policy = OutboundPolicy(["http://localhost:*"])
    with pytest.raises(OutboundRequestRefused, match="loopback") as caught:
        policy.check("http://localhost:9000/")
    assert caught.value.reason == "address"
    listed = OutboundPolicy(["http://localhost:*"], allowed_networks=["127.0.0.0/8", "::1/128"])
    assert listed.check("http://localhost:9000/").addresses


@pytest.mark.parametrize(
    "entry", ["example.com", "https://", "https://a/b", "https://u@h", "https://bad host"]
)
def test_malformed_allow_list_entries(entry: str) -> None:
    with pytest.raises(ValueError, match="allow-list entry"):
        OutboundPolicy([entry])
