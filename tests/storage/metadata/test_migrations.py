"""Migrations: an empty database is refused with a clear message, `vigil db upgrade` creates the
schema, and the migrated schema is exactly the one the code declares (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from vigil.storage.metadata import (
    MetadataStore,
    UnmigratedDatabaseError,
    current_revision,
    head_revision,
    upgrade,
)
from vigil.storage.metadata.engine import create_engine
from vigil.storage.metadata.schema import VERSION_TABLE, metadata


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(
    request: pytest.FixtureRequest, tmp_path: Path, fresh_postgres_url: Callable[[], str]
) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sub' / 'vigil.db'}"
    return fresh_postgres_url()


def test_an_unmigrated_database_is_refused_naming_the_command(empty_url: str) -> None:
    with pytest.raises(UnmigratedDatabaseError) as caught:
        MetadataStore(empty_url)
    message = str(caught.value)
    assert "vigil db upgrade" in message and "no Vigil schema" in message
    assert caught.value.current is None and caught.value.head == head_revision()
    if empty_url.startswith("sqlite"):  # refusing does not leave an empty file behind
        assert not Path(empty_url.removeprefix("sqlite:///")).exists()


def test_upgrade_creates_the_declared_schema_and_is_idempotent(empty_url: str) -> None:
    assert upgrade(empty_url) == (None, head_revision())
    assert upgrade(empty_url) == (head_revision(), head_revision())
    engine = create_engine(empty_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": VERSION_TABLE}
            )
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()
    with MetadataStore(empty_url) as store:
        assert store.endpoints.list().items == []


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vigil.db'}"
    upgrade(url)
    with MetadataStore(url) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_vigil_db_upgrade_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vigil.cli import control, main

    control.register(main.app)
    url = f"sqlite:///{tmp_path / 'data' / 'vigil.db'}"
    db = ["db"]

    def vigil(*args: str) -> tuple[int, str, str]:
        code = main.main([*db, *args, "--database-url", url])
        out = capsys.readouterr()
        return code, out.out, out.err

    code, _, err = vigil("check")
    assert code == 1 and "vigil db upgrade" in err and "Traceback" not in err
    code, out, err = vigil("upgrade")
    assert code == 0, err
    assert f"to revision {head_revision()}" in out
    assert "already at revision" in vigil("upgrade")[1]
    code, out, _ = vigil("check")
    assert code == 0 and "up to date" in out


def test_version_1_specs_are_upgraded_to_version_2(empty_url: str) -> None:
    """Revision 0003 stamps stored specs with their version, moving SageMaker's offsets."""
    import sqlalchemy as sa

    from vigil.api.specs import SPEC_VERSION
    from vigil.control import schedule_model

    upgrade(empty_url, "0002")
    spec = {
        "name": "old",
        "monitoring_type": "ModelQuality",
        "endpoint_input": {
            "endpoint_name": "ep",
            "start_time_offset": "-PT2H",
            "end_time_offset": "-PT1H",
        },
        "model_quality": {"problem_type": "Regression"},
        "baseline": {"constraints_url": "/b/c.json"},
        "output_url": "/r",
        "schedule_expression": "cron(0 * ? * * *)",
    }
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO vigil_monitoring_schedules (name, monitoring_type, status, "
                    "schedule_expression, spec, created_at, last_modified_at, version) VALUES "
                    "('old', 'ModelQuality', 'Scheduled', 'cron(0 * ? * * *)', :spec, "
                    "'2024-05-01 00:00:00', '2024-05-01 00:00:00', 1)"
                ),
                {"spec": json.dumps(spec)},
            )
    finally:
        engine.dispose()
    upgrade(empty_url)
    with MetadataStore(empty_url) as store:
        record = store.schedules.get("old")
    assert record.spec_version == SPEC_VERSION == 2
    assert record.spec["data_analysis_start_time"] == "-PT2H"
    assert "start_time_offset" not in record.spec["endpoint_input"]
    document = schedule_model(record)
    assert (document.data_analysis_start_time, document.data_analysis_end_time) == (
        "-PT2H",
        "-PT1H",
    )


def test_a_spec_stored_by_a_newer_vigil_is_refused(tmp_path: Path) -> None:
    import dataclasses

    from vigil.control import schedule_model
    from vigil.errors import StorageError
    from vigil.storage.metadata.records import ScheduleRecord

    fields = {f.name: None for f in dataclasses.fields(ScheduleRecord)}
    record = ScheduleRecord(**{**fields, "name": "new", "status": "Scheduled", "spec_version": 99})
    with pytest.raises(StorageError, match="newer Vigil"):
        schedule_model(record)
