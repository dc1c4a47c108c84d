"""Monitoring schedules: create, update, describe, list, stop, start, delete.

Updating a schedule (:meth:`ScheduleService.update_monitoring_schedule`, SageMaker's
``UpdateMonitoringSchedule``)
    The whole definition is replaced (validated as at creation); the name and the monitoring
    type stay. Planning continues from the schedule's last scheduled time: the next nominal
    time is the new expression's first one after it, so no nominal time is planned twice and
    none after it is skipped (a scheduler that fell behind plans the missed ones, under the new
    definition, as it would have under the old one). A window already planned (same start and
    end, e.g. after an offset change) is not planned again. Executions already planned (Pending)
    or running keep the definition they were planned with: they run, or finish, as before
    (stop them with :meth:`~vigil.control.executions.ExecutionService.stop_monitoring_execution`
    to drop them). The status is kept: a Stopped or Failed schedule stays so until
    :meth:`ScheduleService.start_monitoring_schedule`.
"""

from __future__ import annotations

import logging
from typing import Any

from vigil.api.expressions import ScheduleExpression
from vigil.api.resources import ListPage, MonitoringSchedule, MonitoringScheduleSpec
from vigil.api.status import MonitoringScheduleStatus
from vigil.control.base import ControlPlaneBase
from vigil.control.documents import schedule_model, to_page
from vigil.control.validation import (
    check_attributes,
    check_exists,
    resolve_spec,
    validate_schedule_baseline,
)
from vigil.errors import InvalidParameterError
from vigil.storage.metadata import ResourceConflictError

__all__ = ["ScheduleService"]

_log = logging.getLogger(__name__)

_UPDATE_ATTEMPTS = 5
"""Tries of an update that races with planning (each re-reads the schedule)."""


class ScheduleService(ControlPlaneBase):
    """The monitoring-schedule resource of the control plane."""

    def create_monitoring_schedule(self, spec: MonitoringScheduleSpec) -> MonitoringSchedule:
        """Create a schedule (status Pending until a scheduler takes it: then Scheduled).

        Raises
        ------
        InvalidParameterError
            Naming the field: a URL not allowed, an endpoint that does not exist, a baseline
            file that is missing or invalid (or, for ModelQuality, of another problem type),
            an attribute that is neither a column index nor a JSONPath, a script that does not
            exist.
        ResourceConflictError
            If a schedule of that name exists.
        """
        document, endpoint_name = self._schedule_document(spec)
        expression = ScheduleExpression.parse(spec.schedule_expression)
        now = self.clock.now()
        next_time = now if expression.one_time else expression.next_after(now)
        record = self.store.schedules.create(
            spec.name,
            monitoring_type=spec.monitoring_type,
            schedule_expression=spec.schedule_expression,
            endpoint_name=endpoint_name,
            spec=document,
            next_time=next_time,
            now=now,
        )
        _log.info("monitoring schedule created", extra={"schedule": spec.name})
        return schedule_model(record)

    def update_monitoring_schedule(
        self, name: str, spec: MonitoringScheduleSpec
    ) -> MonitoringSchedule:
        """Replace a schedule's definition (SageMaker's ``UpdateMonitoringSchedule``).

        ``spec`` is validated as by :meth:`create_monitoring_schedule`; its name must be
        ``name`` and its monitoring type the schedule's. Planning continues from the last
        scheduled time; executions already planned or running keep their definition; the
        status is kept (see the module docstring).

        Raises
        ------
        ResourceNotFoundError
            If there is no such schedule.
        InvalidParameterError
            As :meth:`create_monitoring_schedule`; also a different ``name`` or
            ``monitoring_type``.
        ResourceConflictError
            If the schedule kept changing under concurrent updates or planning.
        """
        if spec.name != name:
            raise InvalidParameterError(
                f"name of the schedule document must be {name!r} (the schedule updated). Got "
                f"{spec.name!r} instead.",
                field="name",
            )
        current = self.store.schedules.get(name)
        if spec.monitoring_type != current.monitoring_type:
            raise InvalidParameterError(
                f"monitoring_type of a schedule cannot change: {name} is "
                f"{current.monitoring_type}. Got {spec.monitoring_type} instead (create a new "
                "schedule).",
                field="monitoring_type",
            )
        document, endpoint_name = self._schedule_document(spec)
        expression = ScheduleExpression.parse(spec.schedule_expression)
        for _ in range(_UPDATE_ATTEMPTS):
            now = self.clock.now()
            after = current.cursor_time or current.created_at
            if expression.one_time:
                # NOW runs once: not again if it already ran (no next time), else right away
                next_time = None if current.next_time is None else now
            else:
                next_time = expression.next_after(after)
            record = self.store.schedules.replace(
                current,
                schedule_expression=spec.schedule_expression,
                endpoint_name=endpoint_name,
                spec=document,
                next_time=next_time,
                now=now,
            )
            if record is not None:
                _log.info("monitoring schedule updated", extra={"schedule": name})
                return schedule_model(record)
            current = self.store.schedules.get(name)
            if current.monitoring_type != spec.monitoring_type:  # deleted and re-created
                raise InvalidParameterError(
                    f"monitoring_type of a schedule cannot change: {name} is "
                    f"{current.monitoring_type}.",
                    field="monitoring_type",
                )
        raise ResourceConflictError(
            f"monitoring schedule {name} kept changing while it was updated: retry",
            field="name",
        )

    def _schedule_document(self, spec: MonitoringScheduleSpec) -> tuple[dict[str, Any], str | None]:
        """The document to store for ``spec`` (URLs normalised and allowed, files checked)
        and its endpoint name.

        Raises
        ------
        InvalidParameterError
            Naming the field (see :meth:`create_monitoring_schedule`).
        """
        document = spec.model_dump(mode="json")
        policy = self.url_policy
        document["output_url"] = policy.check(spec.output_url, "output_url")
        baseline = document["baseline"]
        for key in ("statistics_url", "constraints_url"):
            if baseline.get(key) is not None:
                baseline[key] = policy.check(baseline[key], f"baseline.{key}")
        for key in ("record_preprocessor_script", "post_analytics_processor_script"):
            if document.get(key):
                document[key] = policy.check(document[key], key)
        quality = document.get("model_quality")
        if quality is not None and quality.get("ground_truth_url"):
            quality["ground_truth_url"] = policy.check(
                quality["ground_truth_url"], "model_quality.ground_truth_url"
            )
        endpoint_name = None
        if spec.endpoint_input is not None:
            endpoint_input = document["endpoint_input"]
            endpoint_name = spec.endpoint_input.endpoint_name
            if endpoint_input.get("capture_root"):
                endpoint_input["capture_root"] = policy.check(
                    endpoint_input["capture_root"], "endpoint_input.capture_root"
                )
            resolve_spec(self.store, document)  # the endpoint must exist
        if spec.dataset_input is not None:
            from vigil.jobs.baseline import infer_dataset_format

            dataset = document["dataset_input"]
            dataset["dataset_url"] = policy.check(
                dataset["dataset_url"], "dataset_input.dataset_url"
            )
            if dataset.get("dataset_format") is None:
                try:
                    dataset["dataset_format"] = infer_dataset_format(dataset["dataset_url"])
                except InvalidParameterError as exc:
                    raise InvalidParameterError(
                        exc.message, field="dataset_input.dataset_format"
                    ) from exc
        if quality is not None:
            check_attributes(quality)
        validate_schedule_baseline(document)
        for key in ("record_preprocessor_script", "post_analytics_processor_script"):
            if document.get(key):
                check_exists(document[key], key)
        return document, endpoint_name

    def describe_monitoring_schedule(self, name: str) -> MonitoringSchedule:
        """The schedule called ``name``."""
        return schedule_model(self.store.schedules.get(name))

    def list_monitoring_schedules(
        self,
        *,
        status: MonitoringScheduleStatus | None = None,
        endpoint_name: str | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> ListPage[MonitoringSchedule]:
        """Schedules in name order."""
        page = self.store.schedules.list(
            status=status, endpoint_name=endpoint_name, limit=limit, next_token=next_token
        )
        return to_page(page, schedule_model)

    def stop_monitoring_schedule(self, name: str) -> MonitoringSchedule:
        """Stop planning new executions (those already planned still run)."""
        return schedule_model(self.store.schedules.stop(name, now=self.clock.now()))

    def start_monitoring_schedule(self, name: str) -> MonitoringSchedule:
        """Resume a stopped schedule from now on (missed windows are not caught up)."""
        record = self.store.schedules.get(name)
        expression = ScheduleExpression.parse(record.schedule_expression)
        now = self.clock.now()
        next_time = None if expression.one_time else expression.next_after(now)
        return schedule_model(self.store.schedules.start(name, next_time=next_time, now=now))

    def delete_monitoring_schedule(self, name: str) -> None:
        """Delete a schedule and its executions (refused while one runs)."""
        self.store.schedules.delete(name)
