"""Run `contextd serve` as a real process, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from contextd.api.threaded import free_socket
from tests.conftest import ALLOWED_TEST_NET


class ServerProcess:
    def __init__(self, data_dir: Path, **env: Any) -> None:
        sock = free_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        self.data_dir = data_dir
        self.env = {
            **os.environ,
            "CONTEXTD_DATA_DIR": str(data_dir),
            "CONTEXTD_ALLOWED_NETWORKS": f'["{ALLOWED_TEST_NET}"]',
            "CONTEXTD_JOB_POLL_SECONDS": "0.1",
            "CONTEXTD_RATE_LIMIT_PER_MINUTE": "100000",
            **{k: str(v) for k, v in env.items()},
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "contextd", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout

    def start(self, *args: str) -> ServerProcess:
        """Start `contextd serve` with extra `args` (e.g. `--no-worker`); wait until healthy."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "contextd", "serve", "--port", str(self.port), *args],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become healthy")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, exactly like a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
