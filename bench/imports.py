"""budget: a 10,000-row import, through HTTP, on SQLite and (with --postgres URL) PostgreSQL,
every row quoting a source of 1 MB of text (each quote checked and anchored in it).

    .venv/bin/python -m bench.imports [--rows 10000] [--postgres postgresql+psycopg://…/db]

Each database is made fresh: migrated, seeded, given the 1 MB source (a `POST /v1/sources/
import`, not timed), then the file is imported twice (the second import must change nothing).
Prints seconds and rows/s; asserts nothing.
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

TEXT_CHARACTERS = 1_000_000


def sentence(i: int) -> str:
    """Row i's sentence of the source: each is different, so each row's quote stands once."""
    return f"Cable {i}: the embassy reported {i * 7 % 997} accredited staff on day {i}."


def source_text(rows: int) -> str:
    """About a megabyte: the rows' sentences, then filler that quotes none of them."""
    text = "\n".join(sentence(i) for i in range(rows))
    filler = " Other matters were discussed at length without any figures given."
    repeats = max(0, (TEXT_CHARACTERS - len(text)) // len(filler) + 1)
    return (text + "\n" + filler * repeats)[:TEXT_CHARACTERS]


def rows(count: int, source_id: int) -> list[dict[str, object]]:
    return [
        {
            "ref": f"bench-{i}",
            "sending_country": "RU",
            "host_country": "US",
            "as_of": f"{2000 + i % 25}-01-01",
            "category": "diplomatic",
            "kind": "cap",
            "count": i,
            "citations": [{"source_id": source_id, "quote": sentence(i)}],
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
    port = free_port()
    command, env = our_api(url, port)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    with server("ours", command, f"http://127.0.0.1:{port}/readyz", env):
        source = {"title": "Cables", "publisher": "Bench", "text": source_text(count)}
        made = httpx.post(
            f"http://127.0.0.1:{port}/v1/sources/import",
            content=orjson.dumps([source]),
            headers=headers,
            timeout=600,
        )
        assert made.status_code == 200, made.text
        source_id = httpx.get(f"http://127.0.0.1:{port}/v1/sources?sort=-id&limit=1").json()[
            "items"
        ][0]["id"]
        body = orjson.dumps(rows(count, source_id))
        for attempt in ("first", "again"):
            start = time.perf_counter()
            response = httpx.post(
                f"http://127.0.0.1:{port}/v1/headcounts/import",
                content=body,
                timeout=600,
                headers=headers,
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
