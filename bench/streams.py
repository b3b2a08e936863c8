"""Many open change streams on one worker (docs/live.md): memory, and how long a change takes
to reach every stream. Never run as a test.

.venv/bin/python -m bench.streams [--streams 1000] [--rounds 5] [--postgres URL]

For SQLite (a new file) and PostgreSQL (a throwaway database, dropped at the end): `diplo serve`
with one worker, `--streams` clients of `/v1/changes/stream` in one asyncio process (httpx and
httpx-sse), then `--rounds` writes through the API, each timed from its POST's answer until the
last stream has it. Prints the worker's resident memory before and with the streams open, and
the delivery times. Targets (issue 14): 1,000 streams under 300 MB, every change at all of them
within 1 s."""

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from httpx_sse import aconnect_sse
from sqlalchemy.engine import make_url

from bench.common import (
    diplo_serve,
    postgres_option,
    scratch_postgres,
    server,
    stop_on_sigterm,
    write_key,
)


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the uvicorn worker), in MB."""
    total = 0
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            status = (folder / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if folder.name == str(pid) or fields.get("PPid", "").strip() == str(pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total / 1024


async def _listen(
    client: httpx.AsyncClient, opened: asyncio.Event, counter: list[int], got: dict[int, float]
) -> None:
    """One stream: counts the streams each change reached, and notes when the last one had it."""
    async with aconnect_sse(client, "GET", "/v1/changes/stream") as source:
        source.response.raise_for_status()
        counter[0] += 1
        if counter[0] == counter[1]:
            opened.set()
        async for event in source.aiter_sse():
            change = int(event.id)
            got[change] = got.get(change, 0) + 1
            if got[change] == counter[1]:
                got[-change] = time.perf_counter()  # the moment the last stream had it


async def _measure(base: str, key: str, streams: int, rounds: int, pid: int) -> None:
    limits = httpx.Limits(max_connections=streams + 10, max_keepalive_connections=streams + 10)
    timeout = httpx.Timeout(60, read=None)
    idle = _rss_mb(pid)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
        opened, counter = asyncio.Event(), [0, streams]
        got: dict[int, float] = {}
        started = time.perf_counter()
        tasks = [asyncio.create_task(_listen(client, opened, counter, got)) for _ in range(streams)]
        await asyncio.wait_for(opened.wait(), 120)
        took = time.perf_counter() - started
        await asyncio.sleep(1)
        busy = _rss_mb(pid)
        times = []
        async with httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {key}"}
        ) as w:
            for n in range(rounds):
                answer = await w.post(
                    "/v1/events",
                    json={
                        "ref": f"stream-bench-{uuid.uuid4().hex[:8]}-{n}",
                        "date": "2021-10-13",
                        "kind": "other",
                        "summary": "Stream bench.",
                        "countries": ["RU"],
                        "citations": [{"source_id": 1, "quote": "Russia and the United States"}],
                    },
                )
                answer.raise_for_status()
                written = time.perf_counter()
                change = int(
                    (await w.get("/v1/changes", params={"since": 0, "limit": 1000})).json()[
                        "last_id"
                    ]
                )
                deadline = written + 30
                while -change not in got and time.perf_counter() < deadline:
                    await asyncio.sleep(0.002)
                times.append((got[-change] - written) if -change in got else float("inf"))
                await asyncio.sleep(0.5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    print(
        f"| {streams:,} | {took:.1f} s | {idle:.0f} MB | {busy:.0f} MB | "
        f"{statistics.median(times) * 1000:.0f} ms | {max(times) * 1000:.0f} ms |"
    )


def run(url: str, args: argparse.Namespace) -> None:
    command, env, base = diplo_serve(url, DATASETS="none", STREAM_MAX=str(args.streams + 10))
    with server("ours", command, f"{base}/readyz", env) as process:
        key = write_key(url, "bench-streams")
        print(f"{make_url(url).get_backend_name()}:")
        print(
            "| streams | all open in | worker RSS idle | with streams | change to all, p50 | max |"
        )
        print("|---:|---:|---:|---:|---:|---:|")
        asyncio.run(_measure(base, key, args.streams, args.rounds, process.pid))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    postgres_option(parser)
    args = parser.parse_args()
    stop_on_sigterm()
    # Each stream is a socket here and one in the server (which inherits this limit).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.streams + 256)), hard))
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/streams.db", args)
    with scratch_postgres(args.postgres) as url:
        run(url, args)


if __name__ == "__main__":
    main()
