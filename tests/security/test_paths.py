"""Storage-root policy: paths and URLs stay under configured roots; symlinks out are refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vigil.security.errors import PathOutsideRootsError
from vigil.security.paths import StorageRoots


@pytest.fixture
def layout(tmp_path: Path) -> tuple[StorageRoots, Path, Path]:
    root = tmp_path / "vigil-data"
    (root / "datasets").mkdir(parents=True)
    (root / "datasets" / "train.csv").write_text("a,b\n1,2\n")
    outside = tmp_path / "secrets"
    outside.mkdir()
    (outside / "key.pem").write_text("-----BEGIN-----")
    os.symlink(outside / "key.pem", root / "datasets" / "link-out.csv")
    os.symlink(outside, root / "escape")
    os.symlink(root / "datasets" / "train.csv", root / "link-in.csv")
    roots = StorageRoots([str(root), "s3://vigil-data/monitoring", "gs://bucket"])
    return roots, root, outside


def test_paths_under_roots_are_allowed(layout: tuple[StorageRoots, Path, Path]) -> None:
    roots, root, _ = layout
    train = root / "datasets" / "train.csv"
    assert roots.check(str(train)) == str(train.resolve())
    assert roots.check(f"file://{train}") == str(train.resolve())
    assert roots.check(str(root / "new" / "out.json")) == str((root / "new" / "out.json").resolve())
    assert roots.check(str(root / "link-in.csv")) == str(train.resolve())  # a link that stays in
    assert roots.check(str(root)) == str(root.resolve())
    assert roots.check("s3://vigil-data/monitoring/churn/stats.json").endswith("stats.json")
    assert roots.check("S3://vigil-data/monitoring/x") == "s3://vigil-data/monitoring/x"
    assert roots.check("gs://bucket/anything")


@pytest.mark.parametrize(
    ("relative", "text"),
    [
        ("datasets/link-out.csv", "symbolic link"),
        ("escape/key.pem", "symbolic link"),
        ("datasets/../../secrets/key.pem", "'..'"),
        ("datasets/%2e%2e/x", "'..'"),
        ("datasets/a\x00b", "NUL"),
    ],
)
def test_escapes_are_refused(
    layout: tuple[StorageRoots, Path, Path], relative: str, text: str
) -> None:
    roots, root, _ = layout
    path = f"{root}/{relative}"
    with pytest.raises(PathOutsideRootsError, match=text) as caught:
        roots.check(path)
    assert caught.value.path == path
    assert isinstance(caught.value, PermissionError)


@pytest.mark.parametrize(
    "path",
    ["/etc/passwd", "s3://vigil-data/monitoring-other/x", "s3://vigil-data/x", "s3://other/x",
     "https://vigil-data/monitoring/x", "s3://vigil-data/monitoring/../x", "relative/file.csv"],
)  # fmt: skip
def test_outside_roots_is_refused(layout: tuple[StorageRoots, Path, Path], path: str) -> None:
    roots, _, outside = layout
    with pytest.raises(PathOutsideRootsError):
        roots.check(path)
    with pytest.raises(PathOutsideRootsError):
        roots.check(str(outside / "key.pem"))


def test_sibling_with_common_prefix_is_outside(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data-evil").mkdir()
    roots = StorageRoots([str(tmp_path / "data")])
    with pytest.raises(PathOutsideRootsError):
        roots.check(str(tmp_path / "data-evil" / "x"))
