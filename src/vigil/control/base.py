"""The state the control plane's resource services share."""

from __future__ import annotations

from vigil.control.baselining import BaselineRunner
from vigil.control.clock import Clock, SystemClock
from vigil.control.urls import UrlPolicy
from vigil.storage.metadata import MetadataStore

__all__ = ["ControlPlaneBase"]


class ControlPlaneBase:
    """What every resource service of the control plane holds: store, clock, runner, URL policy.

    Parameters
    ----------
    store : MetadataStore
    clock : Clock, optional
        "Now" for created/modified times and for the first nominal time of a schedule.
    baselines : BaselineRunner, optional
        Runs baselining jobs in the background; without it :meth:`start_baselining_job` runs
        the job in the calling thread and returns when it is done.
    url_policy : UrlPolicy, optional
        Which URLs callers may use (default: any).
    """

    def __init__(
        self,
        store: MetadataStore,
        *,
        clock: Clock | None = None,
        baselines: BaselineRunner | None = None,
        url_policy: UrlPolicy | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.baselines = baselines
        self.url_policy = url_policy or UrlPolicy()
