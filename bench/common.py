"""Shared pieces of the bench scripts: servers, wrk, medians. Never run as tests."""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
DIPLO = str(Path(sys.executable).parent / "diplo")
SERVER_CORE, LOAD_CORE = 0, 1
"""With taskset: each server on core 0, wrk (or the timing client) on core 1."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pinned(command: list[str], core: int) -> list[str]:
    """The command pinned to one core, where taskset exists."""
    return ["taskset", "-c", str(core), *command] if shutil.which("taskset") else command


def stop_on_sigterm() -> None:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so every `finally` stops what it started."""

    def _exit(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGHUP, _exit)


@contextmanager
def server(
    name: str,
    command: list[str],
    ready_url: str,
    env: dict[str, str] | None = None,
    timeout: float = 180,
) -> Iterator[subprocess.Popen[bytes]]:
    """Starts a server in its own process group, waits until `ready_url` answers 200, and
    always stops that group (SIGTERM, then SIGKILL after 10 s). Its output goes to a log file,
    printed when it fails to start and kept in $BENCH_LOGS if that is set."""
    keep = os.environ.get("BENCH_LOGS")  # a folder to keep the servers' logs in
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as directory:
        log_path = Path(keep or directory) / f"{name}-{time.strftime('%H%M%S')}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                _wait_ready(name, process, ready_url, timeout, log_path)
                yield process
            finally:
                _stop(process)


def _wait_ready(
    name: str, process: subprocess.Popen[bytes], url: str, timeout: float, log: Path
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name}: {url} not ready in {timeout:.0f} s:\n{_tail(log)}")
        time.sleep(0.3)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def our_api(database_url: str, port: int) -> tuple[list[str], dict[str, str]]:
    """`diplo serve` with its defaults (one worker, asyncio loop, httptools, access log at info, as
    Datasette's), no seeding, on 127.0.0.1, pinned to the server core."""
    return pinned([DIPLO, "serve"], SERVER_CORE), {
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SEED_ON_START": "false",
        "WORKERS": "1",
    }


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    """Socket errors plus non-2xx/3xx answers."""


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> WrkResult:
    """Requests/s, latency percentiles and errors from `wrk --latency` output."""

    def number(pattern: str) -> re.Match[str]:
        match = re.search(pattern, output)
        if match is None:
            raise ValueError(f"no {pattern!r} in wrk's output:\n{output}")
        return match

    def latency(percent: int) -> float:
        value, unit = number(rf"\b{percent}%\s+([\d.]+)(us|ms|s|m)\b").groups()
        return float(value) * _UNITS[unit]

    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return WrkResult(
        rps=float(number(r"Requests/sec:\s+([\d.]+)").group(1)),
        p50_ms=latency(50),
        p99_ms=latency(99),
        requests=int(number(r"(\d+) requests in").group(1)),
        errors=errors,
    )


def wrk(url: str, seconds: int = 10, connections: int = 32) -> WrkResult:
    """One `wrk -t1 --latency` run pinned to the load core."""
    result = subprocess.run(
        pinned(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
            + [url],
            LOAD_CORE,
        ),
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    return parse_wrk(result.stdout)


def median_run(results: list[WrkResult]) -> WrkResult:
    """The rounds of one target as one: median rates and latencies, summed counts."""
    return WrkResult(
        median([r.rps for r in results]),
        median([r.p50_ms for r in results]),
        median([r.p99_ms for r in results]),
        sum(r.requests for r in results),
        sum(r.errors for r in results),
    )


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


@contextmanager
def scratch_postgres(admin_url: str) -> Iterator[str]:
    """A throwaway database on that PostgreSQL server, dropped at the end; yields its URL."""
    name = f"diplo_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def write_key(url: str, name: str) -> str:
    """A new API key with the `write` scope on that database."""
    from app.config import Settings
    from app.db import make_engine, write_transaction
    from app.kit.auth import Scope, create_key

    engine = make_engine(Settings(database_url=url))
    try:
        with write_transaction(engine) as connection:
            key: str = create_key(connection, name, [Scope.write])["key"]
            return key
    finally:
        engine.dispose()


def postgres_option(parser: argparse.ArgumentParser, flag: str = "--postgres") -> None:
    """The option naming the PostgreSQL server to make throwaway databases on."""
    parser.add_argument(
        flag,
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server to make the throwaway database on ('' to skip it)",
    )


def diplo_serve(url: str, **settings: str) -> tuple[list[str], dict[str, str], str]:
    """`diplo serve` on 127.0.0.1 at a free port, one worker and no access log unless
    `settings` (more environment variables) say otherwise: its command, environment and base
    URL."""
    port = free_port()
    env = {
        "DATABASE_URL": url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": "1",
        "ACCESS_LOG": "false",
        **settings,
    }
    return [DIPLO, "serve"], env, f"http://127.0.0.1:{port}"
