"""Full-text search (issue 15) on the bundled data sets plus generated headcounts and their
citations (bench.generate: 1,000,000 headcounts, 100,000 citations), against Datasette's
`_search` over an FTS5 table of the same quotes, in one run. Prints figures; asserts nothing.
Never run as a test.

.venv/bin/python -m bench.search [--rows 1000000] [--rounds 5] [--repeat 10] [--seconds 10]
    [--postgres URL | --postgres '' | --postgres-database URL] [--no-sqlite]

For each database (a copy of bench/data/headcounts-<rows>.db, then a scratch PostgreSQL
database), `diplo serve` (one worker, its response cache off, so every request counts) loads
the bundled data sets at start, is waited for till it keeps the common words ranked ahead
(docs/search.md, "Common words"), and answers:

1. one client, interleaved rounds (the median of the rounds' p50s): `/v1/search` for names,
   places, phrases, prefixes and common words; and lists with `q` beside the same lists
   without it;
2. `wrk -c32` on the same quote searches, ours (`/v1/search?kinds=citations`: ranked, with
   snippets) and Datasette's (`/quotes/quotes.json?_search=`, as its table page answers it:
   unranked, no snippets, with its count) over an FTS5 table (sqlite-utils `enable-fts`) of
   every quote our database holds, one after the other per query. Ours twice: with its
   response cache off (every request searched: the engine's rate) and as `make run` serves
   it, with the cache on (a repeated search is answered from it while the data is unchanged;
   Datasette keeps no such cache).
"""

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import create_engine, text

from app.kit.common_words import KEPT_SECONDS
from bench.common import (
    SERVER_CORE,
    diplo_serve,
    free_port,
    median,
    pinned,
    server,
    wrk,
)
from bench.compare import ensure_datasette
from bench.datasets import ensure_sqlite_utils
from bench.generate import measure_generated

SEARCHES = {
    "a name: kennan": "kennan",
    "a place: kabul": "kabul",
    'a phrase: "persona non grata"': '"persona non grata"',
    "a prefix: charg*": "charg*",
    "two words: embassy kabul": "embassy kabul",
    "a common word: diplomatic": "diplomatic",
    "a common prefix: diplomat*": "diplomat*",
    "two common words: united states": "united states",
}
PREFIXES = ["charg*", "diplomat*"]
"""Kept once searched (docs/search.md, "Common words"): searched, then waited for."""
PAIRS = {"united states": "states united"}
"""Two words kept as a pair once searched (docs/search.md, "Pairs"), and the term kept."""
LISTS = {
    "officials": ("/v1/officials?limit=50", "kennan"),
    "missions": ("/v1/missions?limit=50", "kabul"),
    "posts": ("/v1/posts?limit=50", '"persona non grata"'),
    "events": ("/v1/events?limit=50", "embassy"),
    "citations": ("/v1/citations?limit=50", "kabul"),
    "citations, a common word": ("/v1/citations?limit=50", "diplomatic"),
    "posts, a common word": ("/v1/posts?limit=50", "the"),
}
QUOTE_SEARCHES = ["kabul", "kennan", "legation", "diplomatic"]


def _p50(client: httpx.Client, path: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _quotes_table(url: str, folder: Path) -> Path:
    """Every quote our database holds, as a table with sqlite-utils' FTS5 index, for
    Datasette."""
    path = folder / "quotes.db"
    engine = create_engine(url)
    with engine.connect() as connection, sqlite3.connect(path) as target:
        rows = connection.execute(text("SELECT id, quote FROM quotes")).all()
        target.execute("CREATE TABLE quotes (id INTEGER PRIMARY KEY, quote TEXT)")
        target.executemany("INSERT INTO quotes VALUES (?, ?)", [tuple(row) for row in rows])
    engine.dispose()
    subprocess.run(
        [ensure_sqlite_utils(), "enable-fts", str(path), "quotes", "quote", "--fts5"],
        check=True,
        timeout=600,
    )
    return path


def _common_words_kept(url: str) -> None:
    """Waits till the server keeps the common words ranked ahead and every entry the data
    sets' load wrote is put right in them (docs/search.md, "Common words"), as a server
    does a little while after it is ready."""
    engine = create_engine(url)
    started = time.monotonic()
    seen: list[int] = []  # the words kept at each look: the same for 5 s, the keeper is done
    try:
        while time.monotonic() - started < 900:
            with engine.connect() as connection:
                words = connection.execute(text("SELECT count(*) FROM search_index_common"))
                changed = connection.execute(text("SELECT count(*) FROM search_index_changed"))
                kept, left = words.scalar_one(), changed.scalar_one()
            seen = [*seen, kept][-6:] if kept and not left else []
            if len(seen) == 6 and len(set(seen)) == 1:
                print(f"{kept} common words kept {time.monotonic() - started:.0f} s after ready")
                return
            time.sleep(1)
        raise SystemExit("the server did not keep the common words within 900 s")
    finally:
        engine.dispose()


def _prefixes_kept(url: str, client: httpx.Client) -> None:
    """Searches each of `PREFIXES` and `PAIRS` once, then waits till the
    server keeps them, as it does at its next turn (`SEARCH_REFRESH_SECONDS`) after a prefix
    of common words, or a pair, is searched."""
    engine = create_engine(url)
    started = time.monotonic()
    wanted = set(PREFIXES) | set(PAIRS.values())
    for prefix in [*PREFIXES, *PAIRS]:
        client.get("/v1/search", params={"q": prefix}).raise_for_status()
    try:
        while time.monotonic() - started < 300:
            with engine.connect() as connection:
                kept = connection.execute(text("SELECT term FROM search_index_common"))
                if wanted <= set(kept.scalars()):
                    print(
                        f"{', '.join(sorted(wanted))} kept {time.monotonic() - started:.1f} s "
                        "after searched"
                    )
                    # A worker reads which words are kept every KEPT_SECONDS: measured before,
                    # the first rounds searched them the usual way (SQLite's `diplomat*` 42.8
                    # ms, 8.4 after).
                    time.sleep(KEPT_SECONDS + 1)
                    return
            time.sleep(0.2)
        raise SystemExit(f"the server did not keep {', '.join(sorted(wanted))} within 300 s")
    finally:
        engine.dispose()


def measure(url: str, args: argparse.Namespace) -> None:
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    with tempfile.TemporaryDirectory(prefix="bench-search-") as scratch:
        folder = Path(scratch)
        if url.startswith("sqlite"):  # a copy: the data sets are loaded into it
            copy = folder / "ours.db"
            shutil.copy(url.removeprefix("sqlite:///"), copy)
            url = f"sqlite:///{copy}"
        command, env, base = diplo_serve(
            url, DATASETS="all", RESPONSE_CACHE_ENTRIES="0", SEARCH_REFRESH_SECONDS="1"
        )
        with (
            server("ours", pinned(command, SERVER_CORE), f"{base}/readyz", env, timeout=900),
            httpx.Client(base_url=base, timeout=120) as client,
        ):
            _common_words_kept(url)
            _prefixes_kept(url, client)
            totals = {
                name: client.get("/v1/search", params={"q": q, "count": "true"}).json()["total"]
                for name, q in SEARCHES.items()
            }
            paths = {name: f"/v1/search?q={quote(q)}" for name, q in SEARCHES.items()}
            for name, (page, q) in LISTS.items():
                paths[f"{name}: the list"] = page
                paths[f"{name}: q={q}"] = f"{page}&q={quote(q)}"
            p50s: dict[str, list[float]] = {}
            for _ in range(args.rounds):
                for name, path in paths.items():
                    p50s.setdefault(name, []).append(_p50(client, path, args.repeat))
            print(f"\n{backend}, {args.rows:,} headcounts + the data sets; one client (p50 ms)")
            print("| /v1/search | hits | p50 ms |")
            print("|---|---:|---:|")
            for name in SEARCHES:
                print(f"| {name} | {totals[name]:,} | {median(p50s[name]):.1f} |")
            print("\n| list | without q | with q | ratio |")
            print("|---|---:|---:|---:|")
            for name, (_, q) in LISTS.items():
                plain = median(p50s[f"{name}: the list"])
                searched = median(p50s[f"{name}: q={q}"])
                print(f"| {name}, q={q} | {plain:.1f} | {searched:.1f} | {searched / plain:.2f}× |")

            quotes = _quotes_table(url, folder)
            port = free_port()
            theirs = f"http://127.0.0.1:{port}"
            datasette = [
                ensure_datasette(),
                "serve",
                "-i",
                str(quotes),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ]
            cached, cached_env, cached_base = diplo_serve(url, DATASETS="all")  # cache on
            with (
                server("datasette", pinned(datasette, SERVER_CORE), f"{theirs}/-/versions.json"),
                server(
                    "ours-cached", pinned(cached, SERVER_CORE), f"{cached_base}/readyz", cached_env
                ),
            ):
                print(f"\nwrk -c32, {args.seconds} s each, quote searches (req/s, p99 ms)")
                print(
                    "| q | quotes | ours req/s | ours p99 | Datasette req/s | its p99 | ratio "
                    "| errors | ours, cache on | its ratio |"
                )
                print("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|")
                for q in QUOTE_SEARCHES:
                    found = client.get(
                        "/v1/search", params={"q": q, "kinds": "citations", "count": "true"}
                    ).json()["total"]
                    ours = wrk(
                        f"{base}/v1/search?q={quote(q)}&kinds=citations", seconds=args.seconds
                    )
                    them = wrk(f"{theirs}/quotes/quotes.json?_search={quote(q)}", args.seconds)
                    hits = wrk(
                        f"{cached_base}/v1/search?q={quote(q)}&kinds=citations",
                        seconds=args.seconds,
                    )
                    print(
                        f"| {q} | {found:,} | {ours.rps:,.0f} | {ours.p99_ms:.0f} | "
                        f"{them.rps:,.0f} | {them.p99_ms:.0f} | {ours.rps / them.rps:.1f}× | "
                        f"{ours.errors} / {them.errors} / {hits.errors} | {hits.rps:,.0f} | "
                        f"{hits.rps / them.rps:.1f}× |",
                        flush=True,
                    )


def main() -> None:
    measure_generated(
        __doc__ or "",
        measure,
        lambda parser: parser.add_argument("--seconds", type=int, default=10),
    )


if __name__ == "__main__":
    main()
