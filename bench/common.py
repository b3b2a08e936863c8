"""Shared pieces of the bench scripts: data generation, servers, wrk. Never run as tests."""

import datetime as dt
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from app.schema import upgrade

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
DIPLO = str(Path(sys.executable).parent / "diplo")
PAIRS = [
    ("RU", "US"),
    ("US", "RU"),
    ("GB", "RU"),
    ("RU", "GB"),
    ("FR", "RU"),
    ("RU", "FR"),
    ("DE", "RU"),
    ("RU", "DE"),
    ("CN", "US"),
    ("US", "CN"),
    ("CZ", "RU"),
    ("RU", "CZ"),
    ("PL", "RU"),
    ("RU", "PL"),
    ("US", "VE"),
    ("VE", "US"),
    ("UA", "RU"),
    ("RU", "UA"),
    ("LT", "BY"),
    ("BY", "LT"),
]
CATEGORIES = ["diplomatic", "administrative_technical", "local", "total"]


def generate(url: str, rows: int, seed: int = 2021) -> float:
    """A migrated database with `rows` headcounts (a citation on every 10th); returns rows/s."""
    upgrade(url)
    engine = create_engine(url)
    rng = random.Random(seed)
    start = time.perf_counter()
    first_day = dt.date(2000, 1, 1)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
        connection.execute(
            text(
                "INSERT INTO source (title, publisher, published_on) "
                "VALUES ('Generated for benchmarks', 'bench', '2021-10-12')"
            )
        )
        batch: list[dict[str, object]] = []
        citations: list[dict[str, object]] = []
        for i in range(1, rows + 1):
            sending, host = PAIRS[i % len(PAIRS)]
            batch.append(
                {
                    "sending_country": sending,
                    "host_country": host,
                    "as_of": first_day + dt.timedelta(days=rng.randrange(9000)),
                    "date_precision": "day",
                    "category": CATEGORIES[i % 4],
                    "kind": "cap" if i % 3 == 0 else "actual",
                    "count": rng.randrange(1000),
                }
            )
            if i % 10 == 0:
                citations.append({"record_id": i, "quote": f"generated quote {i}"})
            if len(batch) == 50_000 or i == rows:
                connection.execute(
                    text(
                        "INSERT INTO headcount (sending_country, host_country, as_of,"
                        " date_precision, category, kind, count) VALUES (:sending_country,"
                        " :host_country, :as_of, :date_precision, :category, :kind, :count)"
                    ),
                    batch,
                )
                if citations:
                    connection.execute(
                        text(
                            "INSERT INTO citation (source_id, record_type, record_id, quote) "
                            "VALUES (1, 'headcount', :record_id, :quote)"
                        ),
                        citations,
                    )
                batch, citations = [], []
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return rows / (time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pinned(command: list[str], core: int) -> list[str]:
    """Pins a process to one core where taskset exists (server on one, load on the other)."""
    return ["taskset", "-c", str(core), *command] if shutil.which("taskset") else command


@contextmanager
def server(
    command: list[str], ready_url: str, env: dict[str, str] | None = None, timeout: float = 120
) -> Iterator[subprocess.Popen[bytes]]:
    """Starts a server, waits until `ready_url` answers 200, and always stops it."""
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}")
            try:
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        else:
            raise RuntimeError(f"{ready_url} not ready in {timeout} s")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def our_api(database_url: str, port: int) -> tuple[list[str], dict[str, str]]:
    """`diplo serve` as `make run` starts it (one worker, uvloop, httptools), on core 0."""
    return pinned([DIPLO, "serve"], 0), {
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "SEED_ON_START": "false",
        "LOG_LEVEL": "warning",
        "WORKERS": "1",
    }


def wrk(url: str, seconds: int = 10, connections: int = 32) -> tuple[float, float]:
    """Requests per second and p99 latency (ms) of one wrk run from the other core."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    result = subprocess.run(
        pinned(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url], 1),
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", result.stdout).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    if "Non-2xx" in result.stdout:
        raise RuntimeError(f"errors from {url}:\n{result.stdout}")
    return rps, p99


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
