"""Alerting: metrics into periods, CloudWatch alarms, EventBridge events and rules, actions.

The chain SageMaker users know (Model Monitor → CloudWatch metric → alarm → EventBridge rule →
target), with CloudWatch's and EventBridge's semantics:

* :mod:`~vigil.alerting.statistics` — datapoints aggregated into periods (Average, Sum,
  Minimum, Maximum, SampleCount, percentiles).
* :mod:`~vigil.alerting.definition`, :mod:`~vigil.alerting.alarms`,
  :mod:`~vigil.alerting.history`, :mod:`~vigil.alerting.reasons` — metric alarms: definition,
  evaluation (M of N, missing data), StateReason texts and history items.
* :mod:`~vigil.alerting.patterns` — event patterns: validation and matching.
* :mod:`~vigil.alerting.events` — the event envelope and the events Vigil emits.
* :mod:`~vigil.alerting.actions` — delivery to targets (webhook, email, command): the only
  modules here that do I/O.

Everything but ``actions`` is pure: time and identifiers are arguments, and nothing reads a
clock, a file or the network.
"""
