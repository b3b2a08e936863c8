"""PostgreSQL off the event loop: psycopg's async mode against the thread pool, on the list
page's query (bench/peers/drivers.py), interleaved rounds of `wrk -c32`. Prints figures;
asserts nothing. Never run as a test.

    .venv/bin/python -m bench.drivers --postgres URL [--rows 1000000] [--rounds 5]

The rows are generated (bench.generate) into a scratch database that is dropped at the end,
or read from `--database URL`, an existing generated one."""

import argparse
import sys
from contextlib import ExitStack, nullcontext
from pathlib import Path

from bench.common import (
    SERVER_CORE,
    WrkResult,
    free_port,
    median_run,
    pinned,
    postgres_option,
    scratch_postgres,
    server,
    stop_on_sigterm,
    wrk,
)
from bench.generate import generate

PAGE = "/v1/headcounts?sending_country=RU&host_country=US"
UVICORN = str(Path(sys.executable).parent / "uvicorn")
DRIVERS = ("threads", "async")


def measure(url: str, rounds: int, seconds: int) -> dict[str, WrkResult]:
    with ExitStack() as stack:
        bases = {}
        for driver in DRIVERS:
            port = str(free_port())
            base = f"http://127.0.0.1:{port}"
            command = [UVICORN, "bench.peers.drivers:app", "--port", port, "--no-access-log"]
            env = {"DATABASE_URL": url, "DRIVER": driver}
            stack.enter_context(server(driver, pinned(command, SERVER_CORE), base + PAGE, env))
            bases[driver] = base
        runs: dict[str, list[WrkResult]] = {}
        for _ in range(rounds):
            for driver in DRIVERS:
                runs.setdefault(driver, []).append(wrk(bases[driver] + PAGE, seconds))
    return {driver: median_run(results) for driver, results in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5, help="each wrk run")
    parser.add_argument("--database", help="an existing generated database to read")
    postgres_option(parser)
    args = parser.parse_args()
    stop_on_sigterm()
    if not args.postgres and not args.database:
        raise SystemExit("give --postgres ADMIN_URL or --database URL")
    given = nullcontext(args.database) if args.database else scratch_postgres(args.postgres)
    with given as url:
        if not args.database:
            generate(url, args.rows)
        results = measure(url, args.rounds, args.seconds)
    print(f"\nPostgreSQL, {args.rows:,} headcounts; list page query, wrk -c32, one worker")
    print("| driver | req/s | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|")
    for driver, result in results.items():
        print(
            f"| {driver} | {result.rps:,.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} "
            f"| {result.errors} |"
        )
    threads, asynchronous = results["threads"].rps, results["async"].rps
    print(f"\nthreads ÷ async: {threads / asynchronous:.2f}×")


if __name__ == "__main__":
    main()
