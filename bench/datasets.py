"""The bundled data sets: how long a load from an empty database takes, and how fast their
questions are answered, on SQLite and PostgreSQL, against Datasette answering the first from
the raw range file as an analyst would load it (`sqlite-utils insert … --csv`).

    .venv/bin/python -m bench.datasets [--repeat 200] [--pg postgresql+psycopg://…/postgres]

Each question is timed `--repeat` times one request at a time (p50, p90), ours and
Datasette's in turn, so that the machine's drift hits both alike."""

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import (
    DIPLO,
    LOAD_CORE,
    SERVER_CORE,
    diplo_serve,
    free_port,
    median,
    pinned,
    postgres_option,
    scratch_postgres,
    server,
    stop_on_sigterm,
)
from bench.compare import DATASETTE_VENV, ensure_datasette

RANGE_FILE = Path("seed/datasets/us-mission-status/mission_status_range_cow_v0.1.csv")
SQLITE_UTILS = "sqlite-utils==4.2.1"
DATASETTE_QUESTION = (
    "/ranges/ranges.json?country_abbrev_cow=AFG&date_start__lte=2021-09-15&date_end__gte=2021-09-15"
)


def questions(mission_id: int) -> list[tuple[str, str]]:
    return [
        (
            "US missions in AF on a day",
            "/v1/missions?sending_country=US&host_country=AF&on=2021-09-15",
        ),
        (
            "US representation in AF on a day",
            "/v1/representations?sending_country=US&host_country=AF&on=2021-09-15",
        ),
        ("every US mission on a day", "/v1/missions?sending_country=US&on=1950-06-01&limit=200"),
        ("a mission's status history", f"/v1/missions/{mission_id}"),
        ("the chiefs of a post in order", f"/v1/posts?mission_id={mission_id}&sort=credentials_on"),
        ("timeline US–CU", "/v1/timeline?countries=US,CU&limit=50"),
        ("relation US–AF", "/v1/relations/US/AF"),
        ("world map, US in 1950 (every country)", "/v1/world?sender=US&year=1950"),
        ("world map, FR on the Wikidata export's day", "/v1/world?sender=FR&year=2022"),
    ]


def load_from_empty(url: str) -> float:
    """`diplo datasets load all` on an empty database: migrations, the seed, every data set."""
    started = time.perf_counter()
    subprocess.run(
        [DIPLO, "datasets", "load", "all"],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
        timeout=600,
    )
    return time.perf_counter() - started


def ensure_sqlite_utils() -> str:
    binary = DATASETTE_VENV / "bin" / "sqlite-utils"
    if not binary.exists():
        ensure_datasette()
        pip = str(DATASETTE_VENV / "bin" / "pip")
        subprocess.run([pip, "install", "-q", SQLITE_UTILS], check=True, timeout=600)
    return str(binary)


def timings(client: httpx.Client, urls: list[str], repeat: int) -> list[list[float]]:
    """Each URL `repeat` times, in turn; milliseconds."""
    found: list[list[float]] = [[] for _ in urls]
    for url in urls:  # warm up
        for _ in range(10):
            client.get(url).raise_for_status()
    for _ in range(repeat):
        for index, url in enumerate(urls):
            started = time.perf_counter()
            client.get(url).raise_for_status()
            found[index].append((time.perf_counter() - started) * 1000)
    return found


def p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def serve_ours(url: str) -> tuple[list[str], dict[str, str], str]:
    command, env, base = diplo_serve(url, DATASETS="all")
    return pinned(command, SERVER_CORE), env, base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    postgres_option(parser, "--pg")
    args = parser.parse_args()
    stop_on_sigterm()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {LOAD_CORE})

    with tempfile.TemporaryDirectory(prefix="bench-datasets-") as folder:
        ours_db = f"sqlite:///{folder}/diplomacy.db"
        print(f"load from empty, SQLite: {load_from_empty(ours_db):.1f} s", flush=True)
        databases = [("SQLite", ours_db)]
        pg_context = scratch_postgres(args.pg) if args.pg else None
        pg_url = pg_context.__enter__() if pg_context else None
        try:
            if pg_url:
                print(f"load from empty, PostgreSQL: {load_from_empty(pg_url):.1f} s", flush=True)
                databases.append(("PostgreSQL", pg_url))

            ranges = Path(folder) / "ranges.db"
            subprocess.run(
                [ensure_sqlite_utils(), "insert", str(ranges), "ranges", str(RANGE_FILE), "--csv"],
                check=True,
                timeout=120,
            )
            theirs_port = free_port()
            theirs = f"http://127.0.0.1:{theirs_port}"
            theirs_command = pinned(
                [
                    ensure_datasette(),
                    "serve",
                    "-i",
                    str(ranges),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(theirs_port),
                ],
                SERVER_CORE,
            )
            with server("datasette", theirs_command, f"{theirs}/-/versions.json"):
                for label, url in databases:
                    command, env, ours = serve_ours(url)
                    with server("ours", command, f"{ours}/readyz", env), httpx.Client() as client:
                        mission = client.get(
                            f"{ours}/v1/missions",
                            params={"sending_country": "US", "host_country": "AF"},
                        ).json()["items"][0]["id"]
                        asked = questions(mission)
                        urls = [ours + path for _, path in asked] + [theirs + DATASETTE_QUESTION]
                        found = timings(client, urls, args.repeat)
                        print(f"\n{label}, {args.repeat} requests each, one at a time (ms):")
                        print(f"{'question':40} {'p50':>7} {'p90':>7}")
                        for (name, _), values in zip(asked, found, strict=False):
                            print(f"{name:40} {median(values):7.2f} {p(values, 0.9):7.2f}")
                        theirs_p50 = median(found[-1])
                        theirs_p90 = p(found[-1], 0.9)
                        name = "Datasette: AFG ranges on a day"
                        print(f"{name:40} {theirs_p50:7.2f} {theirs_p90:7.2f}")
                        for index in (0, 1):
                            ratio = median(found[index]) / theirs_p50
                            print(f"ratio ours÷Datasette, {asked[index][0]}: {ratio:.2f}×")
        finally:
            if pg_context:
                pg_context.__exit__(None, None, None)
    print(f"\nload average at the end: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")


if __name__ == "__main__":
    main()
