"""Facets over a million headcounts (issue 15: one facet over 1,000,000 headcounts ≤ 100 ms),
against the same list without them, in one run. Prints figures; asserts nothing. Never run as a
test.

.venv/bin/python -m bench.facets [--rows 1000000] [--rounds 5] [--repeat 10]
    [--postgres URL | --postgres '' | --postgres-database URL]

On SQLite (bench/data/headcounts-<rows>.db, made by bench.generate when missing) and on a
scratch PostgreSQL database (generated, dropped at the end), `diplo serve` (one worker, its
response cache off, so every request counts) answers one client, in interleaved rounds (the
median of the rounds' p50s): the list page with `count=true` and nothing else, then the same
with one facet each (over every headcount), and with a facet under a filter."""

import argparse
import statistics
import time

import httpx

from bench.common import SERVER_CORE, diplo_serve, median, pinned, server
from bench.generate import measure_generated

PAGE = "/v1/headcounts?limit=1&count=true"
VIEWS = {
    "the list, count=true": PAGE,
    "facet=host_country": f"{PAGE}&facet=host_country",
    "facet=kind": f"{PAGE}&facet=kind",
    "facet=year": f"{PAGE}&facet=year",
    "facet=category,kind": f"{PAGE}&facet=category,kind",
    "sending_country=RU, facet=host_country": f"{PAGE}&sending_country=RU&facet=host_country",
}


def measure(url: str, args: argparse.Namespace) -> None:
    command, env, base = diplo_serve(url, SEED_ON_START="false", RESPONSE_CACHE_ENTRIES="0")
    p50s: dict[str, list[float]] = {}
    with (
        server("ours", pinned(command, SERVER_CORE), f"{base}/readyz", env),
        httpx.Client(base_url=base, timeout=120) as client,
    ):
        cut = {view: client.get(path).json().get("facet_info") for view, path in VIEWS.items()}
        for _ in range(args.rounds):
            for view, path in VIEWS.items():
                times = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    client.get(path).raise_for_status()
                    times.append((time.perf_counter() - started) * 1000)
                p50s.setdefault(view, []).append(statistics.median(times))
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\n{backend}, {args.rows:,} headcounts; one client, no response cache (p50 ms)")
    print("| request | p50 ms | ÷ the list | cut short |")
    print("|---|---:|---:|---|")
    plain = median(p50s["the list, count=true"])
    for view in VIEWS:
        p50 = median(p50s[view])
        info = cut[view] or {}
        short = ", ".join(name for name, facet in info.items() if facet["cut_short"]) or "—"
        print(f"| {view} | {p50:.1f} | {p50 / plain:.1f}× | {short} |")


def main() -> None:
    measure_generated(__doc__ or "", measure)


if __name__ == "__main__":
    main()
