"""SPEC §7, measured: our list endpoint against Datasette on the same SQLite file, in
interleaved rounds on this machine; then deep paging, and export speed and memory.

    .venv/bin/python -m bench.compare [--rows 1000000] [--rounds 3] [--seconds 10]

Needs `wrk` (apt-get install -y wrk); installs Datasette into bench/.venv-datasette (not the
project's venv) on first use. Prints figures; asserts nothing.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.common import DATA, ROOT, free_port, generate, median, our_api, pinned, server, wrk

DATASETTE_VENV = ROOT / "bench" / ".venv-datasette"
PAGE = "sending_country=RU&host_country=US"


def datasette() -> str:
    binary = DATASETTE_VENV / "bin" / "datasette"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(DATASETTE_VENV)], check=True)
        subprocess.run(
            [str(DATASETTE_VENV / "bin" / "pip"), "install", "-q", "datasette==0.65.5"], check=True
        )
    return str(binary)


def rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"headcounts-{args.rows}.db"
    if not path.exists():
        print(f"generating {args.rows:,} headcounts …", flush=True)
        rate = generate(f"sqlite:///{path}", args.rows)
        print(f"  {rate:,.0f} rows/s")
    url = f"sqlite:///{path}"

    ours_port, theirs_port = free_port(), free_port()
    command, env = our_api(url, ours_port)
    ours = f"http://127.0.0.1:{ours_port}/v1/headcounts?{PAGE}&sort=-as_of&limit=50"
    theirs = (
        f"http://127.0.0.1:{theirs_port}/{path.stem}/headcount.json?{PAGE}"
        "&_sort_desc=as_of&_size=50"
    )
    ds = pinned(
        [
            datasette(),
            "serve",
            "-i",
            str(path),
            "--port",
            str(theirs_port),
            "--setting",
            "sql_time_limit_ms",
            "5000",
            "--setting",
            "max_returned_rows",
            "1000",
        ],
        0,
    )
    results: dict[str, list[tuple[float, float]]] = {"ours": [], "datasette": []}
    for round_number in range(1, args.rounds + 1):
        for name in ("ours", "datasette"):
            cmd, environment, target = (command, env, ours) if name == "ours" else (ds, {}, theirs)
            with server(cmd, target, environment):
                assert len(httpx.get(target).json()["items" if name == "ours" else "rows"]) == 50
                wrk(target, seconds=2)  # warm-up
                results[name].append(wrk(target, seconds=args.seconds))
            rps, p99 = results[name][-1]
            print(
                f"round {round_number} {name:>9}: {rps:8,.0f} req/s  p99 {p99:6.1f} ms", flush=True
            )

    ours_rps = median([r for r, _ in results["ours"]])
    theirs_rps = median([r for r, _ in results["datasette"]])
    ours_p99 = median([p for _, p in results["ours"]])
    theirs_p99 = median([p for _, p in results["datasette"]])
    print()
    print("| same 50-row page (median) | req/s | p99 ms | relative |")
    print("|---|---:|---:|---:|")
    print(f"| Datasette 0.65 | {theirs_rps:,.0f} | {theirs_p99:.1f} | 1.0× |")
    print(f"| diplomacy-api | {ours_rps:,.0f} | {ours_p99:.1f} | {ours_rps / theirs_rps:.1f}× |")

    with server(command, ours, env) as process:
        base = f"http://127.0.0.1:{ours_port}/v1/headcounts"
        deep_paging(base)
        export(base, process.pid, args.rows)


def timed(client: httpx.Client, url: str, repeat: int = 200) -> float:
    """Median milliseconds of `repeat` sequential GETs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return median(times)


def deep_paging(base: str) -> None:
    with httpx.Client(timeout=60) as client:
        params = {"sort": "as_of", "limit": "50"}
        cursor = None
        for _ in range(999):  # walk to page 1,000
            page = client.get(base, params={**params, **({"cursor": cursor} if cursor else {})})
            cursor = page.json()["next_cursor"]
        first = timed(client, f"{base}?sort=as_of&limit=50")
        thousandth = timed(client, f"{base}?sort=as_of&limit=50&cursor={cursor}")
    print()
    print(
        f"page 1: {first:.2f} ms   page 1,000: {thousandth:.2f} ms   "
        f"ratio {thousandth / first:.2f} (median of 200, sorted by as_of, unfiltered)"
    )


def export(base: str, pid: int, rows: int) -> None:
    for fmt in ("csv", "ndjson"):
        start, size, lines = time.perf_counter(), 0, 0
        with httpx.stream("GET", base, params={"format": fmt}, timeout=600) as response:
            for chunk in response.iter_bytes():
                size += len(chunk)
                lines += chunk.count(b"\n")
        seconds = time.perf_counter() - start
        records = lines - (1 if fmt == "csv" else 0)
        print(
            f"export {fmt}: {records:,} rows in {seconds:.1f} s = {records / seconds:,.0f} "
            f"rows/s, {size / 1e6:,.0f} MB; server peak RSS {rss_peak_mb(pid):.0f} MB"
        )
        assert records == rows, (records, rows)


if __name__ == "__main__":
    main()
