"""A bounded in-memory record of accepted request signatures, so that none is accepted twice.

Used by :class:`vigil.security.sigv4.SigV4Verifier` (spec/security-runtime-api.md §2.1, D2): a
SigV4 signature stays valid for the clock-skew window after its signing time, so an eavesdropper
(or a log reader) could send the same request again within it. botocore re-signs each retry, and
retries within the same second carry the same signature, so the service releases a signature it
answered with a retryable 5xx (:meth:`ReplayCache.release`).

>>> from datetime import UTC, datetime, timedelta
>>> cache = ReplayCache(window=timedelta(minutes=15), max_entries=2)
>>> t = datetime(2026, 12, 7, 2, tzinfo=UTC)
>>> cache.add("sig-a", signed_at=t, now=t), cache.add("sig-a", signed_at=t, now=t)
(True, False)
>>> cache.add("sig-a", signed_at=t, now=t + timedelta(minutes=16))  # window closed
True
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from heapq import heappop, heappush

__all__ = ["ReplayCache"]


class ReplayCache:
    """Signatures already accepted, each kept until its validity window closes.

    A bounded in-memory set: an entry expires ``window`` after the request's signing time (the
    verifier's clock skew, after which the signature is refused anyway). When ``max_entries`` are
    live the entry closest to expiry is evicted (counted in :attr:`evicted`): size the cache for
    the request rate times the window. Thread-safe.

    Parameters
    ----------
    window : timedelta
        How long after its signing time a signature stays refused.
    max_entries : int, default=100_000
    """

    def __init__(self, *, window: timedelta, max_entries: int = 100_000) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be >= 1. Got {max_entries!r} instead.")
        self.window = window
        self.max_entries = max_entries
        self.evicted = 0
        self._expiry: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._expiry)

    def add(self, key: str, *, signed_at: datetime, now: datetime) -> bool:
        """Record ``key``; ``False`` if it is already recorded and not yet expired."""
        expires = (signed_at + self.window).timestamp()
        with self._lock:
            self._purge(now.timestamp())
            if key in self._expiry:
                return False
            while len(self._expiry) >= self.max_entries:
                _, oldest = heappop(self._heap)
                if self._expiry.pop(oldest, None) is not None:
                    self.evicted += 1
            self._expiry[key] = expires
            heappush(self._heap, (expires, key))
            return True

    def release(self, key: str) -> None:
        """Forget ``key``, so the same signed request may be retried (after a 5xx answer, D2)."""
        with self._lock:
            self._expiry.pop(key, None)

    def _purge(self, now: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= now:
            expires, key = heappop(heap)
            if self._expiry.get(key) == expires:
                del self._expiry[key]
