"""Which URLs the control plane may read and write (local paths made absolute)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from vigil.errors import InvalidParameterError

__all__ = ["UrlPolicy", "normalise_url"]


def _is_local(url: str) -> bool:
    return "://" not in url and "::" not in url


def normalise_url(url: str) -> str:
    """``url`` with ``file://`` dropped and a local path made absolute (``~`` expanded)."""
    if url.startswith("file://"):
        url = url[len("file://") :]
    if _is_local(url):
        return os.path.abspath(os.path.expanduser(url))
    return url


@dataclass(frozen=True)
class UrlPolicy:
    """Which URLs the control plane may read and write.

    Attributes
    ----------
    allowed_prefixes : tuple of str or None
        None: any URL. Otherwise a URL (local paths made absolute) must equal a prefix or lie
        under it.
    """

    allowed_prefixes: tuple[str, ...] | None = None

    def check(self, url: str, field: str) -> str:
        """The normalised ``url`` (local paths absolute), if allowed.

        Raises
        ------
        InvalidParameterError
            Naming ``field``.
        """
        try:
            normal = normalise_url(url)
        except (ValueError, OSError) as exc:
            raise InvalidParameterError(
                f"{field} must be a local path or URL. Got {url!r} instead.", field=field
            ) from exc
        if self.allowed_prefixes is None:
            return normal
        for prefix in self.allowed_prefixes:
            base = normalise_url(prefix).rstrip("/")
            if normal == base or normal.startswith(base + "/"):
                return normal
        raise InvalidParameterError(
            f"{field} must be under one of {', '.join(self.allowed_prefixes)}. Got {url!r} "
            "instead.",
            field=field,
        )
