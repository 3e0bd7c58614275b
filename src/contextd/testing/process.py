"""Child processes started as a user would start them: `python -m contextd serve`, `python -m
contextd worker`, or any other command (a benchmark's bare uvicorn app).

One launcher for the end-to-end tests and the benchmarks alike. Output goes to a log file (read
back with `tail` when something goes wrong); `stop` is safe to call twice; `kill` is SIGKILL, so
no shutdown hook runs, exactly like a crash. Waiting for a process to be ready polls a condition
(health answered, banner printed) and gives up only after a generous timeout, raising with the
log's tail, or at once when the process exits.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Self

import httpx

from contextd.testing.server import free_port

HOST = "127.0.0.1"
START_TIMEOUT = 120.0


def contextd_argv(*args: str) -> list[str]:
    """The command line of `contextd <args>` run by this interpreter (no PATH lookup)."""
    return [sys.executable, "-m", "contextd", *args]


class ChildProcess:
    """A child process with its output appended to `log`."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        log: Path,
        *,
        cwd: Path | None = None,
        own_session: bool = False,
    ) -> None:
        self.argv = list(argv)
        self.env = dict(env)
        self.log = log
        self.cwd = cwd
        # Own session: a Ctrl-C reaches only the caller, which then stops the child itself.
        self.own_session = own_session
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        return " ".join(self.argv[2:] if self.argv[1:2] == ["-m"] else self.argv)

    def start(self) -> Self:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                start_new_session=self.own_session,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self) -> None:
        if not self.alive:
            raise RuntimeError(f"{self.name} exited:\n{self.tail()}")

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def wait_healthy(
        self, url: str, timeout: float = START_TIMEOUT, *, any_status: bool = False
    ) -> None:
        """Until `url` answers 200 (any answer at all with `any_status`); raises when the
        process exits first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2).status_code == 200 or any_status:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not become healthy at {url}:\n{self.tail()}")

    def wait_for_log(
        self, pattern: re.Pattern[str], timeout: float = START_TIMEOUT
    ) -> re.Match[str]:
        """Until the log shows `pattern` (a worker's banner, say); its match."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = pattern.search(self.log.read_text(errors="replace"))
            if found:
                return found
            self.check_alive()
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} never printed {pattern.pattern!r}:\n{self.tail()}")

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the whole process (all threads); Linux only."""
        if self.proc is None:
            return None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def terminate(self) -> None:
        """SIGTERM, without waiting (to stop several processes in parallel)."""
        if self.alive:
            assert self.proc is not None
            self.proc.terminate()

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, exactly like a crash."""
        if self.alive:
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait(10)

    def stop(self, grace: float = 15) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds."""
        if self.proc is None:
            return
        self.terminate()
        try:
            self.proc.wait(max(grace, 0.0))
        except subprocess.TimeoutExpired:
            self.kill()


class ServerProcess(ChildProcess):
    """`python -m contextd serve` on a free loopback port, with `data_dir` as its data dir.

    `env` is the whole environment (default: this process's); `cli` runs other `contextd`
    commands (`keys create`, say) with the same environment."""

    def __init__(
        self,
        data_dir: Path,
        env: Mapping[str, str] | None = None,
        *,
        host: str = HOST,
        port: int | None = None,
        log: Path | None = None,
        cwd: Path | None = None,
        own_session: bool = False,
    ) -> None:
        self.data_dir = data_dir
        self.host = host
        self.port = port or free_port(host)
        super().__init__(
            contextd_argv("serve", "--host", host, "--port", str(self.port)),
            {**(os.environ if env is None else env), "CONTEXTD_DATA_DIR": str(data_dir)},
            log or data_dir / f"server-{self.port}.log",
            cwd=cwd,
            own_session=own_session,
        )
        self._base_argv = list(self.argv)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def cli(self, *args: str, timeout: float = 120) -> str:
        """`contextd <args>` with this server's environment; its standard output."""
        result = subprocess.run(
            contextd_argv(*args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
        return result.stdout

    def start(self, *args: str) -> Self:
        """Start the server with extra `args` (e.g. `--no-worker`); return once healthy."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.argv = [*self._base_argv, *args]
        super().start()
        self.wait_healthy(f"{self.url}/health")
        return self
