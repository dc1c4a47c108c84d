"""Real scikit-learn models saved with joblib, shared by the serving, service and CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def iris_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LogisticRegression on iris (4 features, 3 classes), saved with joblib."""
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    x, y = load_iris(return_X_y=True)
    path = tmp_path_factory.mktemp("models") / "iris.joblib"
    joblib.dump(LogisticRegression(max_iter=500).fit(x, y), path)
    return path
