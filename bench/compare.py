"""docs/design.md, "Performance", measured: our list endpoint against Datasette on the same
SQLite file, then deep paging and export. Prints figures; asserts nothing. Never run as a test.

.venv/bin/python -m bench.compare [--rows 1000000] [--rounds 3] [--seconds 10]

Makes bench/data/headcounts-<rows>.db with bench.generate when it is missing; installs Datasette
into bench/.venv-datasette (never the project's venv) when that is missing; needs `wrk` (apt-get
install -y wrk). Servers bind 127.0.0.1 only and are stopped on any exit."""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import (
    DATA,
    LOAD_CORE,
    ROOT,
    SERVER_CORE,
    WrkResult,
    free_port,
    median,
    our_api,
    pinned,
    server,
    stop_on_sigterm,
    wrk,
)
from bench.generate import database_url, generate, make_fresh

DATASETTE = "datasette==0.65.5"  # the newest 0.65 (`pip index versions datasette`)
DATASETTE_VENV = ROOT / "bench" / ".venv-datasette"
PAIR = "sending_country=RU&host_country=US"
OURS_PAGE = f"/v1/headcounts?{PAIR}&sort=-as_of&limit=50"
# The same 50 rows with the same work as ours: Datasette's table JSON would also count the
# 50,000 matching rows and suggest facets, which our page does not do (its `total` is null).
DATASETTE_PAGE = f"/{{db}}/headcount.json?{PAIR}&_sort_desc=as_of&_size=50&_shape=objects"
DATASETTE_LEAN = "&_nocount=1&_nofacet=1"


@dataclass(frozen=True)
class Contender:
    name: str
    url: str


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="headcounts (1,000,000)")
    parser.add_argument("--db", type=Path, help="SQLite file (bench/data/headcounts-<rows>.db)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--seconds", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (32)")
    parser.add_argument("--repeat", type=int, default=200, help="deep-paging requests (200)")
    parser.add_argument(
        "--datasette-defaults",
        action="store_true",
        help="also time Datasette's default table JSON (it counts rows, suggests facets)",
    )
    parser.add_argument("--no-export", action="store_true", help="skip the export measure")
    args = parser.parse_args()
    stop_on_sigterm()

    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing; install it with: apt-get install -y wrk")
    path = (args.db or DATA / f"headcounts-{args.rows}.db").resolve()
    ensure_data(path, args.rows)
    datasette = ensure_datasette()
    header(path, datasette)
    if hasattr(os, "sched_setaffinity") and shutil.which("taskset"):
        os.sched_setaffinity(0, {LOAD_CORE})  # this process is load too: keep it off core 0

    ours_port, theirs_port = free_port(), free_port()
    ours_command, ours_env = our_api(database_url(str(path)), ours_port)
    ours = f"http://127.0.0.1:{ours_port}"
    theirs = f"http://127.0.0.1:{theirs_port}"
    theirs_page = theirs + DATASETTE_PAGE.format(db=path.stem)
    contenders = [
        Contender("ours", ours + OURS_PAGE),
        Contender("datasette", theirs_page + DATASETTE_LEAN),
    ]
    theirs_command = pinned(
        [
            datasette,
            "serve",
            "-i",
            str(path),
            "--host",
            "127.0.0.1",
            "--port",
            str(theirs_port),
            "--setting",
            "sql_time_limit_ms",
            "5000",
        ],
        SERVER_CORE,
    )

    with ExitStack() as servers:
        servers.enter_context(server("ours", ours_command, f"{ours}/readyz", ours_env))
        servers.enter_context(server("datasette", theirs_command, f"{theirs}/-/versions.json"))
        check_same_page(contenders)
        if args.datasette_defaults:  # far too slow for wrk -c32: timed alone only
            check_same_page([Contender("ds-default", theirs_page)], alone=5)
        results = rounds(contenders, args.rounds, args.seconds, args.connections)
        report(results, args)
        servers.close()
    with server("ours", ours_command, f"{ours}/readyz", ours_env) as process:
        deep_paging(f"{ours}/v1/headcounts", args.repeat)
        if not args.no_export:
            export(f"{ours}/v1/headcounts", process.pid)
    print(f"\nload average at the end: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")


def ensure_data(path: Path, rows: int) -> None:
    if not path.exists():
        print(f"generating {rows:,} headcounts into {path} …", flush=True)
        url = database_url(str(path))
        make_fresh(url)
        loaded = generate(url, rows)
        print(
            f"  {loaded.rows:,} rows, {loaded.citations:,} citations in "
            f"{loaded.load_seconds:.1f} s = {loaded.rows_per_second:,.0f} rows/s "
            f"(+ ANALYZE {loaded.analyze_seconds:.1f} s)",
            flush=True,
        )
    with sqlite3.connect(path) as connection:
        # Datasette opens the file immutable and never reads a WAL: fold it into the file.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def ensure_datasette() -> str:
    binary = DATASETTE_VENV / "bin" / "datasette"
    if not binary.exists():
        print(f"installing {DATASETTE} into {DATASETTE_VENV} …", flush=True)
        python = shutil.which("python3") or sys.executable
        subprocess.run([python, "-m", "venv", str(DATASETTE_VENV)], check=True, timeout=300)
        pip = str(DATASETTE_VENV / "bin" / "pip")
        subprocess.run([pip, "install", "-q", DATASETTE], check=True, timeout=600)
    return str(binary)


def header(path: Path, datasette: str) -> None:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT count(*) FROM headcount").fetchone()[0]
        cited = connection.execute("SELECT count(*) FROM citation").fetchone()[0]
    version = subprocess.run(
        [datasette, "--version"], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10)
    load = os.getloadavg()
    print(f"data: {path} ({rows:,} headcounts, {cited:,} citations)")
    print(f"{version}; {(wrk_version.stdout or wrk_version.stderr).splitlines()[0]}")
    print(
        f"cores: {os.cpu_count()}; servers pinned to core {SERVER_CORE}, wrk and this script "
        f"to core {LOAD_CORE}" + ("" if shutil.which("taskset") else " (no taskset: unpinned)")
    )
    print(f"load average at the start: {' '.join(f'{n:.2f}' for n in load)}", flush=True)
    if load[0] > 0.5:
        print("  (something else is running: expect noisy figures)", flush=True)


def check_same_page(contenders: list[Contender], alone: int = 20) -> None:
    """Each answers 50 rows, and the same dates in the same order (ties may differ by id);
    then the median time of `alone` sequential requests, with no other load."""
    dates = {}
    with httpx.Client(timeout=120) as client:
        for contender in contenders:
            response = client.get(contender.url).raise_for_status()
            body = response.json()
            rows = body["items"] if contender.name == "ours" else body["rows"]
            if len(rows) != 50:
                raise SystemExit(f"{contender.name}: {len(rows)} rows, not 50: {contender.url}")
            dates[contender.name] = [row["as_of"] for row in rows]
            times = [timed(client, contender.url) for _ in range(alone)]
            print(
                f"{contender.name:>10}: 50 rows, {len(response.content):,} bytes, "
                f"{median(times):.1f} ms alone (median of {alone})  {contender.url}",
                flush=True,
            )
    if len({tuple(d) for d in dates.values()}) != 1:
        print("  warning: the pages differ in dates", dates)


def settle(url: str) -> None:
    """Waits until the server has drained what the last wrk run left queued."""
    httpx.get(url, timeout=120)
    time.sleep(1)


def rounds(
    contenders: list[Contender], count: int, seconds: int, connections: int
) -> dict[str, list[WrkResult]]:
    print(f"\nwarm-up: 3 s of wrk each; then {count} interleaved rounds of {seconds} s each")
    for contender in contenders:
        wrk(contender.url, seconds=3, connections=connections)
        settle(contender.url)
    results: dict[str, list[WrkResult]] = {contender.name: [] for contender in contenders}
    for number in range(1, count + 1):
        for contender in contenders:
            result = wrk(contender.url, seconds=seconds, connections=connections)
            settle(contender.url)
            results[contender.name].append(result)
            errors = f"  {result.errors:,} ERRORS" if result.errors else ""
            print(
                f"  round {number} {contender.name:>10}: {result.rps:8,.0f} req/s  "
                f"p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms{errors}",
                flush=True,
            )
    return results


def report(results: dict[str, list[WrkResult]], args: argparse.Namespace) -> None:
    ours, theirs = results["ours"], results["datasette"]
    print(
        f"\nsame 50-row page (RU→US, newest first): wrk -t1 -c{args.connections} "
        f"-d{args.seconds}s --latency"
    )
    print(
        "| round | ours req/s | ours p99 ms | Datasette req/s | Datasette p99 ms "
        "| req/s ours÷Datasette | p99 ours÷Datasette |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    rps_ratios, p99_ratios = [], []
    for number, (mine, other) in enumerate(zip(ours, theirs, strict=True), start=1):
        rps_ratios.append(mine.rps / other.rps)
        p99_ratios.append(mine.p99_ms / other.p99_ms)
        print(
            f"| {number} | {mine.rps:,.0f} | {mine.p99_ms:.1f} | {other.rps:,.0f} "
            f"| {other.p99_ms:.1f} | {rps_ratios[-1]:.2f}× | {p99_ratios[-1]:.2f}× |"
        )
    rps_ratio, p99_ratio = median(rps_ratios), median(p99_ratios)
    print(
        f"| median | {median([r.rps for r in ours]):,.0f} | "
        f"{median([r.p99_ms for r in ours]):.1f} | {median([r.rps for r in theirs]):,.0f} | "
        f"{median([r.p99_ms for r in theirs]):.1f} | {rps_ratio:.2f}× | {p99_ratio:.2f}× |"
    )
    print("(the median row's ratios are the medians of the rounds' ratios)")
    errors = {name: sum(r.errors for r in runs) for name, runs in results.items()}
    if any(errors.values()):
        print(f"socket errors or non-2xx answers, which void those runs: {errors}")
    print(
        f"budget: req/s ≥ 3× Datasette's: {rps_ratio:.2f}× "
        f"({'met' if rps_ratio >= 3 else 'NOT met'}); p99 no worse than Datasette's: "
        f"{p99_ratio:.2f}× ({'met' if p99_ratio <= 1 else 'NOT met'})",
        flush=True,
    )


def timed(client: httpx.Client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    response.raise_for_status()
    return elapsed


def deep_paging(base: str, repeat: int) -> None:
    """Page 1 against page 1,000 of the whole list by as_of, walked to with next_cursor;
    the pages are timed in turn, so that drift hits both alike."""
    first_page = f"{base}?sort=as_of&limit=50"
    with httpx.Client(timeout=60) as client:
        start = time.perf_counter()
        url, pages, walked = first_page, 1, 0
        while pages < 1000:
            cursor = client.get(url).raise_for_status().json()["next_cursor"]
            walked += 1
            if cursor is None:
                break
            url, pages = f"{first_page}&cursor={cursor}", pages + 1
        walk = time.perf_counter() - start
        last_page = url
        first, thousandth = [], []
        for _ in range(repeat):
            first.append(timed(client, first_page))
            thousandth.append(timed(client, last_page))
    one, thousand = median(first), median(thousandth)
    print(f"\ndeep paging, unfiltered, sort=as_of, limit=50 (median of {repeat} each, one client):")
    print(f"  walked {walked} pages in {walk:.1f} s ({walk / walked * 1000:.1f} ms a page)")
    if pages < 1000:
        print(f"  (only {pages} pages: fewer than 50,000 rows)")
    print(
        f"  page 1: {one:.2f} ms   page {pages:,}: {thousand:.2f} ms   ratio {thousand / one:.2f} "
        f"(budget: ≤ 1.2, {'met' if thousand / one <= 1.2 else 'NOT met'})",
        flush=True,
    )


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def export(base: str, pid: int) -> None:
    """The whole list as CSV, then NDJSON, from a freshly started server: rows/s and peak RSS."""
    print(f"\nexport of every headcount (fresh server, RSS after start {peak_rss_mb(pid):.0f} MB):")
    # Exports come in id order by default; the date order is timed too, for reference: on
    # generated data, inserted in random date order, it reads the table at random.
    for fmt, sort in (("csv", None), ("ndjson", None), ("ndjson", "as_of")):
        start, size, lines = time.perf_counter(), 0, 0
        params = {"format": fmt, **({"sort": sort} if sort else {})}
        with httpx.stream("GET", base, params=params, timeout=600) as response:
            response.raise_for_status()
            for chunk in response.iter_bytes():
                size += len(chunk)
                lines += chunk.count(b"\n")
        seconds = time.perf_counter() - start
        rows = lines - (1 if fmt == "csv" else 0)
        rate = rows / seconds
        label = f"{fmt} sort={sort or 'id'}"
        print(
            f"  {label:>17}: {rows:,} rows in {seconds:.1f} s = {rate:,.0f} rows/s, "
            f"{size / 1e6:,.0f} MB; server peak RSS so far {peak_rss_mb(pid):.0f} MB "
            f"(budget: ≥ 100,000 rows/s, < 200 MB)",
            flush=True,
        )


if __name__ == "__main__":
    main()
