"""Fixtures of the service tests: real scikit-learn models saved with joblib, Python models.

``iris_model`` (a classifier: 3 probabilities per row, from :mod:`tests.models`) and
``iris_regressor`` (one number per row) take the same 4 features, so swapping one for the
other shows in every answer.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

IRIS_SETOSA = "5.1,3.5,1.4,0.2"
IRIS_VIRGINICA = "6.7,3.0,5.2,2.3"


@pytest.fixture
def vigil(capsys: pytest.CaptureFixture[str]) -> Any:
    """Run the CLI in this process with the control-plane commands registered:
    ``vigil(*args) -> (exit code, stdout, stderr)``."""
    from vigil.cli import control, main

    control.register(main.app)

    def run(*args: str) -> tuple[int, str, str]:
        code = main.main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture(scope="session")
def iris_regressor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LinearRegression of the iris class on its 4 features (no predict_proba)."""
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LinearRegression

    x, y = load_iris(return_X_y=True)
    path = tmp_path_factory.mktemp("models") / "iris-regressor.joblib"
    joblib.dump(LinearRegression().fit(x, y), path)
    return path


@pytest.fixture(scope="session")
def service_code_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Python entry-point models (module ``vigil_service_test_models``)."""
    folder = tmp_path_factory.mktemp("code")
    (folder / "vigil_service_test_models.py").write_text(
        textwrap.dedent(
            """
            def parity(rows):
                # label,age,color rows are captured output first: the label is age % 2
                return [int(row[0]) % 2 for row in rows]

            def boom(rows):
                raise RuntimeError("the model exploded")
            """
        )
    )
    (folder / "vigil_service_broken_import.py").write_text("raise ValueError('broken at import')\n")
    return folder


def sklearn_config(path: Path | str, *, capture: dict[str, Any] | None = None) -> dict[str, Any]:
    """An endpoint config document with one ``AllTraffic`` variant serving ``path``."""
    config: dict[str, Any] = {
        "variants": [{"name": "AllTraffic", "model": {"flavor": "sklearn", "path": str(path)}}]
    }
    if capture is not None:
        config["data_capture"] = capture
    return config


def python_config(code_dir: Path, function: str, **capture: Any) -> dict[str, Any]:
    """An endpoint config document serving ``vigil_service_test_models:<function>``."""
    model = {
        "flavor": "python",
        "entry_point": f"vigil_service_test_models:{function}",
        "code_dir": str(code_dir),
    }
    config: dict[str, Any] = {"variants": [{"name": "AllTraffic", "model": model}]}
    if capture:
        config["data_capture"] = capture
    return config
