"""Monitoring schedules as a workflow: expressions and windows, the control plane, the scheduler.

- :mod:`.expressions`: SageMaker ``cron(...)``, 5-field cron, ``@hourly``, ``NOW``; windows and
  ISO-8601 offsets (spec §7.1-7.2).
- :mod:`.models`: the documents callers send and receive.
- :mod:`.control`: :class:`~.control.ControlPlane`, the library API behind the REST API and CLI.
- :mod:`.scheduler`: :class:`~.scheduler.Scheduler`, which plans windows and runs executions in
  worker processes under leases (exactly one execution per schedule and window).
- :mod:`.baselining`: baselining jobs in the background.
- :mod:`.clock`: injectable clocks.

Import from the submodules; this package imports nothing so that light users (the HTTP client)
do not pay for the scheduler.
"""
