"""Ground truth from files and the CLI: SageMaker records in the collection hour's folder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from vigil.capture.ground_truth import read_labels, write_ground_truth
from vigil.cli.ground_truth import app
from vigil.errors import EmptyDatasetError, InvalidParameterError, MalformedRowError
from vigil.formats.capture import GroundTruthRecord

NOW = datetime(2024, 5, 1, 15, 30, 1, 5000, tzinfo=timezone(timedelta(hours=2)))  # 13:30 UTC


def test_written_records_are_sagemaker_ground_truth(tmp_path: Path) -> None:
    done = write_ground_truth([("a", "1"), ("b", "0")], str(tmp_path), now=NOW)
    path = Path(done.url)
    assert path.parent == tmp_path / "groundtruth" / "2024" / "05" / "01" / "13"
    assert path.name.startswith("30-01-005-") and path.suffix == ".jsonl"
    records = [GroundTruthRecord.from_json(x) for x in path.read_bytes().splitlines()]
    assert [(r.event_metadata.event_id, r.ground_truth_data.data) for r in records] == [
        ("a", "1"),
        ("b", "0"),
    ]
    assert all(r.ground_truth_data.encoding == "CSV" and r.event_version == "0" for r in records)
    with pytest.raises(EmptyDatasetError):
        write_ground_truth([], str(tmp_path), now=NOW)
    with pytest.raises(InvalidParameterError):
        write_ground_truth([("", "1")], str(tmp_path), now=NOW)


def test_read_labels_from_csv_and_jsonl(tmp_path: Path) -> None:
    csv_file = tmp_path / "labels.csv"
    csv_file.write_text('id,score,label\nr1,0.3,1\n\n"r,2",0.9,"yes, really"\n')
    assert read_labels(str(csv_file), id_column="id", label_column="label") == [
        ("r1", "1"),
        ("r,2", "yes, really"),
    ]
    jsonl = tmp_path / "labels.jsonl"
    jsonl.write_bytes(b'{"id": 7, "y": 1}\n{"id": "r8", "y": 0.5}\n\n{"id": "r9", "y": true}\n')
    assert read_labels(str(jsonl), id_column="id", label_column="y") == [
        ("7", "1"),
        ("r8", "0.5"),
        ("r9", "true"),
    ]


@pytest.mark.parametrize(
    ("name", "content", "error", "line", "field"),
    [
        ("a.csv", "id,label\nx,1\n", InvalidParameterError, 1, "y"),  # unknown column
        ("b.csv", "y,label\nx,1\n,0\n", MalformedRowError, 3, "y"),  # empty id
        ("c.csv", "y,label\nx,1\nz,\n", MalformedRowError, 3, "label"),  # empty label
        ("d.csv", "y,label\nx,1,2\n", MalformedRowError, 2, None),  # wrong field count
        ("e.jsonl", '{"y": "a", "label": 1}\n[1]\n', MalformedRowError, 2, None),
        ("f.jsonl", '{"y": "a"}\n', MalformedRowError, 1, "label"),
        ("g.jsonl", '{"y": null, "label": 1}\n', MalformedRowError, 1, "y"),
        ("h.jsonl", '{"y": "a", "label": [1]}\n', MalformedRowError, 1, "label"),
        ("i.csv", "y,label\n", EmptyDatasetError, None, None),
    ],
)
def test_bad_label_files_name_line_and_field(
    tmp_path: Path,
    name: str,
    content: str,
    error: type[Exception],
    line: int | None,
    field: str | None,
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(error) as info:
        read_labels(str(path), id_column="y", label_column="label")
    assert getattr(info.value, "line", None) == line
    assert getattr(info.value, "field", None) == field
    assert getattr(info.value, "path", None) == str(path)


def test_cli_put(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("inference_id,label\nid-1,1\nid-2,0\n")
    result = CliRunner().invoke(
        app,
        [
            "put",
            "--file",
            str(labels),
            "--id-column",
            "inference_id",
            "--label-column",
            "label",
            "--destination",
            str(tmp_path / "out"),
            "--collected-at",
            "2024-05-01T13:00:00Z",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote 2 ground-truth records" in result.output
    [file] = (tmp_path / "out" / "groundtruth" / "2024" / "05" / "01" / "13").iterdir()
    first = orjson.loads(file.read_bytes().splitlines()[0])
    assert first == {
        "groundTruthData": {"data": "1", "encoding": "CSV"},
        "eventMetadata": {"eventId": "id-1"},
        "eventVersion": "0",
    }


def test_cli_put_to_s3(tmp_path: Path, s3_bucket: str) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"id": "a", "label": 1}\n')
    result = CliRunner().invoke(
        app,
        [
            "put",
            "--file",
            str(labels),
            "--id-column",
            "id",
            "--label-column",
            "label",
            "--destination",
            f"{s3_bucket}/monitoring",
        ],
    )
    assert result.exit_code == 0, result.output
    hour = datetime.now(UTC).strftime("%Y/%m/%d/%H")
    assert f"{s3_bucket}/monitoring/groundtruth/" in result.output
    assert hour[:10] in result.output


def test_cli_put_bad_time(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("id,label\na,1\n")
    result = CliRunner().invoke(
        app,
        [
            "put",
            "--file",
            str(labels),
            "--id-column",
            "id",
            "--label-column",
            "label",
            "--destination",
            str(tmp_path),
            "--collected-at",
            "yesterday",
        ],
    )
    assert isinstance(result.exception, InvalidParameterError)
