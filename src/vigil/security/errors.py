"""The errors of :mod:`vigil.security`, rooted in :class:`vigil.errors.VigilError`.

::

    VigilError
    ├── InputError (ValueError)
    │   ├── PolicyError                       a malformed policy document (names statement and field)
    │   ├── OutboundRequestRefused (PermissionError)   a URL the outbound policy forbids
    │   ├── PathOutsideRootsError (PermissionError)    a path outside the configured storage roots
    │   └── PiiConfigError                    a capture PII transform that cannot apply
    ├── AuthenticationError (PermissionError) a request whose credentials are missing or invalid
    │   ├── SignatureError                    SigV4 verification failed (carries AWS's error code)
    │   └── BearerTokenError                  an API token or OIDC JWT that is refused
    ├── IntegrityError (ValueError)           ciphertext or an audit chain that fails verification
    └── KeyProviderError (OSError)            a master key that cannot be found or used

Every error carries ``code``, the AWS-style error code a service answers with (for example
``SignatureDoesNotMatch``), where one applies. They live beside the security modules rather than in
:mod:`vigil.errors` so that the package is self-contained; each still subclasses the builtin it
refines, so ``except ValueError`` / ``except PermissionError`` keep working.
"""

from __future__ import annotations

from vigil.errors import InputError, VigilError

__all__ = [
    "AuthenticationError",
    "BearerTokenError",
    "IntegrityError",
    "KeyProviderError",
    "OutboundRequestRefused",
    "PathOutsideRootsError",
    "PiiConfigError",
    "PolicyError",
    "SignatureError",
]


class PolicyError(InputError):
    """A policy document is malformed.

    ``path`` is the policy's name and ``field`` the element concerned, such as
    ``Statement[1].Condition.StringEquals``; the message names the statement's ``Sid`` if it has
    one.
    """


class AuthenticationError(VigilError, PermissionError):
    """Credentials are missing, unknown, expired or do not verify.

    Parameters
    ----------
    message : str
        What went wrong (AWS's wording where AWS has one).
    code : str
        The AWS error code the service answers with, e.g. ``IncompleteSignature``,
        ``SignatureDoesNotMatch``, ``InvalidSignatureException``, ``UnrecognizedClientException``,
        ``MissingAuthenticationTokenException``.
    field : str, optional
        The header, query parameter or claim concerned.
    """

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.code = code


class SignatureError(AuthenticationError):
    """An AWS Signature Version 4 request that does not verify (see :mod:`vigil.security.sigv4`)."""


class BearerTokenError(AuthenticationError):
    """A bearer credential (a Vigil API token or an OIDC JWT) that is refused."""


class IntegrityError(VigilError, ValueError):
    """Data failed an integrity check: a flipped, truncated, reordered or foreign ciphertext chunk,
    or an audit chain that does not verify. ``path`` names the object when the caller gave one."""


class KeyProviderError(VigilError, OSError):
    """A master key cannot be found or used (unknown key id, unreadable keyring, KMS failure)."""


class OutboundRequestRefused(InputError, PermissionError):
    """A URL the service was asked to fetch is not allowed by the outbound-request policy.

    ``path`` is the URL; ``reason`` says which rule refused it (scheme, host, address).
    """

    def __init__(self, message: str, *, url: str, reason: str) -> None:
        super().__init__(message, path=url)
        self.url = url
        self.reason = reason


class PathOutsideRootsError(InputError, PermissionError):
    """A path or URL that lies outside every configured storage or code root (``path`` names it)."""


class PiiConfigError(InputError):
    """A PII transform configuration that is invalid or does not fit the payload (``field``)."""
