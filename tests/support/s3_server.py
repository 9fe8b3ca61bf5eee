"""A local S3-compatible server (moto) for the tests, and fresh buckets on it.

The server runs once per session on a free loopback port. ``s3_env`` points the standard AWS
variables at it for one test, and nothing else (no profile, no instance metadata);
``s3_bucket`` makes a new bucket there; ``aws_env`` sets some other AWS environment for one
test. Each restores the environment afterwards. moto, boto3 and s3fs are imported only when
used, so sessions without S3 tests do not pay for them.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REGION = "us-east-1"
# Every variable through which botocore finds an endpoint, credentials, a profile or retries
AWS_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
)


@dataclass(frozen=True)
class S3Server:
    """A running S3-compatible server: its endpoint, the AWS variables and a boto3 client."""

    endpoint_url: str
    env: dict[str, str]
    client: Any


def set_aws_env(monkeypatch: pytest.MonkeyPatch, home: Path, **env: str) -> None:
    """Clear every AWS variable, keep botocore off files and instance metadata, then set ``env``."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def forget_s3_file_systems() -> None:
    """Drop the file systems s3fs cached: each keeps a client made from the environment then."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A moto S3 server on a free port of 127.0.0.1, for the whole session."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint_url = f"http://{host}:{port}"
    env = {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "preditiva-test",
        "AWS_SECRET_ACCESS_KEY": "preditiva-test-secret",
        "AWS_DEFAULT_REGION": REGION,
    }
    with pytest.MonkeyPatch.context() as monkeypatch:
        # a session of its own: no profile or config file of the machine leaks in
        set_aws_env(monkeypatch, tmp_path_factory.mktemp("aws"), **env)
        client = boto3.session.Session().client("s3")
    forget_s3_file_systems()
    try:
        yield S3Server(endpoint_url=endpoint_url, env=env, client=client)
    finally:
        forget_s3_file_systems()
        server.stop()


@pytest.fixture
def s3_env(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> S3Server:
    """``s3_server`` with its AWS environment set for this test only."""
    set_aws_env(monkeypatch, tmp_path, **s3_server.env)
    return s3_server


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[..., None]]:
    """Sets another isolated AWS environment (``aws_env(AWS_ENDPOINT_URL=…)``) for this test.

    s3fs forgets the file systems it cached before and after, so none outlives its environment.
    """

    def set_env(**env: str) -> None:
        set_aws_env(monkeypatch, tmp_path, **env)
        forget_s3_file_systems()

    yield set_env
    forget_s3_file_systems()


@pytest.fixture
def s3_bucket(s3_env: S3Server) -> str:
    """The ``s3://`` URL of a new, empty bucket on the test server."""
    name = f"preditiva-{uuid.uuid4().hex[:12]}"
    s3_env.client.create_bucket(Bucket=name)
    return f"s3://{name}"
