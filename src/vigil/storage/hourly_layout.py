"""Files filed under one folder per UTC hour: ``{root}/yyyy/mm/dd/hh/{name}`` (spec §1.3, §1.5).

SageMaker files data capture (``{DestinationS3Uri}/{endpoint}/{variant}/yyyy/mm/dd/hh/``) and
ground-truth labels (``{GroundTruthS3Input.S3Uri}/yyyy/mm/dd/hh/``) the same way. One
:class:`HourlyLayout` describes both: a root, the file suffixes that count as data, and the rules
shared by both kinds of folder — UTC hours from timezone-aware datetimes (a naive one is refused
rather than guessed), the hour folders that overlap a window, and a listing that never walks the
whole root (it grows by a folder an hour for as long as an endpoint lives). What differs lives
beside it: capture file names and windows in :mod:`vigil.storage.capture_layout`, which hours can
hold a window's labels in :mod:`vigil.storage.ground_truth_layout`.

Examples
--------
>>> from datetime import datetime, UTC
>>> layout = HourlyLayout("s3://bucket/gt/", (".jsonl",))
>>> layout.folder(datetime(2024, 12, 31, 23, 30, tzinfo=UTC))
's3://bucket/gt/2024/12/31/23'
>>> layout.file_url(datetime(2025, 1, 1, 0, 5, tzinfo=UTC), "0005.jsonl")
's3://bucket/gt/2025/01/01/00/0005.jsonl'
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from vigil.errors import InvalidParameterError, StorageError
from vigil.storage.objectstore import InputFile, filesystem_for, join

__all__ = ["HOUR", "HourlyLayout", "hour_path", "segment", "utc"]

HOUR = timedelta(hours=1)
"""The width of one folder."""

# A day holding at most this many wanted hours is listed folder by folder (one ``ls`` each);
# more, and one recursive listing of the day folder is cheaper.
_LS_PER_HOUR_UP_TO = 2


def utc(value: datetime, param: str, fn: str) -> datetime:
    """``value`` converted to UTC.

    Raises
    ------
    InvalidParameterError
        If ``value`` is not a datetime or is naive, naming ``param`` of ``fn``.
    """
    if not isinstance(value, datetime):
        raise InvalidParameterError(
            f"{param} of {fn} must be a datetime. Got {value!r} instead.", field=param
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidParameterError(
            f"{param} of {fn} must be timezone-aware (e.g. tzinfo=datetime.UTC). "
            f"Got the naive {value.isoformat()} instead.",
            field=param,
        )
    return value.astimezone(UTC)


def segment(value: str, param: str, fn: str) -> str:
    """One non-empty path segment (an endpoint, variant or file name), outer ``/`` stripped.

    Raises
    ------
    InvalidParameterError
        If ``value`` is empty or holds an inner ``/``.
    """
    if not isinstance(value, str) or not value.strip("/ ") or "/" in value.strip("/"):
        raise InvalidParameterError(
            f"{param} of {fn} must be a non-empty name without '/'. Got {value!r} instead.",
            field=param,
        )
    return value.strip("/")


def _root(root: str, fn: str) -> str:
    """The root as a URL; a local path is made absolute."""
    if not isinstance(root, str) or not root.strip():
        raise InvalidParameterError(
            f"root of {fn} must be a non-empty path or URL. Got {root!r} instead.", field="root"
        )
    if "://" not in root and "::" not in root:
        return os.path.abspath(os.path.expanduser(root))
    return root


def hour_path(hour: datetime) -> str:
    """The ``yyyy/mm/dd/hh`` folder of an aware datetime, in UTC.

    Examples
    --------
    >>> from datetime import timezone
    >>> hour_path(datetime(2024, 3, 1, 1, 15, tzinfo=timezone(timedelta(hours=2))))
    '2024/02/29/23'
    """
    t = utc(hour, "hour", "hour_path")
    return f"{t:%Y}/{t:%m}/{t:%d}/{t:%H}"


class HourlyLayout:
    """The hour folders under one root, and which of their files are data.

    Parameters
    ----------
    root : str
        Local path (made absolute) or fsspec URL of the folder holding ``yyyy/``.
    suffixes : tuple of str
        File-name endings (lower case; matched case-insensitively) that count as data files.
        Hidden files (``.x``, ``_x``: temporary uploads, ``_manifest.json``) never do.

    Raises
    ------
    InvalidParameterError
        If ``root`` is empty.
    """

    def __init__(self, root: str, suffixes: tuple[str, ...]) -> None:
        self.root = _root(root, type(self).__name__)
        self.suffixes = suffixes

    def __repr__(self) -> str:
        return f"HourlyLayout({self.root!r}, {self.suffixes!r})"

    def folder(self, hour: datetime) -> str:
        """URL of the folder of the UTC hour holding ``hour`` (timezone-aware)."""
        return join(self.root, hour_path(hour))

    def file_url(self, t: datetime, name: str) -> str:
        """URL of the file ``name`` in the folder of the hour holding ``t``.

        Raises
        ------
        InvalidParameterError
            If ``t`` is naive or ``name`` is empty or holds a ``/``.
        """
        return join(self.folder(t), segment(name, "name", "file_url"))

    def is_data_file(self, name: str) -> bool:
        """Whether a bare file name is one of the layout's data files."""
        return not name.startswith((".", "_")) and name.lower().endswith(self.suffixes)

    @staticmethod
    def hours(start: datetime, end: datetime, *, fn: str = "hours") -> list[datetime]:
        """Whole UTC hours ``h`` with ``h <= t < h + 1h`` for some ``t`` in ``[start, end)``.

        Returns
        -------
        list of datetime
            Oldest first; empty when ``start == end``.

        Raises
        ------
        InvalidParameterError
            If a bound is naive or ``end`` is before ``start``.
        """
        t0, t1 = utc(start, "start", fn), utc(end, "end", fn)
        if t1 < t0:
            raise InvalidParameterError(
                f"end of {fn} must not be before start ({t0.isoformat()}). Got {t1.isoformat()} "
                "instead.",
                field="end",
            )
        hours = []
        hour = t0.replace(minute=0, second=0, microsecond=0)
        while hour < t1:
            hours.append(hour)
            hour += HOUR
        return hours

    def list_files(
        self, hours: Iterable[datetime], *, storage_options: Mapping[str, Any] | None = None
    ) -> list[InputFile]:
        """The data files directly inside the folders of ``hours``.

        A day with one or two wanted hours is listed folder by folder (``ls``); a day with more,
        in one recursive listing of the day folder, so a 30-day lookback costs 31 listings, not
        720. Missing folders are skipped.

        Parameters
        ----------
        hours : iterable of datetime
            Timezone-aware; each stands for its whole UTC hour.
        storage_options : mapping, optional
            Passed to the filesystem (:func:`vigil.storage.objectstore.filesystem_for`).

        Returns
        -------
        list of InputFile
            Sorted by URL: hour, then file name (filing order). Empty, not an error, when nothing
            is there: the caller decides what an empty window means.

        Raises
        ------
        StorageError
            If a listing fails for another reason than a missing folder (permissions, network).
        """
        wanted: dict[str, set[str]] = {}
        for hour in hours:
            day, hh = hour_path(hour).rsplit("/", 1)
            wanted.setdefault(day, set()).add(hh)
        files: list[InputFile] = []
        for day, day_hours in wanted.items():
            if len(day_hours) <= _LS_PER_HOUR_UP_TO:
                for hh in sorted(day_hours):
                    files.extend(self._ls(join(self.root, day, hh), storage_options))
            else:
                files.extend(self._find(join(self.root, day), day_hours, storage_options))
        return sorted(files)

    def _ls(self, prefix: str, storage_options: Mapping[str, Any] | None) -> list[InputFile]:
        fs, path = filesystem_for(prefix, storage_options)
        try:
            entries = fs.ls(path, detail=True)
        except FileNotFoundError:
            return []
        except (OSError, TimeoutError) as exc:
            raise StorageError(f"listing failed: {exc or type(exc).__name__}", path=prefix) from exc
        files = []
        for info in entries:
            name = str(info["name"]).rstrip("/").rsplit("/", 1)[-1]
            if info.get("type") == "file" and self.is_data_file(name):
                files.append(InputFile(url=join(prefix, name), size=int(info.get("size") or 0)))
        return files

    def _find(
        self, prefix: str, day_hours: set[str], storage_options: Mapping[str, Any] | None
    ) -> list[InputFile]:
        fs, path = filesystem_for(prefix, storage_options)
        try:
            found = fs.find(path, detail=True)
        except FileNotFoundError:
            return []
        except (OSError, TimeoutError) as exc:
            raise StorageError(f"listing failed: {exc or type(exc).__name__}", path=prefix) from exc
        root_path = path.rstrip("/") + "/"
        files = []
        for name, info in found.items():
            if info.get("type", "file") != "file" or not str(name).startswith(root_path):
                continue
            parts = str(name)[len(root_path) :].split("/")
            if len(parts) == 2 and parts[0] in day_hours and self.is_data_file(parts[1]):
                url = join(prefix, parts[0], parts[1])
                files.append(InputFile(url=url, size=int(info.get("size") or 0)))
        return files
