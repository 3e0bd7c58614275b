"""A real S3-compatible HTTP server for tests: moto's server in a subprocess on loopback.

moto is a stand-in for a production store (MinIO, Ceph, AWS S3): it speaks the S3 API over HTTP
(presigned URLs, multipart uploads, pagination), but it does not check signatures, so a test
against it cannot show that a tampered or expired URL is refused.

Usage::

    with MotoS3Server() as s3:
        store = open_blob_store(s3.storage_url("contextd", prefix="test"))

The process is always ended: on leaving the `with` block, and at interpreter exit as a backstop.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import tempfile
import time
import uuid
from types import TracebackType
from typing import IO, Any
from urllib.parse import quote

import httpx

from contextd.testing import free_port

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"


# `python -m moto.server`, plus a watchdog: should the test process die without cleaning up
# (SIGKILL, a crash), the server exits within a second instead of lingering.
_BOOTSTRAP = """
import os, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
from moto.server import main
main(sys.argv[1:])
"""


class MotoS3Server:
    """`python -m moto.server` on 127.0.0.1 and a free port, plus a bucket to use."""

    def __init__(self, host: str = "127.0.0.1", bucket: str | None = None) -> None:
        self.host = host
        self.port = 0
        self.bucket = bucket or f"contextd-{uuid.uuid4().hex[:12]}"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def storage_url(self, bucket: str | None = None, prefix: str = "") -> str:
        """A `CONTEXTD_STORAGE_URL` for this server (credentials in the URL: test values)."""
        path = f"/{prefix.strip('/')}" if prefix.strip("/") else ""
        return (
            f"s3://{bucket or self.bucket}{path}?endpoint_url={quote(self.endpoint_url, safe=':/')}"
            f"&region={REGION}&access_key={ACCESS_KEY}&secret_key={SECRET_KEY}"
        )

    def client(self) -> Any:
        """A plain boto3 client against this server, for inspecting what the store did."""
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]

        return boto3.session.Session(
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
        ).client(
            "s3",
            endpoint_url=self.endpoint_url,
            config=Config(s3={"addressing_style": "path"}, proxies={}),
        )

    def start(self, timeout: float = 30) -> MotoS3Server:
        last_error = "not started"
        for _attempt in range(3):  # another process may take the free port before moto binds it
            self.port = free_port(self.host)
            self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)
            env = {
                **os.environ,
                "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                "AWS_DEFAULT_REGION": REGION,
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
            }
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOTSTRAP, "-H", self.host, "-p", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=env,
            )
            atexit.register(self.stop)
            if self._wait_ready(timeout):
                self._create_bucket()
                return self
            last_error = self._output()
            self.stop()
        raise RuntimeError(f"moto server did not start: {last_error}")

    def _wait_ready(self, timeout: float) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        with httpx.Client(trust_env=False, timeout=2) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    return False
                try:
                    http.get(f"{self.endpoint_url}/moto-api/")
                    return True
                except httpx.TransportError:
                    time.sleep(0.1)
        return False

    def _create_bucket(self) -> None:
        client = self.client()
        client.create_bucket(Bucket=self.bucket)
        client.close()

    def _output(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read()[-2000:].decode(errors="replace")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        if process is not None:
            atexit.unregister(self.stop)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> MotoS3Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def run_forever() -> None:  # pragma: no cover - manual use: python -m tests.blobs.s3server
    with MotoS3Server() as s3:
        print(s3.storage_url(), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":  # pragma: no cover
    run_forever()
