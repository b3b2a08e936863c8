"""The dashboard views at scale (issue 14), against a list page and two peers, in one run.
Prints figures; asserts nothing. Never run as a test.

.venv/bin/python -m bench.scale [--rows 1000000] [--rounds 5] [--repeat 10] [--seconds 5]
    [--postgres URL | --postgres '' | --postgres-database URL]

On SQLite (bench/data/headcounts-<rows>.db, made by bench.generate when missing) and on a
scratch PostgreSQL database (generated, dropped at the end), it serves the same rows with

- ours, as `diplo serve` runs (one worker, its response cache on);
- ours with `RESPONSE_CACHE_ENTRIES=0`, so every request does its work;
- the framework's ceiling: FastAPI answering the list page's body computed beforehand
  (bench/peers/ceiling.py);
- on PostgreSQL, a tutorial-style FastAPI + SQLModel app (bench/peers/tutorial.py).

One client, interleaved rounds (the median of the rounds' p50s): the list page
(`/v1/headcounts?sending_country=RU&host_country=US&sort=-as_of&limit=50`), the relation RU–US,
the yearly series RU→US and the timeline RU,US. Then `wrk -c32` on each view of ours, and on
the list page of every contender, interleaved, the median of the rounds."""

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from bench.common import (
    SERVER_CORE,
    WrkResult,
    diplo_serve,
    free_port,
    median,
    median_run,
    pinned,
    server,
    wrk,
)
from bench.generate import measure_generated

PAGE = "/v1/headcounts?sending_country=RU&host_country=US&sort=-as_of&limit=50"
VIEWS = {
    "list page": PAGE,
    "relation RU–US": "/v1/relations/RU/US",
    "series RU→US, yearly": "/v1/headcounts/series?sending_country=RU&host_country=US"
    "&interval=year",
    "timeline RU,US": "/v1/timeline?countries=RU,US&limit=50",
}
TUTORIAL_PAGE = "/v1/headcounts?sending_country=RU&host_country=US&limit=50"
UVICORN = str(Path(sys.executable).parent / "uvicorn")


@contextmanager
def contenders(url: str, body: Path) -> Iterator[dict[str, str]]:
    """Every contender serving, by name: its base URL."""
    with ExitStack() as stack:
        bases: dict[str, str] = {}
        for name, settings in (("ours", {}), ("ours, no cache", {"RESPONSE_CACHE_ENTRIES": "0"})):
            command, env, base = diplo_serve(url, SEED_ON_START="false", **settings)
            stack.enter_context(server(name, pinned(command, SERVER_CORE), f"{base}/readyz", env))
            bases[name] = base
        peers = [("ceiling", "bench.peers.ceiling:app", {"CEILING_BODY": str(body)})]
        if url.startswith("postgresql"):
            peers.append(("tutorial", "bench.peers.tutorial:app", {"DATABASE_URL": url}))
        for name, app, env in peers:
            port = str(free_port())
            base = f"http://127.0.0.1:{port}"
            uvicorn = [UVICORN, app, "--port", port, "--no-access-log", "--log-level", "warning"]
            ready = f"{base}{TUTORIAL_PAGE}"
            stack.enter_context(server(name, pinned(uvicorn, SERVER_CORE), ready, env))
            bases[name] = base
        yield bases


def one_client(bases: dict[str, str], rounds: int, repeat: int) -> dict[tuple[str, str], float]:
    """p50 ms of each view on each of ours, median over interleaved rounds."""
    p50s: dict[tuple[str, str], list[float]] = {}
    with httpx.Client(timeout=120) as client:
        for _ in range(rounds):
            for name in ("ours", "ours, no cache"):
                for view, path in VIEWS.items():
                    times = []
                    for _ in range(repeat):
                        started = time.perf_counter()
                        answer = client.get(bases[name] + path)
                        times.append((time.perf_counter() - started) * 1000)
                        answer.raise_for_status()
                    p50s.setdefault((name, view), []).append(statistics.median(times))
    return {key: median(values) for key, values in p50s.items()}


def loaded(bases: dict[str, str], rounds: int, seconds: int) -> dict[tuple[str, str], WrkResult]:
    """wrk -c32: each view of ours; the list page of every contender; medians of the rounds."""
    runs: dict[tuple[str, str], list[WrkResult]] = {}
    targets = [("ours", view, path) for view, path in VIEWS.items()]
    targets += [("ours, no cache", view, path) for view, path in VIEWS.items()]
    targets += [
        (name, "list page", PAGE) for name in bases if name not in ("ours", "ours, no cache")
    ]
    for _ in range(rounds):
        for name, view, path in targets:
            path = TUTORIAL_PAGE if name == "tutorial" else path
            runs.setdefault((name, view), []).append(wrk(bases[name] + path, seconds))
    return {key: median_run(results) for key, results in runs.items()}


def measure(url: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        body = Path(folder) / "page.json"
        command, env, base = diplo_serve(url, SEED_ON_START="false")
        with server("ours", command, f"{base}/readyz", env):
            body.write_bytes(httpx.get(base + PAGE, timeout=60).content)
        with contenders(url, body) as bases:
            alone = one_client(bases, args.rounds, args.repeat)
            busy = loaded(bases, args.rounds, args.seconds)
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\n{backend}, {args.rows:,} headcounts; one client (p50 ms), then wrk -c32")
    print(
        "| view | ours p50 | ÷ list page | no cache p50 | ÷ list page | ours -c32 req/s | p99 ms "
        "| errors | no cache -c32 req/s | p99 ms | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for view in VIEWS:
        ours, cold = alone[("ours", view)], alone[("ours, no cache", view)]
        hot, raw = busy[("ours", view)], busy[("ours, no cache", view)]
        print(
            f"| {view} | {ours:.1f} | {ours / alone[('ours', 'list page')]:.1f}× | {cold:.1f} | "
            f"{cold / alone[('ours, no cache', 'list page')]:.1f}× | {hot.rps:,.0f} | "
            f"{hot.p99_ms:.0f} | {hot.errors} | {raw.rps:,.0f} | {raw.p99_ms:.0f} | {raw.errors} |"
        )
    print("\nlist page under wrk -c32 (req/s):")
    page = {name: busy[(name, "list page")].rps for name in bases}
    for name, rps in page.items():
        ratio = f"{page['ours'] / rps:.2f}×" if rps else "— (no answer within wrk's 10 s)"
        print(f"- {name}: {rps:,.0f} req/s, ours ÷ it: {ratio}")


def main() -> None:
    measure_generated(
        __doc__ or "",
        measure,
        lambda parser: parser.add_argument("--seconds", type=int, default=5, help="each wrk run"),
    )


if __name__ == "__main__":
    main()
