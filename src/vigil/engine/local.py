"""The local engine: run a partition function over partitions in a process pool and merge.

The same partition function serves every engine: it takes one partition and returns a
serialisable, mergeable result (a profile). Here the partitions run in ``workers`` processes
(``workers=1`` runs in this process, with no pool); results are merged as a balanced tree, in
partition order, so the outcome does not depend on which worker finished first.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from vigil.errors import InvalidParameterError

__all__ = ["map_partitions", "map_reduce", "tree_reduce"]

P = TypeVar("P")
R = TypeVar("R")


def map_partitions(
    fn: Callable[[P], R],
    partitions: Sequence[P],
    *,
    workers: int = 1,
    on_result: Callable[[int], None] | None = None,
) -> list[R]:
    """Apply ``fn`` to every partition, in ``workers`` processes, keeping partition order.

    Parameters
    ----------
    fn : callable
        A picklable, module-level function of one partition.
    partitions : sequence of picklable partitions
    workers : int, default=1
        Worker processes; 1 runs in the calling process.
    on_result : callable, optional
        Called with the number of finished partitions after each one (progress display).

    Returns
    -------
    list
        ``[fn(p) for p in partitions]``.

    Raises
    ------
    InvalidParameterError
        If ``workers`` < 1.
    Exception
        The first exception raised by ``fn``, re-raised unchanged (remaining work is cancelled).
    """
    if workers < 1:
        raise InvalidParameterError(
            f"workers of map_partitions must be >= 1. Got {workers!r} instead.", field="workers"
        )
    if workers == 1 or len(partitions) <= 1:
        results = []
        for i, part in enumerate(partitions):
            results.append(fn(part))
            if on_result is not None:
                on_result(i + 1)
        return results
    context = _context(fn)
    with ProcessPoolExecutor(max_workers=min(workers, len(partitions)), mp_context=context) as pool:
        futures = [pool.submit(fn, part) for part in partitions]
        try:
            results = []
            for i, future in enumerate(futures):
                results.append(future.result())
                if on_result is not None:
                    on_result(i + 1)
            return results
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def map_reduce(
    fn: Callable[[P], R],
    merge: Callable[[R, R], R],
    partitions: Sequence[P],
    *,
    workers: int = 1,
    on_result: Callable[[int], None] | None = None,
) -> R:
    """Apply ``fn`` to every partition and fold the results with ``merge`` as they arrive.

    Results are merged in partition order (``merge(merge(r0, r1), r2)…``), so the outcome does
    not depend on which worker finished first, and each result is merged as soon as the ones
    before it are: the coordinator holds one accumulator, not every partition's result.

    Raises
    ------
    InvalidParameterError
        If ``workers`` < 1 or ``partitions`` is empty.
    Exception
        The first exception raised by ``fn``, re-raised unchanged.
    """
    if not partitions:
        raise InvalidParameterError(
            "partitions of map_reduce must not be empty.", field="partitions"
        )
    if workers < 1:
        raise InvalidParameterError(
            f"workers of map_reduce must be >= 1. Got {workers!r} instead.", field="workers"
        )
    if workers == 1 or len(partitions) == 1:
        acc = fn(partitions[0])
        if on_result is not None:
            on_result(1)
        for i, part in enumerate(partitions[1:], start=2):
            acc = merge(acc, fn(part))
            if on_result is not None:
                on_result(i)
        return acc
    with ProcessPoolExecutor(
        max_workers=min(workers, len(partitions)), mp_context=_context(fn)
    ) as pool:
        futures = [pool.submit(fn, part) for part in partitions]
        try:
            acc = futures[0].result()
            futures[0] = None  # type: ignore[call-overload]
            if on_result is not None:
                on_result(1)
            for i in range(1, len(futures)):
                acc = merge(acc, futures[i].result())
                futures[i] = None  # type: ignore[call-overload]
                if on_result is not None:
                    on_result(i + 1)
            return acc
        except BaseException:
            for future in futures:
                if future is not None:
                    future.cancel()
            raise


def _context(fn: Callable[..., object]) -> multiprocessing.context.BaseContext:
    """``fork`` where the platform has it: workers start at once with everything imported.

    Arrow and jemalloc re-initialise their thread pools in a forked child, so forking a process
    that has used pyarrow is safe. Elsewhere a fork server imports the partition function's
    module once and forks workers from it.
    """
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([fn.__module__])
    return context


def tree_reduce(merge: Callable[[R, R], R], items: Iterable[R]) -> R:
    """Combine items pairwise as a balanced tree: ``merge(merge(a, b), merge(c, d))``.

    Raises
    ------
    InvalidParameterError
        If ``items`` is empty.
    """
    level = list(items)
    if not level:
        raise InvalidParameterError("items of tree_reduce must not be empty.", field="items")
    while len(level) > 1:
        paired = [merge(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]
