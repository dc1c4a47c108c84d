"""Small real inputs for control-plane tests: a training CSV, its baseline, capture hours,
and post-analytics scripts that leave evidence of each run."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from vigil.jobs.baseline import suggest_baseline
from vigil.storage.capture_layout import capture_file_url

ENDPOINT = "churn"
VARIANT = "AllTraffic"
COLORS = ("red", "green", "blue")


@dataclass(frozen=True)
class Baseline:
    """A training set and the baseline suggested from it."""

    dataset: Path
    statistics: Path
    constraints: Path


def write_training_csv(path: Path, rows: int = 300, seed: int = 0) -> Path:
    """``label,age,color``: the output column first, as SageMaker's capture rows are read."""
    rng = random.Random(seed)
    lines = ["label,age,color"]
    for _ in range(rows):
        lines.append(f"{rng.randint(0, 1)},{rng.randint(18, 80)},{rng.choice(COLORS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def make_baseline(root: Path) -> Baseline:
    """Write a training CSV under ``root`` and suggest its baseline (in this process)."""
    dataset = write_training_csv(root / "train.csv")
    result = suggest_baseline(str(dataset), output=str(root / "baseline"))
    assert result.statistics_url is not None and result.constraints_url is not None
    return Baseline(dataset, Path(result.statistics_url), Path(result.constraints_url))


def write_capture_hour(
    root: Path,
    hour: datetime,
    *,
    records: int = 12,
    seed: int = 0,
    endpoint: str = ENDPOINT,
    ages: tuple[int, int] = (18, 80),
) -> Path:
    """One capture file for the UTC hour starting at ``hour``: ``records`` CSV invocations."""
    rng = random.Random(f"{seed}-{hour.isoformat()}")
    lines = []
    for i in range(records):
        t = hour + timedelta(seconds=i * 3600 // records + 1)
        record = {
            "captureData": {
                "endpointInput": {
                    "observedContentType": "text/csv",
                    "mode": "INPUT",
                    "data": f"{rng.randint(*ages)},{rng.choice(COLORS)}",
                    "encoding": "CSV",
                },
                "endpointOutput": {
                    "observedContentType": "text/csv",
                    "mode": "OUTPUT",
                    "data": str(rng.randint(0, 1)),
                    "encoding": "CSV",
                },
            },
            "eventMetadata": {
                "eventId": f"{hour:%Y%m%d%H}-{i}",
                "inferenceTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            "eventVersion": "0",
        }
        lines.append(json.dumps(record))
    url = Path(capture_file_url(str(root), endpoint, VARIANT, hour, f"{seed}-{hour:%H}"))
    url.parent.mkdir(parents=True, exist_ok=True)
    url.write_text("\n".join(lines) + "\n")
    return url


def write_capture(root: Path, start: datetime, hours: int, **kwargs: object) -> None:
    """Capture files for ``hours`` consecutive hours from ``start``."""
    for h in range(hours):
        write_capture_hour(root, start + timedelta(hours=h), **kwargs)  # type: ignore[arg-type]


def evidence_script(path: Path, log: Path) -> Path:
    """A ``postprocess_handler`` that appends ``schedule start end tag`` to ``log`` per run.

    It reads SageMaker's analyzer environment (``start_time``, ``end_time``,
    ``sagemaker_monitoring_schedule_name``) and ``VIGIL_TEST_TAG`` (set per scheduler process).
    One ``os.write`` on an ``O_APPEND`` file: lines of concurrent runs never interleave.
    """
    path.write_text(
        "import os\n"
        "def postprocess_handler():\n"
        "    line = ' '.join([os.environ['sagemaker_monitoring_schedule_name'],\n"
        "                     os.environ['start_time'], os.environ['end_time'],\n"
        "                     os.environ.get('VIGIL_TEST_TAG', '-')]) + '\\n'\n"
        f"    fd = os.open({str(log)!r}, os.O_WRONLY | os.O_CREAT | os.O_APPEND)\n"
        "    os.write(fd, line.encode())\n"
        "    os.close(fd)\n"
    )
    return path


def sleeping_script(path: Path, marker: Path, log: Path, seconds: float = 120.0) -> Path:
    """A ``postprocess_handler`` that hangs on its first run (writing ``marker``) and logs later runs."""
    path.write_text(
        "import os, time\n"
        "def postprocess_handler():\n"
        f"    marker = {str(marker)!r}\n"
        "    if not os.path.exists(marker):\n"
        "        with open(marker + '.tmp', 'w') as f:\n"  # the marker appears whole
        "            f.write(str(os.getpid()))\n"
        "        os.replace(marker + '.tmp', marker)\n"
        f"        time.sleep({seconds!r})\n"
        f"    fd = os.open({str(log)!r}, os.O_WRONLY | os.O_CREAT | os.O_APPEND)\n"
        "    os.write(fd, (os.environ['start_time'] + '\\n').encode())\n"
        "    os.close(fd)\n"
    )
    return path
