"""Vigil: self-hosted model monitoring, format-compatible with SageMaker Model Monitor.

The library API in one place::

    import vigil
    result = vigil.suggest_baseline("train.csv", output="baseline/")
    result.statistics.to_dict()     # statistics.json
    result.constraints.to_dict()    # constraints.json
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["BaselineResult", "__version__", "suggest_baseline"]

if TYPE_CHECKING:
    from vigil.jobs.baseline import BaselineResult, suggest_baseline


def __getattr__(name: str) -> Any:
    # Imported lazily so that `import vigil` (and `vigil --version`) stays fast.
    if name in ("suggest_baseline", "BaselineResult"):
        from vigil.jobs import baseline

        return getattr(baseline, name)
    raise AttributeError(f"module 'vigil' has no attribute {name!r}")
