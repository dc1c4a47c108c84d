"""Baselining jobs: start (in the background or now), describe, list."""

from __future__ import annotations

from uuid import uuid4

from vigil.api.resources import BaseliningJob, BaseliningJobSpec, ListPage
from vigil.api.status import BaseliningJobStatus
from vigil.control.base import ControlPlaneBase
from vigil.control.baselining import BaselineRunner
from vigil.control.documents import baselining_job_model, to_page
from vigil.errors import InvalidParameterError

__all__ = ["BaseliningJobService"]


class BaseliningJobService(ControlPlaneBase):
    """The baselining-job resource of the control plane."""

    def start_baselining_job(self, spec: BaseliningJobSpec) -> BaseliningJob:
        """Start a baselining job: DataQuality, or ModelQuality on a labelled dataset.

        With a :class:`BaselineRunner` the job runs in the background and the returned
        document says InProgress; without one it runs now and the document is final.
        A ModelQuality job is stored with its defaults filled in (``probability_threshold``
        0.5, ``slack`` :data:`vigil.core.model_quality.DEFAULT_SLACK`).

        Raises
        ------
        InvalidParameterError
            If a URL is not allowed or the dataset format cannot be inferred.
        ResourceConflictError
            If a job of that name exists.
        """
        from vigil.jobs.baseline import infer_dataset_format

        now = self.clock.now()
        name = spec.name or f"baseline-suggestion-job-{now:%Y-%m-%d-%H-%M-%S-%f}-{uuid4().hex[:4]}"
        document = spec.model_dump(mode="json")
        document["name"] = name
        document["dataset_url"] = self.url_policy.check(spec.dataset_url, "dataset_url")
        document["output_url"] = self.url_policy.check(spec.output_url, "output_url")
        if spec.dataset_format is None:
            try:
                document["dataset_format"] = infer_dataset_format(spec.dataset_url)
            except InvalidParameterError as exc:
                raise InvalidParameterError(exc.message, field="dataset_format") from exc
        if spec.monitoring_type == "ModelQuality":
            from vigil.core.model_quality import DEFAULT_SLACK

            if spec.probability_threshold is None:
                document["probability_threshold"] = 0.5
            if spec.slack is None:
                document["slack"] = DEFAULT_SLACK
        runner = self.baselines or BaselineRunner(self.store, clock=self.clock)
        record = self.store.baselining_jobs.create(
            name,
            monitoring_type=spec.monitoring_type,
            spec=document,
            owner=runner.owner,
            lease_expires_at=runner.lease_expiry(),
            now=now,
        )
        if self.baselines is None:
            return baselining_job_model(runner.run(record))
        self.baselines.submit(record)
        return baselining_job_model(record)

    def describe_baselining_job(self, name: str) -> BaseliningJob:
        """The baselining job called ``name``."""
        return baselining_job_model(self.store.baselining_jobs.get(name))

    def list_baselining_jobs(
        self,
        *,
        status: BaseliningJobStatus | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> ListPage[BaseliningJob]:
        """Baselining jobs, newest first."""
        page = self.store.baselining_jobs.list(status=status, limit=limit, next_token=next_token)
        return to_page(page, baselining_job_model)
