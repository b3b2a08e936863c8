"""Mixed load (README, "Several workers"): 90% reads over the API's main views, 10% writes, for a
fixed time, against several uvicorn workers on PostgreSQL. Prints throughput, latency and errors,
then counts the rows: every acknowledged write must be stored. Never run as a test.

.venv/bin/python -m bench.load [--seconds 20] [--workers 2] [--connections 32] [--postgres
postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Makes a throwaway database on that server (dropped at the end), which `diplo serve` migrates and
seeds, makes a write key, and drives it with wrk (apt-get install -y wrk) and a Lua script that
sends every tenth request as a POST of an event and notes the id of every 201, each of which must
then be in the database."""

import argparse
import re
import subprocess
import tempfile
import time
import uuid

from sqlalchemy import column, create_engine, func, select, table
from sqlalchemy.engine import make_url

from bench.common import (
    diplo_serve,
    parse_wrk,
    postgres_option,
    scratch_postgres,
    server,
    stop_on_sigterm,
    write_key,
)

EVENT = table("event", column("id"))
READS = [
    "/v1/headcounts?sending_country=RU&host_country=US&limit=50",
    "/v1/missions",
    "/v1/missions/1",
    "/v1/measures?stage=proposed,threatened",
    "/v1/events?country=RU&sort=-date",
    "/v1/talks/1",
    "/v1/relations/RU/US",
    "/v1/timeline?countries=RU,US",
    "/v1/visa-disputes",
]

LUA = """
local reads = {READS}
local counter = 0
created, refused, acked = 0, 0, {}  -- globals: done() reads them with thread:get
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function request()
  counter = counter + 1
  if counter % 10 == 0 then
    local body = string.format(
      '{"ref":"load-%s-%d-%d","date":"2021-10-13","kind":"other","summary":"Load.",' ..
      '"countries":["RU","US"],' ..
      '"citations":[{"source_id":1,"quote":"ransacked a makeshift memorial"}]}',
      "{RUN}", tid, counter)
    return wrk.format("POST", "/v1/events",
      {["Content-Type"] = "application/json", ["Authorization"] = "Bearer {KEY}"}, body)
  end
  return wrk.format("GET", reads[(counter % #reads) + 1])
end
function response(status, headers, body)
  if status == 201 then
    created = created + 1
    table.insert(acked, body:match('^{"id":(%d+)'))  -- nil (not inserted) if it is not there
  elseif status >= 400 then
    refused = refused + 1
    if refused <= 3 then io.stderr:write(status .. " " .. body:sub(1, 200) .. "\\n") end
  end
end
function done(summary, latency, requests)
  local total_created, total_refused = 0, 0
  local ids = io.open("{IDS}", "w")
  for _, thread in ipairs(threads) do
    total_created = total_created + thread:get("created")
    total_refused = total_refused + thread:get("refused")
    for _, id in ipairs(thread:get("acked")) do ids:write(id, "\\n") end
  end
  ids:close()
  io.write(string.format("CREATED %d\\nREFUSED %d\\n", total_created, total_refused))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (2)")
    postgres_option(parser)
    args = parser.parse_args()
    stop_on_sigterm()

    with scratch_postgres(args.postgres) as url:
        run(url, args)


def run(url: str, args: argparse.Namespace) -> None:
    command, env, base = diplo_serve(
        url, WORKERS=str(args.workers), RATE_LIMIT_PER_ADDRESS="", RATE_LIMIT_PER_KEY=""
    )
    with server("ours", command, f"{base}/readyz", env):
        key = write_key(url, "bench-load")
        before, _ = _stored(url, [])
        reads = "{" + ", ".join(f'"{path}"' for path in READS) + "}"
        script = LUA.replace("{READS}", reads).replace("{KEY}", key)
        script = script.replace("{RUN}", uuid.uuid4().hex[:8])
        with (
            tempfile.NamedTemporaryFile("w", suffix=".lua") as lua,
            tempfile.NamedTemporaryFile("r", suffix=".ids") as ids,
        ):
            lua.write(script.replace("{IDS}", ids.name))
            lua.flush()
            started = time.perf_counter()
            output = subprocess.run(
                ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s"]
                + ["--timeout", "10s", "--latency", "-s", lua.name, base],
                stdout=subprocess.PIPE,
                text=True,
                check=True,
                timeout=args.seconds + 60,
            ).stdout
            elapsed = time.perf_counter() - started
            acked = [int(line) for line in ids.read().split()]
    result = parse_wrk(output)
    created = _number(output, "CREATED")
    refused = _number(output, "REFUSED")
    added, missing = _stored(url, acked)
    print(f"database: {make_url(url).render_as_string(hide_password=True)} (dropped at the end)")
    print(
        f"diplo serve: {args.workers} workers; wrk -t{args.threads} -c{args.connections} "
        f"-d{args.seconds}s ({elapsed:.0f} s), 90% GET over {len(READS)} views, 10% POST"
    )
    print("| req/s | p50 ms | p99 ms | requests | errors | 4xx/5xx | posts acked | rows added |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {result.rps:,.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | {result.requests:,} "
        f"| {result.errors} | {refused} | {created:,} | {added - before:,} |"
    )
    # A POST still in flight when wrk stops may be stored without having been acknowledged:
    # rows may outnumber the 201s. An acknowledged id that is not stored is a lost write.
    if len(acked) != created:
        verdict = f"MISMATCH: {created:,} answers 201 but {len(acked):,} ids read from them"
    elif missing:
        verdict = f"LOST: {len(missing):,} acknowledged ids not stored, e.g. {missing[:5]}"
    else:
        verdict = f"all {created:,} acknowledged ids stored ({added - before - created} more rows:"
        verdict += " posts in flight when wrk stopped)"
    print(f"errors: {result.errors} (socket errors and non-2xx/3xx); writes: {verdict}")


def _number(output: str, label: str) -> int:
    match = re.search(rf"^{label} (\d+)$", output, re.MULTILINE)
    if match is None:
        raise SystemExit(f"wrk printed no {label} line:\n{output}")
    return int(match.group(1))


def _stored(url: str, ids: list[int]) -> tuple[int, list[int]]:
    """The rows of the event table, and those of `ids` that are not among them."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(EVENT)).scalar_one()
            found = set(connection.scalars(select(EVENT.c.id).where(EVENT.c.id.in_(ids))))
            return int(rows), sorted(set(ids) - found)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
