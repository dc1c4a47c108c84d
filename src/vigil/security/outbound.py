"""The outbound-request policy: which URLs the service may fetch or post to.

Proxy-model URLs, dataset and baseline URLs and webhook targets come from API callers; without a
policy the service could be made to reach internal services, cloud metadata endpoints or scan
ports (server-side request forgery, OWASP API7:2023). :class:`OutboundPolicy` allows a URL only
when

1. it is well formed, has no ``user:password@`` part, and its scheme and host match an entry of
   the allow-list (``https://*.example.com``, ``http://models.internal:8080``,
   ``s3://vigil-data``; a host ``*`` label matches one or more labels, a missing port means the
   scheme's default port and ``:*`` any port);
2. for network schemes (http, https), every address the host resolves to is a public (global)
   address, unless the address is listed explicitly: as the entry's host itself
   (``http://10.0.0.7:8080``) or in ``allowed_networks`` (``10.0.0.0/8``). Loopback,
   link-local, private, shared, reserved, multicast and documentation ranges, IPv4-mapped forms,
   and the cloud metadata addresses (169.254.169.254, fd00:ec2::254, 100.100.100.200) are
   therefore refused by default. A name that resolves to a forbidden address is refused too.

The resolver is injectable (``resolver(host, port) -> addresses``) and
:class:`OutboundDecision` returns the vetted addresses: connect to one of them, not to a second
resolution of the name (which a DNS-rebinding attacker could answer differently).

>>> policy = OutboundPolicy(["https://*.example.com"], resolver=lambda host, port: ["93.184.215.14"])
>>> policy.check("https://models.example.com/v1/predict").addresses
('93.184.215.14',)
>>> policy.check("http://169.254.169.254/latest/meta-data/")
Traceback (most recent call last):
...
vigil.security.errors.OutboundRequestRefused: http://169.254.169.254/latest/meta-data/: scheme 'http' and host '169.254.169.254' are not on the outbound allow-list
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from vigil.security.errors import OutboundRequestRefused

__all__ = [
    "DEFAULT_PORTS",
    "METADATA_ADDRESSES",
    "AllowEntry",
    "OutboundDecision",
    "OutboundPolicy",
    "Resolver",
    "system_resolver",
]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
DEFAULT_PORTS = {"http": 80, "https": 443}
NETWORK_SCHEMES = frozenset(DEFAULT_PORTS)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
"""Instance-metadata endpoints of AWS (IMDS, ECS task metadata), and Alibaba Cloud."""
_HOST_PATTERN = re.compile(r"^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*$|^\*$")


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, through the system resolver (``getaddrinfo``)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class AllowEntry:
    """One allow-list entry: ``scheme://host[:port]`` (host may start with ``*.``, port ``*``)."""

    text: str
    scheme: str
    host: str
    port: int | None  # None: any port
    address: Address | None  # the host when it is an IP literal

    @classmethod
    def parse(cls, text: str) -> AllowEntry:
        """Parse an entry; ``ValueError`` naming it if malformed."""
        scheme, sep, rest = text.strip().partition("://")
        rest = rest.rstrip("/")
        if not sep or not scheme or not rest or "/" in rest or "@" in rest:
            raise ValueError(
                f"outbound allow-list entry must be scheme://host[:port]. Got {text!r}"
            )
        scheme = scheme.lower()
        host, port_text = _split_host_port(rest)
        if port_text == "*":
            port = None
        elif port_text:
            port = int(port_text)
        else:
            port = DEFAULT_PORTS.get(scheme)
        host = host.lower()
        address = _ip(host)
        if address is None and not _HOST_PATTERN.match(host):
            raise ValueError(f"outbound allow-list entry has an invalid host. Got {text!r}")
        return cls(text, scheme, host, port, address)

    def matches(self, scheme: str, host: str, port: int | None) -> bool:
        """Whether a URL's scheme, host and port fall under this entry."""
        if scheme != self.scheme or (self.port is not None and port != self.port):
            return False
        if self.address is not None:
            return _ip(host) == self.address
        if self.host == "*":
            return True
        if self.host.startswith("*."):
            return host.endswith(self.host[1:]) and len(host) > len(self.host) - 1
        return host == self.host


def _split_host_port(netloc: str) -> tuple[str, str]:
    if netloc.startswith("["):
        host, _, rest = netloc[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else ""
    if netloc.count(":") == 1:
        host, _, port = netloc.partition(":")
        return host, port
    return netloc, ""


def _ip(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class OutboundDecision:
    """An allowed URL, with the entry that allowed it and the vetted addresses to connect to."""

    url: str
    scheme: str
    host: str
    port: int | None
    entry: str
    addresses: tuple[str, ...]


class OutboundPolicy:
    """Decides whether a URL may be fetched.

    Parameters
    ----------
    allowed : iterable of str
        ``scheme://host[:port]`` entries (service config).
    allowed_networks : iterable of str, optional
        CIDR blocks that may be reached although not public (an internal model server).
    resolver : callable, default=system_resolver
        ``(host, port) -> addresses``.

    Raises
    ------
    ValueError
        If an entry or network is malformed (naming it).
    """

    def __init__(
        self,
        allowed: Iterable[str],
        *,
        allowed_networks: Iterable[str] = (),
        resolver: Resolver = system_resolver,
    ) -> None:
        self.entries = tuple(AllowEntry.parse(text) for text in allowed)
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in allowed_networks)
        self.resolver = resolver

    def check(self, url: str) -> OutboundDecision:
        """Allow ``url`` or raise.

        Raises
        ------
        OutboundRequestRefused
            ``reason`` is ``malformed``, ``credentials``, ``not-allowed``, ``unresolvable`` or
            ``address`` (a forbidden address, named in the message); ``path`` is the URL.
        """
        try:
            parts = urlsplit(url)
            port = parts.port
            hostname = parts.hostname
        except ValueError as exc:
            raise _refuse(url, "malformed", f"is not a valid URL: {exc}") from None
        scheme = parts.scheme.lower()
        if not scheme or not hostname:
            raise _refuse(url, "malformed", "must be an absolute URL with a host")
        if parts.username is not None or parts.password is not None:
            raise _refuse(url, "credentials", "must not carry user:password@ credentials")
        host = hostname.lower().rstrip(".")
        effective_port = port if port is not None else DEFAULT_PORTS.get(scheme)
        entry = next((e for e in self.entries if e.matches(scheme, host, effective_port)), None)
        if entry is None:
            raise _refuse(
                url,
                "not-allowed",
                f"scheme {scheme!r} and host {host!r}"
                + (f" port {port}" if port is not None else "")
                + " are not on the outbound allow-list",
            )
        if scheme not in NETWORK_SCHEMES:
            return OutboundDecision(url, scheme, host, effective_port, entry.text, ())
        literal = _ip(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                resolved = self.resolver(host, effective_port or 0)
            except OSError as exc:
                raise _refuse(
                    url, "unresolvable", f"host {host!r} does not resolve: {exc}"
                ) from None
            addresses = [a for a in (_ip(text) for text in resolved) if a is not None]
            if not addresses:
                raise _refuse(url, "unresolvable", f"host {host!r} resolves to no address")
        for address in addresses:
            if not self._address_allowed(address, entry):
                raise _refuse(
                    url,
                    "address",
                    f"host {host!r} resolves to {address}, "
                    f"{_describe(address)}, which is not allowed unless listed",
                )
        return OutboundDecision(
            url, scheme, host, effective_port, entry.text, tuple(str(a) for a in addresses)
        )

    def _address_allowed(self, address: Address, entry: AllowEntry) -> bool:
        if entry.address is not None and entry.address == address:
            return True
        if any(address.version == n.version and address in n for n in self.networks):
            return True
        return address.is_global and not address.is_multicast and address not in METADATA_ADDRESSES


def _describe(address: Address) -> str:
    if address in METADATA_ADDRESSES:
        return "a cloud instance-metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    return "not a public address"


def _refuse(url: str, reason: str, message: str) -> OutboundRequestRefused:
    return OutboundRequestRefused(message, url=url, reason=reason)
