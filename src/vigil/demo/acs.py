"""Real ACS employment data (Massachusetts, 2015–2018), taken from the ``nannyml`` wheel.

The wheel ships US Census ACS PUMS extracts prepared with folktables (spec/datasets.md §2.5).
Vigil downloads the wheel with ``pip download --no-deps`` (PyPI is the only registry reachable
here) and reads the Parquet files straight out of the zip, without installing or importing
nannyml. Files are cached under ``cache_dir`` after the first run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from vigil.errors import StorageError

__all__ = ["NANNYML_VERSION", "AcsFiles", "default_cache_dir", "fetch_acs_employment"]

NANNYML_VERSION = "0.13.1"
_MEMBERS = {
    "reference": "nannyml/datasets/data/employment_MA_reference.pq",
    "analysis": "nannyml/datasets/data/employment_MA_analysis.pq",
    "analysis_target": "nannyml/datasets/data/employment_MA_analysis_target.pq",
}


@dataclass(frozen=True)
class AcsFiles:
    """Local paths of the three ACS employment Parquet files.

    Attributes
    ----------
    reference : Path
        2015, 68,785 rows with the ``employed`` label.
    analysis : Path
        2016–2018, 208,892 rows without the label.
    analysis_target : Path
        The 2016–2018 labels (``id``, ``employed``): the delayed ground truth.
    """

    reference: Path
    analysis: Path
    analysis_target: Path


def default_cache_dir() -> Path:
    """``$VIGIL_CACHE_DIR``, else ``~/.cache/vigil``."""
    env = os.environ.get("VIGIL_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "vigil"


def fetch_acs_employment(cache_dir: Path | None = None) -> AcsFiles:
    """Download (once) and extract the ACS employment files; return their paths.

    Raises
    ------
    StorageError
        If the wheel cannot be downloaded or does not hold the expected files.
    """
    root = (cache_dir or default_cache_dir()) / f"nannyml-{NANNYML_VERSION}"
    files = AcsFiles(**{k: root / Path(v).name for k, v in _MEMBERS.items()})
    if all(p.exists() for p in (files.reference, files.analysis, files.analysis_target)):
        return files
    root.mkdir(parents=True, exist_ok=True)
    wheel = next(root.glob("nannyml-*.whl"), None)
    if wheel is None:
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
            "--only-binary=:all:", "-d", str(root), f"nannyml=={NANNYML_VERSION}",
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wheel = next(root.glob("nannyml-*.whl"), None)
        if done.returncode != 0 or wheel is None:
            raise StorageError(
                f"could not download nannyml=={NANNYML_VERSION} from PyPI: {done.stderr.strip()}",
                path=str(root),
            )
    with zipfile.ZipFile(wheel) as zf:
        for key, member in _MEMBERS.items():
            target: Path = getattr(files, key)
            try:
                data = zf.read(member)
            except KeyError as exc:
                raise StorageError(f"{member} is not in the wheel", path=str(wheel)) from exc
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(target)
    return files
