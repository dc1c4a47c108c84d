"""The local engine: run a partition function over partitions in a process pool and merge.

The same partition function serves every engine: it takes one partition and returns a
serialisable, mergeable result (a profile). Here the partitions run in ``workers`` processes
(``workers=1`` runs in this process, with no pool); results are merged as a balanced tree, in
partition order, so the outcome does not depend on which worker finished first.

Worker processes allocate Arrow memory with the system allocator (:func:`_init_worker`).
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, ClassVar, TypeVar, cast

import pyarrow as pa

from vigil.engine.base import Engine, EngineType, Work
from vigil.errors import InvalidParameterError

__all__ = [
    "IN_FLIGHT_PER_WORKER",
    "LocalEngine",
    "map_partitions",
    "map_reduce",
    "read_ahead",
    "tree_reduce",
]

P = TypeVar("P")
R = TypeVar("R")
T = TypeVar("T")

IN_FLIGHT_PER_WORKER = 2
"""Partitions :func:`map_reduce` keeps submitted per worker: enough to keep every worker busy
while the coordinator merges, few enough to bound the finished results it holds."""


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
    with ProcessPoolExecutor(
        max_workers=min(workers, len(partitions)), mp_context=context, initializer=_init_worker
    ) as pool:
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
    before it are: the coordinator holds one accumulator, not every partition's result. At most
    ``IN_FLIGHT_PER_WORKER * workers`` partitions are queued or finished and not yet merged.

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
    window = IN_FLIGHT_PER_WORKER * workers
    with ProcessPoolExecutor(
        max_workers=min(workers, len(partitions)), mp_context=_context(fn), initializer=_init_worker
    ) as pool:
        # At most `window` partitions are submitted and not yet merged, so a slow partition
        # holds back at most that many finished results in memory, whatever their number.
        pending: deque[Future[R]] = deque(pool.submit(fn, p) for p in partitions[:window])
        submitted = len(pending)
        try:
            folded: R | None = None
            for i in range(len(partitions)):
                result = pending.popleft().result()
                if submitted < len(partitions):
                    pending.append(pool.submit(fn, partitions[submitted]))
                    submitted += 1
                folded = result if folded is None else merge(folded, result)
                del result
                if on_result is not None:
                    on_result(i + 1)
            assert folded is not None  # partitions is not empty
            return folded
        except BaseException:
            for future in pending:
                future.cancel()
            raise


class LocalEngine(Engine):
    """The local engine: :func:`map_reduce` over a work's partitions in ``workers`` processes.

    Parameters
    ----------
    workers : int, default=1
        Worker processes (1: in the calling process).

    Raises
    ------
    InvalidParameterError
        If ``workers`` < 1.

    Examples
    --------
    >>> from vigil.engine.base import Work
    >>> LocalEngine(1).reduce(Work(abs, max, lambda: [-3, 1, -2]))
    3
    >>> LocalEngine(1).reduce(Work(abs, max, lambda: [])) is None
    True
    """

    type: ClassVar[EngineType] = "local"

    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise InvalidParameterError(
                f"workers of LocalEngine must be >= 1. Got {workers!r} instead.", field="workers"
            )
        self.workers = workers

    def reduce(self, work: Work[Any, R]) -> R | None:
        """Plan the partitions, analyse them in the pool, merge in partition order."""
        tasks = work.partitions()
        if not tasks:
            return None
        return map_reduce(
            work.analyze, work.merge, tasks, workers=self.workers, on_result=work.on_result
        )

    def __repr__(self) -> str:
        return f"LocalEngine(workers={self.workers})"


_END = object()


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """Iterate ``items`` in a background thread, one item ahead of the consumer.

    For a partition function with a core to spare: Arrow releases the GIL while it reads and
    decodes, so reading the next batch overlaps with processing this one. At most two items
    exist beyond the consumer's (the one handed over and the one being produced). An exception
    raised by ``items`` is re-raised here, unchanged; if the consumer stops early, the thread
    stops and ``items`` is closed (``close()``, if it has one).

    Parameters
    ----------
    items : iterator
        Produced in the background thread, in order.

    Yields
    ------
    The items of ``items``, in order.
    """
    handoff: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(item: object, error: BaseException | None) -> bool:
        while not stop.is_set():
            try:
                handoff.put((item, error), timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item, None):
                    return
            offer(_END, None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            offer(_END, exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="vigil-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = handoff.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield cast(T, item)
    finally:
        stop.set()
        thread.join()


def _init_worker() -> None:
    """Make the system allocator Arrow's default in a worker process (before it allocates).

    Arrow's default, mimalloc, backs its arenas with transparent huge pages where the kernel
    offers them on request (``madvise``, the common Linux default): a fresh process that
    decodes a few hundred MiB then spends a quarter of a second or more in the kernel
    compacting and zeroing huge pages, and holds more resident memory than it uses. A worker is
    a fresh process per job, so it pays that every time; the system allocator does not. The
    calling process (``workers=1``) is left as it is.
    """
    pa.set_memory_pool(pa.system_memory_pool())


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
