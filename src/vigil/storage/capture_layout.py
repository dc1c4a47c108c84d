"""Where SageMaker-format data capture lives: hour folders and file names (spec §1.3, §7.2).

SageMaker writes each endpoint variant's capture under one folder per UTC hour::

    {root}/{endpoint}/{variant}/yyyy/mm/dd/hh/{MM}-{SS}-{mmm}-{uuid}.jsonl

where ``hh`` is the UTC hour of the invocations and the file name is the minute, second and
millisecond inside that hour when the file was opened, then a random UUID. Sorting the names
of one hour therefore sorts the files in time.

A monitoring window ``[start, end)`` is read by listing only the hour folders that overlap it
(never the whole ``{endpoint}/{variant}`` prefix, which grows by one folder an hour for as long
as the endpoint lives). Files of an hour that straddles a window bound hold records outside the
window; the reader filters them by ``inferenceTime`` (:mod:`vigil.jobs.capture_input`).

All times must be timezone-aware; they are converted to UTC. Paths are joined with
:func:`vigil.storage.objectstore.join`, so a trailing ``/`` on ``root`` never yields the ``//``
that makes SageMaker look under a key that does not exist.

Examples
--------
>>> from datetime import datetime, UTC
>>> hour_prefixes("s3://bucket/capture/", "churn", "AllTraffic",
...               datetime(2024, 12, 31, 23, 30, tzinfo=UTC), datetime(2025, 1, 1, 1, tzinfo=UTC))
['s3://bucket/capture/churn/AllTraffic/2024/12/31/23', 's3://bucket/capture/churn/AllTraffic/2025/01/01/00']
>>> capture_file_name(datetime(2022, 4, 18, 0, 21, 48, 903000, tzinfo=UTC), "028573f5")
'21-48-903-028573f5.jsonl'
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from vigil.errors import StorageError
from vigil.storage.hourly_layout import HourlyLayout, hour_path, segment, utc
from vigil.storage.objectstore import InputFile, filesystem_for, join

__all__ = [
    "CAPTURE_SUFFIXES",
    "capture_file_name",
    "capture_file_url",
    "capture_layout",
    "existing_folders",
    "hour_path",
    "hour_prefixes",
    "is_capture_file",
    "list_capture_files",
]

CAPTURE_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.bz2", ".jsonl.xz", ".jsonl.zst")
"""File names (case-insensitive) listed as capture files; compressed ones are read transparently."""


def capture_layout(
    root: str, endpoint: str, variant: str, *, fn: str = "capture_layout"
) -> HourlyLayout:
    """The hour folders of one endpoint variant's capture: ``{root}/{endpoint}/{variant}/``.

    Parameters
    ----------
    root : str
        The capture destination (SageMaker's ``DestinationS3Uri``): a local path (made absolute)
        or fsspec URL.
    endpoint, variant : str
        Endpoint and variant names (``AllTraffic`` is SageMaker's default variant).

    Raises
    ------
    InvalidParameterError
        If ``root`` is empty or a name is empty or has a ``/``.
    """
    base = HourlyLayout(root, CAPTURE_SUFFIXES).root
    name, var = segment(endpoint, "endpoint", fn), segment(variant, "variant", fn)
    return HourlyLayout(join(base, name, var), CAPTURE_SUFFIXES)


def hour_prefixes(
    root: str, endpoint: str, variant: str, start: datetime, end: datetime
) -> list[str]:
    """URLs of the hour folders that overlap the window ``[start, end)``.

    Parameters
    ----------
    root : str
        The capture destination (SageMaker's ``DestinationS3Uri``): a local path or fsspec URL.
        A relative local path is made absolute.
    endpoint, variant : str
        Endpoint and variant names (``AllTraffic`` is SageMaker's default variant).
    start, end : datetime
        Timezone-aware bounds of the window; ``end`` is excluded. Need not be on the hour.

    Returns
    -------
    list of str
        ``{root}/{endpoint}/{variant}/yyyy/mm/dd/hh`` for every UTC hour ``h`` with
        ``h <= t < h + 1h`` for some ``t`` in the window, oldest first. Empty if ``start == end``.

    Raises
    ------
    InvalidParameterError
        If a datetime is naive, ``end`` is before ``start``, or a name is empty or has a ``/``.
    """
    layout = capture_layout(root, endpoint, variant, fn="hour_prefixes")
    return [layout.folder(h) for h in layout.hours(start, end, fn="hour_prefixes")]


def list_capture_files(
    root: str,
    endpoint: str,
    variant: str,
    start: datetime,
    end: datetime,
    *,
    storage_options: Mapping[str, Any] | None = None,
) -> list[InputFile]:
    """The capture files of the hour folders that overlap ``[start, end)``.

    Files whose name ends in one of :data:`CAPTURE_SUFFIXES` are kept; hidden files (``.x``,
    ``_x``) and sub-folders are ignored; a folder that does not exist is skipped.

    Parameters
    ----------
    root, endpoint, variant, start, end
        As for :func:`hour_prefixes`.
    storage_options : mapping, default=None
        Passed to the filesystem; see :func:`vigil.storage.objectstore.filesystem_for`.

    Returns
    -------
    list of InputFile
        Sorted by URL (hour, then minute-second-millisecond of the file name). Empty, not an
        error, when the window holds no capture: the caller decides what an empty window means.

    Raises
    ------
    InvalidParameterError
        As for :func:`hour_prefixes`.
    StorageError
        If listing fails for another reason than a missing folder (permissions, connection).
    """
    layout = capture_layout(root, endpoint, variant, fn="list_capture_files")
    hours = layout.hours(start, end, fn="list_capture_files")
    return layout.list_files(hours, storage_options=storage_options)


def existing_folders(
    urls: list[str], *, storage_options: Mapping[str, Any] | None = None
) -> list[str]:
    """The folders of ``urls`` that exist, in the order given (partition pruning for an engine
    that lists the folders itself and refuses a missing one, as Spark's readers do).

    Each parent folder is listed once (for hour folders: one listing per day), so checking a
    window's hours costs a request per day, not per hour.

    Parameters
    ----------
    urls : list of str
        Folder URLs (:func:`hour_prefixes`), as :func:`vigil.storage.objectstore.join` builds.
    storage_options : mapping, optional
        Passed to the filesystem.

    Raises
    ------
    StorageError
        If a listing fails for another reason than a missing folder.
    """
    children: dict[str, set[str]] = {}
    for url in urls:
        parent = url.rsplit("/", 1)[0]
        if parent in children:
            continue
        fs, path = filesystem_for(parent, storage_options)
        try:
            entries = fs.ls(path, detail=True)
        except FileNotFoundError:
            children[parent] = set()
            continue
        except (OSError, TimeoutError) as exc:
            raise StorageError(f"listing failed: {exc or type(exc).__name__}", path=parent) from exc
        children[parent] = {
            str(e["name"]).rstrip("/").rsplit("/", 1)[-1]
            for e in entries
            if e.get("type") == "directory"
        }
    return [u for u in urls if u.rsplit("/", 1)[-1] in children[u.rsplit("/", 1)[0]]]


def is_capture_file(name: str) -> bool:
    """Whether a file name is listed as a capture file (:data:`CAPTURE_SUFFIXES`, not hidden).

    Examples
    --------
    >>> is_capture_file("21-48-903-f.jsonl.gz"), is_capture_file(".21-48.jsonl")
    (True, False)
    """
    return not name.startswith((".", "_")) and name.lower().endswith(CAPTURE_SUFFIXES)


def capture_file_name(now: datetime, uid: str) -> str:
    """The name SageMaker gives a capture file opened at ``now``: ``{MM}-{SS}-{mmm}-{uid}.jsonl``.

    Parameters
    ----------
    now : datetime
        Timezone-aware; minute, second and millisecond are taken in UTC (an offset such as
        +05:30 moves the minute).
    uid : str
        A unique id, normally ``str(uuid.uuid4())``.

    Raises
    ------
    InvalidParameterError
        If ``now`` is naive or ``uid`` is empty or holds a ``/``.
    """
    t = utc(now, "now", "capture_file_name")
    uid = segment(uid, "uid", "capture_file_name")
    return f"{t:%M}-{t:%S}-{t.microsecond // 1000:03d}-{uid}.jsonl"


def capture_file_url(root: str, endpoint: str, variant: str, now: datetime, uid: str) -> str:
    """Full URL of the capture file opened at ``now``: its UTC hour folder plus its name.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> capture_file_url("s3://b/dc/", "ep", "AllTraffic",
    ...                  datetime(2022, 4, 18, 0, 20, 48, 871000, tzinfo=UTC), "0b7bfd33")
    's3://b/dc/ep/AllTraffic/2022/04/18/00/20-48-871-0b7bfd33.jsonl'
    """
    layout = capture_layout(root, endpoint, variant, fn="capture_file_url")
    return layout.file_url(now, capture_file_name(now, uid))
