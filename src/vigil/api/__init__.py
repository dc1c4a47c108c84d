"""The control plane's documents, pure: job specs, resources, statuses, schedule expressions.

Everything a caller of Vigil's API needs to build a request or read an answer, with no
database, storage or web framework behind it: :class:`vigil.client.Client` and the CLI import
this package, the service and the scheduler validate with it.

Modules
    :mod:`~vigil.api.specs`        typed job specs (monitoring and baselining jobs)
    :mod:`~vigil.api.resources`    endpoints, schedules, executions, baselining jobs, pages
    :mod:`~vigil.api.status`       status vocabularies (SageMaker's names)
    :mod:`~vigil.api.expressions`  schedule expressions, offsets and windows
    :mod:`~vigil.api.fields`       shared field types (names, URLs, times)
    :mod:`~vigil.api.protocol`     the ``ControlPlaneAPI`` protocol both control planes implement
"""
