"""The repositories on SQLite and PostgreSQL: CRUD, paging, and the claim/lease protocol."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from vigil.errors import InvalidParameterError
from vigil.storage.metadata import (
    ExecutionResult,
    MetadataStore,
    MonitoringExecutionStatus,
    MonitoringScheduleStatus,
    PlannedWindow,
    ResourceConflictError,
    ResourceNotFoundError,
    ScheduleRecord,
)

T0 = datetime(2024, 5, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
LEASE = timedelta(seconds=30)
S = MonitoringExecutionStatus


@pytest.fixture
def store(database_url: str) -> Iterator[MetadataStore]:
    with MetadataStore(database_url) as opened:
        yield opened


def _schedule(
    store: MetadataStore, name: str = "hourly", endpoint: str | None = None
) -> ScheduleRecord:
    record = store.schedules.create(
        name,
        monitoring_type="DataQuality",
        schedule_expression="cron(0 * ? * * *)",
        endpoint_name=endpoint,
        spec={"name": name, "max_runtime_seconds": 60},
        next_time=T0 + HOUR,
        now=T0,
    )
    activated = store.schedules.activate(record, now=T0)
    assert activated is not None
    return activated


def _plan(store: MetadataStore, schedule: ScheduleRecord, hours: int) -> ScheduleRecord:
    windows = [
        PlannedWindow(T0 + h * HOUR, T0 + (h - 1) * HOUR, T0 + h * HOUR)
        for h in range(1, hours + 1)
    ]
    assert (
        store.schedules.plan(
            schedule, windows, cursor_time=windows[-1].scheduled_time, next_time=None, now=T0
        )
        == hours
    )
    return store.schedules.get(schedule.name)


def test_endpoint_documents_round_trip_with_conflicts_and_paging(store: MetadataStore) -> None:
    for i in range(5):
        store.endpoints.create(f"ep-{i}", {"variants": [{"name": "AllTraffic", "i": i}]}, now=T0)
    with pytest.raises(ResourceConflictError, match="already exists") as caught:
        store.endpoints.create("ep-1", {}, now=T0)
    assert caught.value.field == "name"
    first = store.endpoints.list(limit=2)
    assert [e.name for e in first.items] == ["ep-0", "ep-1"] and first.next_token
    second = store.endpoints.list(limit=2, next_token=first.next_token)
    assert [e.name for e in second.items] == ["ep-2", "ep-3"]
    last = store.endpoints.list(limit=2, next_token=second.next_token)
    assert [e.name for e in last.items] == ["ep-4"] and last.next_token is None
    updated = store.endpoints.update("ep-2", {"x": [1, 2.5, None, "é"]}, now=T0 + HOUR)
    assert updated.config == {"x": [1, 2.5, None, "é"]} and updated.version == 2
    assert updated.last_modified_at == T0 + HOUR and updated.created_at == T0
    store.endpoints.delete("ep-2")
    with pytest.raises(ResourceNotFoundError):
        store.endpoints.get("ep-2")
    with pytest.raises(ResourceNotFoundError):
        store.endpoints.delete("ep-2")
    with pytest.raises(InvalidParameterError) as bad:
        store.endpoints.list(next_token="not a token!")
    assert bad.value.field == "next_token"


def test_an_endpoint_read_by_a_schedule_cannot_be_deleted(store: MetadataStore) -> None:
    store.endpoints.create("churn", {}, now=T0)
    _schedule(store, "watch", endpoint="churn")
    with pytest.raises(ResourceConflictError, match="watch"):
        store.endpoints.delete("churn")


def test_planning_twice_creates_each_window_once(store: MetadataStore) -> None:
    schedule = _schedule(store)
    windows = [PlannedWindow(T0 + HOUR, T0, T0 + HOUR)]
    assert (
        store.schedules.plan(schedule, windows, cursor_time=T0 + HOUR, next_time=None, now=T0) == 1
    )
    # the same schedule version again: refused as a whole (someone else planned it)
    assert (
        store.schedules.plan(schedule, windows, cursor_time=T0 + HOUR, next_time=None, now=T0)
        is None
    )
    fresh = store.schedules.get(schedule.name)
    assert store.schedules.plan(fresh, windows, cursor_time=T0 + HOUR, next_time=None, now=T0) == 0
    assert len(store.executions.list(schedule_name="hourly").items) == 1


def test_stop_start_and_delete_of_a_schedule(store: MetadataStore) -> None:
    schedule = _schedule(store)
    stopped = store.schedules.stop("hourly", now=T0)
    assert stopped.status is MonitoringScheduleStatus.STOPPED
    assert store.schedules.stop("hourly", now=T0).status is MonitoringScheduleStatus.STOPPED
    assert store.schedules.plan(schedule, [], cursor_time=None, next_time=None, now=T0) is None
    started = store.schedules.start("hourly", next_time=T0 + 3 * HOUR, now=T0 + 2 * HOUR)
    assert started.status is MonitoringScheduleStatus.PENDING
    assert started.cursor_time == T0 + 2 * HOUR and started.next_time == T0 + 3 * HOUR
    schedule = store.schedules.activate(started, now=T0)
    assert schedule is not None
    _plan(store, schedule, 2)
    [claimed] = store.executions.claim(owner="a", lease_now=T0, lease=LEASE, limit=1, now=T0)
    with pytest.raises(ResourceConflictError, match="running"):
        store.schedules.delete("hourly")
    assert store.executions.finish(
        claimed.id, claimed.lease_token or "", ExecutionResult(S.COMPLETED), now=T0
    )
    store.schedules.delete("hourly")
    assert store.executions.list().items == []
    with pytest.raises(ResourceNotFoundError):
        store.schedules.delete("hourly")


def test_claims_are_oldest_first_and_at_most_one_per_schedule(store: MetadataStore) -> None:
    a, b = _schedule(store, "a"), _schedule(store, "b")
    _plan(store, a, 3)
    _plan(store, b, 2)
    claimed = store.executions.claim(owner="x", lease_now=T0, lease=LEASE, limit=10, now=T0)
    assert sorted((e.schedule_name, e.window_start) for e in claimed) == [("a", T0), ("b", T0)]
    assert all(e.status is S.IN_PROGRESS and e.attempts == 1 and e.lease_token for e in claimed)
    # both schedules are busy: nothing more until one finishes
    assert store.executions.claim(owner="y", lease_now=T0, lease=LEASE, limit=10, now=T0) == []
    done = next(e for e in claimed if e.schedule_name == "a")
    store.executions.finish(
        done.id, done.lease_token or "", ExecutionResult(S.COMPLETED, records=3), now=T0
    )
    [nxt] = store.executions.claim(owner="y", lease_now=T0, lease=LEASE, limit=10, now=T0)
    assert (nxt.schedule_name, nxt.window_start) == ("a", T0 + HOUR)
    unlimited = store.executions.claim(
        owner="z", lease_now=T0, lease=LEASE, limit=10, now=T0, max_per_schedule=None
    )
    assert [(e.schedule_name, e.window_start) for e in unlimited] == [
        ("b", T0 + HOUR),  # scheduled at T0 + 2h
        ("a", T0 + 2 * HOUR),  # scheduled at T0 + 3h
    ]


def test_an_expired_lease_is_retried_and_fences_the_old_worker(store: MetadataStore) -> None:
    _plan(store, _schedule(store), 1)
    [first] = store.executions.claim(owner="old", lease_now=T0, lease=LEASE, limit=1, now=T0)
    old = first.lease_token or ""
    assert store.executions.renew(first.id, old, lease_expires_at=T0 + 2 * LEASE) is S.IN_PROGRESS
    # before expiry nobody else gets it
    later = T0 + LEASE
    assert store.executions.claim(owner="new", lease_now=later, lease=LEASE, limit=1, now=T0) == []
    expired = T0 + 3 * LEASE
    [second] = store.executions.claim(owner="new", lease_now=expired, lease=LEASE, limit=1, now=T0)
    assert second.id == first.id and second.attempts == 2 and second.lease_token != old
    # the old worker can no longer renew, record or release anything
    assert store.executions.renew(first.id, old, lease_expires_at=expired + LEASE) is None
    assert not store.executions.finish(first.id, old, ExecutionResult(S.COMPLETED), now=T0)
    assert store.executions.release(first.id, old, reason="x", max_attempts=3, now=T0) is None
    assert store.executions.finish(
        second.id,
        second.lease_token or "",
        ExecutionResult(S.COMPLETED_WITH_VIOLATIONS, violations=2),
        now=T0,
    )
    final = store.executions.get(first.id)
    assert final.status is S.COMPLETED_WITH_VIOLATIONS and final.violations == 2
    assert final.lease_token is None and final.attempts == 2


def test_lost_workers_fail_the_execution_after_max_attempts(store: MetadataStore) -> None:
    _plan(store, _schedule(store), 1)
    now = T0
    for attempt in (1, 2):
        [e] = store.executions.claim(owner="w", lease_now=now, lease=LEASE, limit=1, now=T0)
        assert e.attempts == attempt
        assert (
            store.executions.release(
                e.id, e.lease_token or "", reason="died", max_attempts=3, now=T0
            )
            is S.PENDING
        )
    [e] = store.executions.claim(owner="w", lease_now=now, lease=LEASE, limit=1, now=T0)
    assert e.attempts == 3
    # its worker vanishes: once the lease expires the reaper fails it
    assert store.executions.reap(lease_now=now + LEASE / 2, max_attempts=3, now=T0) == 0
    assert store.executions.reap(lease_now=now + 2 * LEASE, max_attempts=3, now=T0) == 1
    final = store.executions.get(e.id)
    assert final.status is S.FAILED and "lost 3 times" in (final.failure_reason or "")


def test_stopping_an_execution(store: MetadataStore) -> None:
    _plan(store, _schedule(store), 2)
    pending, running = store.executions.list(ascending=True).items
    assert store.executions.request_stop(pending.id, now=T0).status is S.STOPPED  # never ran
    [claimed] = store.executions.claim(owner="w", lease_now=T0, lease=LEASE, limit=1, now=T0)
    assert claimed.id == running.id
    assert store.executions.request_stop(running.id, now=T0).status is S.STOPPING
    assert store.executions.request_stop(running.id, now=T0).status is S.STOPPING
    assert store.executions.stopping([running.id, pending.id]) == [running.id]
    assert (
        store.executions.renew(running.id, claimed.lease_token or "", lease_expires_at=T0)
        is S.STOPPING
    )
    # the worker vanished: the reaper settles it as Stopped
    store.executions.reap(lease_now=T0 + LEASE, max_attempts=3, now=T0)
    assert store.executions.get(running.id).status is S.STOPPED
    with pytest.raises(ResourceConflictError) as caught:
        store.executions.request_stop(running.id, now=T0)
    assert caught.value.field == "execution_id"
    with pytest.raises(ResourceNotFoundError):
        store.executions.request_stop(2**40, now=T0)


def test_execution_listing_filters_and_pages(store: MetadataStore) -> None:
    _plan(store, _schedule(store, "a"), 5)
    _plan(store, _schedule(store, "b"), 2)
    newest = store.executions.list(limit=3)
    assert [e.scheduled_time for e in newest.items] == [T0 + 5 * HOUR, T0 + 4 * HOUR, T0 + 3 * HOUR]
    rest = store.executions.list(limit=3, next_token=newest.next_token)
    rest2 = store.executions.list(limit=3, next_token=rest.next_token)
    assert len(rest.items) + len(rest2.items) == 4 and rest2.next_token is None
    window = store.executions.list(
        schedule_name="a",
        scheduled_after=T0 + 2 * HOUR,
        scheduled_before=T0 + 4 * HOUR,
        ascending=True,
    )
    assert [e.scheduled_time for e in window.items] == [T0 + 2 * HOUR, T0 + 3 * HOUR]
    assert store.executions.list(status=S.COMPLETED).items == []
    assert len(store.executions.list(status=S.PENDING).items) == 7


def test_concurrent_claimers_never_share_an_execution(store: MetadataStore) -> None:
    for name in ("a", "b", "c"):
        _plan(store, _schedule(store, name), 8)
    taken: list[tuple[str, int]] = []
    lock = threading.Lock()

    def worker(owner: str) -> None:
        while True:
            got = store.executions.claim(
                owner=owner, lease_now=T0, lease=LEASE, limit=2, now=T0, max_per_schedule=None
            )
            if not got:
                return
            for e in got:
                with lock:
                    taken.append((owner, e.id))
                assert store.executions.finish(
                    e.id, e.lease_token or "", ExecutionResult(S.COMPLETED), now=T0
                )

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = Counter(i for _, i in taken)
    assert len(counts) == 24 and set(counts.values()) == {1}
    assert all(e.status is S.COMPLETED and e.attempts == 1 for e in store.executions.list().items)
