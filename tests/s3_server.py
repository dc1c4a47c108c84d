"""Pytest fixtures for a real S3 API on loopback: moto's server mode, no mocks.

``s3_server`` starts one :class:`moto.server.ThreadedMotoServer` per test session on
``127.0.0.1`` and an ephemeral port, and points both boto3 (through the environment) and
:mod:`vigil.storage.objectstore` (through ``VIGIL_S3_ENDPOINT_URL``) at it. ``s3_bucket`` gives
each test a fresh bucket. moto, boto3 and s3fs are imported lazily so that test sessions that do
not touch S3 do not pay for them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["s3_bucket", "s3_client", "s3_server", "tmp_data"]

REGION = "us-east-1"  # the one region where CreateBucket needs no LocationConstraint

# Variables that could route the tests to a real AWS account or profile.
_AWS_VARS_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


def _clear_s3fs_cache() -> None:
    """Forget cached S3FileSystem instances (and with them their listings and credentials)."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start moto's S3 server on loopback for the session and yield its endpoint URL.

    The server binds port 0 and the OS picks a free port; the bound address is read back from
    :meth:`ThreadedMotoServer.get_host_and_port` (the underlying werkzeug server's
    ``server_address``). For the session the environment holds fake credentials, region
    ``us-east-1``, an empty AWS config file and ``VIGIL_S3_ENDPOINT_URL``; it is restored
    afterwards.
    """
    from moto.server import ThreadedMotoServer

    from vigil.storage.objectstore import S3_ENDPOINT_ENV_VAR

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    aws_config = tmp_path_factory.mktemp("aws") / "config"
    aws_config.write_text("")
    with pytest.MonkeyPatch.context() as mp:
        for name in _AWS_VARS_TO_CLEAR:
            mp.delenv(name, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        mp.setenv("AWS_REGION", REGION)
        mp.setenv("AWS_CONFIG_FILE", str(aws_config))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws_config))
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        no_proxy = ",".join(filter(None, ["127.0.0.1", "localhost", _env("NO_PROXY")]))
        mp.setenv("NO_PROXY", no_proxy)
        mp.setenv("no_proxy", no_proxy)
        mp.setenv(S3_ENDPOINT_ENV_VAR, endpoint)
        _clear_s3fs_cache()
        try:
            yield endpoint
        finally:
            _clear_s3fs_cache()
            server.stop()


def _env(name: str) -> str | None:
    return os.environ.get(name) or os.environ.get(name.lower())


@pytest.fixture(scope="session")
def s3_client(s3_server: str) -> Any:
    """A boto3 S3 client for the moto server, to arrange or inspect objects behind s3fs's back."""
    import boto3

    return boto3.client("s3", endpoint_url=s3_server, region_name=REGION)


@pytest.fixture
def s3_bucket(s3_client: Any) -> Iterator[str]:
    """Create a fresh, uniquely named bucket and yield it as ``s3://<bucket>``.

    The s3fs instance cache is cleared before and after, so no filesystem object (with its
    listings cache) is shared between tests. The bucket is emptied and deleted afterwards.
    """
    name = f"vigil-test-{uuid.uuid4().hex[:16]}"
    s3_client.create_bucket(Bucket=name)
    _clear_s3fs_cache()
    try:
        yield f"s3://{name}"
    finally:
        _clear_s3fs_cache()
        paginator = s3_client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=name):
            keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
            if keys:
                s3_client.delete_objects(Bucket=name, Delete={"Objects": keys})
        s3_client.delete_bucket(Bucket=name)


@pytest.fixture
def tmp_data(tmp_path: Path) -> Path:
    """An empty local directory for test data (``<tmp_path>/data``)."""
    path = tmp_path / "data"
    path.mkdir()
    return path
