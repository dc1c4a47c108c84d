"""Where ground-truth labels live, and which hour folders can hold a window's labels (spec §1.5).

Labels are uploaded by the user under one folder per UTC hour::

    {root}/yyyy/mm/dd/hh/{any name}.jsonl

and "the date in this path is the date when the Ground Truth label is collected, and does not
have to match the date when the inference was generated" (Developer Guide). File names are free
(AWS's examples use ``{MMSS}.jsonl`` or ``{inference_id}.jsonl``).

Which folders a window needs (the rule of :func:`ground_truth_hours`)
    A label is collected after its inference, so the labels of the predictions made in
    ``[start, end)`` sit in the hour folders from ``start``'s hour up to the execution time
    (``now``): ``[start, now)``. A label collected before the window began cannot be one of its
    labels; one collected after ``now`` has not arrived yet. A monitor of a window eight days
    back (``StartTimeOffset=-P8D``) therefore reads eight days of ground truth. ``max_delay``
    caps that: only labels collected within ``max_delay`` after the window's end are read
    (``[start, min(now, end + max_delay))``), for users who know labels arrive within, say, 30 days.

Listing lists each day folder once (a recursive listing of ``yyyy/mm/dd``) and keeps the files
directly inside the wanted hour folders, so a 30-day lookback costs 31 listings, not 720. Files
ending in one of :data:`GROUND_TRUTH_SUFFIXES` are kept; hidden ones (``.x``, ``_x``) are not.
The result is sorted by URL, which is filing order: hour, then file name. That order decides
which of two labels with the same key is the latest.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from vigil.errors import InvalidParameterError
from vigil.storage.hourly_layout import HOUR, HourlyLayout, utc
from vigil.storage.objectstore import InputFile

__all__ = [
    "GROUND_TRUTH_SUFFIXES",
    "ground_truth_file_url",
    "ground_truth_hours",
    "ground_truth_layout",
    "is_ground_truth_file",
    "list_ground_truth_files",
]

GROUND_TRUTH_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".jsonl.bz2", ".jsonl.xz", ".jsonl.zst")
"""File names (case-insensitive) listed as ground-truth files."""

_HOUR = HOUR


def ground_truth_layout(root: str) -> HourlyLayout:
    """The hour folders of a ground-truth prefix (``GroundTruthS3Input.S3Uri``).

    Raises
    ------
    InvalidParameterError
        If ``root`` is empty.
    """
    return HourlyLayout(root, GROUND_TRUTH_SUFFIXES)


def ground_truth_hours(
    start: datetime, end: datetime, now: datetime, *, max_delay: timedelta | None = None
) -> list[datetime]:
    """The UTC hours whose folders can hold labels of the predictions made in ``[start, end)``.

    Parameters
    ----------
    start, end : datetime
        The analysed window (timezone-aware).
    now : datetime
        The execution time: labels collected later have not arrived.
    max_delay : timedelta, optional
        Read only labels collected before ``end + max_delay``.

    Returns
    -------
    list of datetime
        Whole hours (UTC), oldest first; empty when ``now <= start``.

    Raises
    ------
    InvalidParameterError
        If a datetime is naive, ``end < start`` or ``max_delay`` is negative.

    Examples
    --------
    >>> from datetime import UTC
    >>> t = datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
    >>> [h.hour for h in ground_truth_hours(t, t + _HOUR, t + 3 * _HOUR)]
    [10, 11, 12, 13]
    >>> [h.hour for h in ground_truth_hours(t, t + _HOUR, t + 9 * _HOUR, max_delay=_HOUR)]
    [10, 11, 12]
    """
    fn = "ground_truth_hours"
    t1, t_now = utc(end, "end", fn), utc(now, "now", fn)
    last = t_now
    if max_delay is not None:
        if max_delay < timedelta(0):
            raise InvalidParameterError(
                f"max_delay of {fn} must not be negative. Got {max_delay} instead.",
                field="max_delay",
            )
        last = min(last, t1 + max_delay)
    HourlyLayout.hours(start, end, fn=fn)  # validates the window itself
    hours = HourlyLayout.hours(start, max(last, utc(start, "start", fn)), fn=fn)
    return [h for h in hours if h < last]


def is_ground_truth_file(name: str) -> bool:
    """Whether a file name is listed as a ground-truth file (:data:`GROUND_TRUTH_SUFFIXES`, not
    hidden)."""
    return ground_truth_layout(".").is_data_file(name)


def list_ground_truth_files(
    root: str,
    hours: list[datetime],
    *,
    storage_options: Mapping[str, Any] | None = None,
) -> list[InputFile]:
    """The ground-truth files directly inside the hour folders ``hours`` under ``root``.

    Parameters
    ----------
    root : str
        Ground-truth prefix (SageMaker's ``GroundTruthS3Input.S3Uri``): a local path or URL.
    hours : list of datetime
        As returned by :func:`ground_truth_hours`.
    storage_options : mapping, optional
        Passed to the filesystem.

    Returns
    -------
    list of InputFile
        Sorted by URL (filing order). Missing folders are skipped: an empty list is not an error.

    Raises
    ------
    StorageError
        If a listing fails for another reason than a missing folder.
    """
    return ground_truth_layout(root).list_files(hours, storage_options=storage_options)


def ground_truth_file_url(root: str, collected: datetime, name: str) -> str:
    """URL of a ground-truth file collected at ``collected``: its UTC hour folder plus ``name``.

    Examples
    --------
    >>> from datetime import UTC
    >>> ground_truth_file_url("s3://b/gt/", datetime(2024, 5, 3, 7, 59, tzinfo=UTC), "0759.jsonl")
    's3://b/gt/2024/05/03/07/0759.jsonl'
    """
    fn = "ground_truth_file_url"
    if not isinstance(name, str) or not name.strip("/ ") or "/" in name:
        raise InvalidParameterError(
            f"name of {fn} must be a file name without '/'. Got {name!r} instead.", field="name"
        )
    return ground_truth_layout(root).file_url(utc(collected, "collected", fn), name)
