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


def rows(count: int, source_id: int, prefix: str) -> list[dict[str, object]]:
    return [
        {
            "ref": f"{prefix}-{i}",
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
    """The same rows twice over: first quoting a source without a text (stored unverified, the
    peer: no quote checked), then the source with its megabyte of text (every quote found and
    anchored); each file imported twice."""
    upgrade(url)
    engine = make_engine(Settings(database_url=url))
    load_seed(engine)
    with write_transaction(engine) as connection:
        key = create_key(connection, "bench", [Scope.write])["key"]
    engine.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command, env = our_api(url, port)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    with server("ours", command, f"{base}/readyz", env):
        sources = [
            {"ref": "plain", "title": "Cables (no text)", "publisher": "Bench"},
            {"ref": "texted", "title": "Cables", "publisher": "Bench", "text": source_text(count)},
        ]
        made = httpx.post(
            f"{base}/v1/sources/import", content=orjson.dumps(sources), headers=headers, timeout=600
        )
        assert made.status_code == 200, made.text
        listed = httpx.get(f"{base}/v1/sources", params={"limit": 100}).json()["items"]
        ids = {item["ref"]: item["id"] for item in listed}
        seconds: dict[tuple[str, str], float] = {}
        for kind in ("plain", "texted"):
            body = orjson.dumps(rows(count, ids[kind], kind))
            for attempt in ("first", "again"):
                start = time.perf_counter()
                response = httpx.post(
                    f"{base}/v1/headcounts/import", content=body, timeout=600, headers=headers
                )
                took = seconds[(kind, attempt)] = time.perf_counter() - start
                report = response.json()
                said = "unverified" if kind == "plain" else "verified in 1 MB"
                print(
                    f"{url.split(':')[0]:>18} {said:>16} {attempt}: {count:,} rows in "
                    f"{took:.2f} s ({count / took:,.0f} rows/s) -> {report}"
                )
        for attempt in ("first", "again"):
            ratio = seconds[("texted", attempt)] / seconds[("plain", attempt)]
            print(f"{url.split(':')[0]:>18} {attempt}: verified / unverified = {ratio:.2f}")


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
