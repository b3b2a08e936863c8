"""budget: a 10,000-row import, through HTTP, on SQLite and (with --postgres URL) PostgreSQL.

    .venv/bin/python -m bench.imports [--rows 10000] [--postgres postgresql+psycopg://…/db]

Each database is made fresh: migrated, seeded, then the file is imported twice (the second
import must change nothing). Prints seconds and rows/s; asserts nothing.
"""

import argparse
import tempfile
import time

import httpx
import orjson

from app.config import Settings
from app.db import make_engine, upgrade, write_transaction
from app.kit.auth import Scope, create_key
from app.loaders.seed import load_seed
from bench.common import free_port, our_api, server


def rows(count: int) -> list[dict[str, object]]:
    return [
        {
            "ref": f"bench-{i}",
            "sending_country": "RU",
            "host_country": "US",
            "as_of": f"{2000 + i % 25}-01-01",
            "category": "diplomatic",
            "kind": "cap",
            "count": i,
            "citations": [{"source_id": 1, "quote": "generated"}],
        }
        for i in range(count)
    ]


def run(url: str, count: int) -> None:
    upgrade(url)
    engine = make_engine(Settings(database_url=url))
    load_seed(engine)
    with write_transaction(engine) as connection:
        key = create_key(connection, "bench", [Scope.write])["key"]
    engine.dispose()
    body = orjson.dumps(rows(count))
    port = free_port()
    command, env = our_api(url, port)
    with server("ours", command, f"http://127.0.0.1:{port}/readyz", env):
        for attempt in ("first", "again"):
            start = time.perf_counter()
            response = httpx.post(
                f"http://127.0.0.1:{port}/v1/headcounts/import",
                content=body,
                timeout=600,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            seconds = time.perf_counter() - start
            report = response.json()
            print(
                f"{url.split(':')[0]:>18} {attempt}: {count:,} rows in {seconds:.2f} s "
                f"({count / seconds:,.0f} rows/s) -> {report}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", help="an empty PostgreSQL database to use")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        run(f"sqlite:///{directory}/import.db", args.rows)
    if args.postgres:
        run(args.postgres, args.rows)


if __name__ == "__main__":
    main()
