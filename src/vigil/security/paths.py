"""The storage-root policy: paths and URLs from API callers may only lie under configured roots.

Jobs, schedules and endpoints created over the API name files the service then reads or writes
(datasets, baselines, capture destinations) and code it runs. :class:`StorageRoots` allows a
local path or an object-store URL only when

- it contains no ``..`` segment (also when %-encoded) and no NUL byte;
- a URL (``s3://bucket/prefix/...``) starts with a configured root URL at a ``/`` boundary
  (``s3://data/a`` does not cover ``s3://data/ab``);
- a local path (or ``file://`` URL), with symbolic links resolved, lies inside a configured
  local root, itself resolved; a link that leads out of every root is refused.

The returned path is the resolved one: use it, not the text the caller sent. A link created
between the check and the use is not caught; roots should not be writable by API callers other
than through Vigil.

>>> roots = StorageRoots(["/srv/vigil-data", "s3://vigil-data/monitoring"])
>>> roots.check("s3://vigil-data/monitoring/churn/statistics.json")
's3://vigil-data/monitoring/churn/statistics.json'
>>> roots.check("/etc/passwd")
Traceback (most recent call last):
...
vigil.security.errors.PathOutsideRootsError: /etc/passwd: is outside the configured storage roots
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from vigil.security.errors import PathOutsideRootsError

__all__ = ["StorageRoots"]

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


class StorageRoots:
    """The roots API-supplied paths must stay under.

    Parameters
    ----------
    roots : iterable of str
        Local directories (relative ones are taken from the current directory, and resolved)
        and object-store URL prefixes (``s3://bucket/prefix``).
    """

    def __init__(self, roots: Iterable[str]) -> None:
        self.local: list[str] = []
        self.urls: list[str] = []
        for root in roots:
            if _URL.match(root) and not root.lower().startswith("file://"):
                self.urls.append(root.rstrip("/") + "/")
            else:
                self.local.append(os.path.realpath(_local_path(root)))

    def check(self, path: str) -> str:
        """The resolved path or URL if it lies under a root.

        Raises
        ------
        PathOutsideRootsError
            Naming ``path``: outside every root, a ``..`` segment, a NUL byte, or a symbolic
            link leading out of the roots.
        """
        if "\x00" in path:
            raise PathOutsideRootsError("contains a NUL byte", path=path)
        if any(segment == ".." for segment in re.split(r"[/\\]", unquote(path))):
            raise PathOutsideRootsError("contains a '..' segment", path=path)
        if _URL.match(path) and not path.lower().startswith("file://"):
            return self._check_url(path)
        local = _local_path(path)
        resolved = os.path.realpath(local)
        for root in self.local:
            if _inside(resolved, root):
                return resolved
        lexical = os.path.abspath(local)
        if any(_inside(lexical, root) for root in self.local):
            raise PathOutsideRootsError(
                f"leads through a symbolic link to {resolved}, outside the configured storage "
                "roots",
                path=path,
            )
        raise PathOutsideRootsError("is outside the configured storage roots", path=path)

    def _check_url(self, url: str) -> str:
        scheme = urlsplit(url).scheme.lower()
        normalized = scheme + url[len(scheme) :]
        for root in self.urls:
            if normalized.startswith(root) or normalized + "/" == root:
                return normalized
        raise PathOutsideRootsError("is outside the configured storage roots", path=url)


def _local_path(text: str) -> str:
    if text.lower().startswith("file://"):
        return unquote(urlsplit(text).path)
    return os.path.expanduser(text)


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives, or mixing absolute and relative
        return False
