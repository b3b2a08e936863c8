"""Mixed load (README, "Several workers"): 90% reads over the API's main views, 10% writes, for a
fixed time, against several uvicorn workers on PostgreSQL — ours, and the same load against the
code of another commit (by default the one issue 14 measured) in the same rounds, interleaved,
since this machine's speed changes from hour to hour. Prints throughput, latency and errors per
round, the medians and their ratio, then counts the rows: every acknowledged write must be
stored. Never run as a test.

.venv/bin/python -m bench.load [--seconds 20] [--rounds 5] [--workers 2] [--connections 32]
    [--against COMMIT | --against ''] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each server gets a throwaway database on that server (dropped at the end), which `diplo serve`
migrates, seeds and loads the data sets into; the other commit is checked out in a temporary
git worktree and served by this virtual environment. wrk (apt-get install -y wrk) drives each
with a Lua script that sends every tenth request as a POST of an event and notes the id of every
201, each of which must then be in the database."""

import argparse
import re
import statistics
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import column, create_engine, func, select, table

from bench.common import (
    ROOT,
    WrkResult,
    diplo_serve,
    parse_wrk,
    postgres_option,
    scratch_postgres,
    server,
    stop_on_sigterm,
    write_key,
)

EVENT = table("event", column("id"))
BASELINE = "365c38b"
"""The code when issue 14 was filed (its "today's req/s")."""
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


@dataclass
class Target:
    """One server under load: its name, database, base URL, write key and what it has stored."""

    name: str
    url: str
    base: str
    key: str
    before: int
    acked: list[int] = field(default_factory=list)
    results: list[tuple[WrkResult, int, int]] = field(default_factory=list)
    """Per round: wrk's result, the 201s and the 4xx/5xx."""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (2)")
    parser.add_argument("--rounds", type=int, default=5, help="wrk runs per server (5)")
    parser.add_argument(
        "--against",
        default=BASELINE,
        help=f"a commit to serve as well, in the same rounds ({BASELINE}: the code issue 14 "
        "measured; '' for ours alone)",
    )
    postgres_option(parser)
    args = parser.parse_args()
    stop_on_sigterm()

    with ExitStack() as stack:
        targets = [_start(stack, "ours", None, args)]
        if args.against:
            code = stack.enter_context(_checkout(args.against))
            targets.append(_start(stack, args.against, code, args))
        for round_ in range(args.rounds):
            for target in targets if round_ % 2 == 0 else targets[::-1]:
                _drive(target, args)
        _report(targets, args)


def _start(stack: ExitStack, name: str, code: Path | None, args: argparse.Namespace) -> Target:
    """A scratch database and `diplo serve` on it (the code checked out at `code`, if given),
    migrated, seeded and loaded with the data sets, with a write key."""
    url = stack.enter_context(scratch_postgres(args.postgres))
    settings = {
        "WORKERS": str(args.workers),
        "RATE_LIMIT_PER_ADDRESS": "",
        "RATE_LIMIT_PER_KEY": "",
    }
    if code is not None:
        settings["PYTHONPATH"] = str(code)
    command, env, base = diplo_serve(url, **settings)
    stack.enter_context(server(name, command, f"{base}/readyz", env, timeout=600))
    before, _ = _stored(url, [])
    return Target(name, url, base, write_key(url, f"bench-load-{uuid.uuid4().hex[:6]}"), before)


@contextmanager
def _checkout(commit: str) -> Iterator[Path]:
    """The repository at `commit`, in a temporary worktree (removed at the end)."""
    with tempfile.TemporaryDirectory(prefix="bench-load-") as directory:
        path = Path(directory) / "code"
        git = ["git", "-C", str(ROOT)]
        subprocess.run(
            [*git, "worktree", "add", "--detach", "--quiet", str(path), commit], check=True
        )
        try:
            yield path
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(path)], check=False)


def _analyze(url: str) -> None:
    """Fresh planner statistics, as autovacuum keeps them on a server that runs it (this
    machine's PostgreSQL has it off: /etc/postgresql/15/main/conf.d/90-ci.conf). Each round
    adds a thousand events or more to tables whose statistics were taken after the data-set
    load, with a few dozen: the plans of the views that read them go stale (events in RU,
    newest first: 0.1 ms with statistics, 14 ms without, at 25,000 events)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


def _drive(target: Target, args: argparse.Namespace) -> None:
    """One wrk run against the target, on fresh statistics: 90% reads, 10% POSTs; notes every
    acknowledged id."""
    _analyze(target.url)
    reads = "{" + ", ".join(f'"{path}"' for path in READS) + "}"
    script = LUA.replace("{READS}", reads).replace("{KEY}", target.key)
    script = script.replace("{RUN}", uuid.uuid4().hex[:8])
    with (
        tempfile.NamedTemporaryFile("w", suffix=".lua") as lua,
        tempfile.NamedTemporaryFile("r", suffix=".ids") as ids,
    ):
        lua.write(script.replace("{IDS}", ids.name))
        lua.flush()
        output = subprocess.run(
            ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s"]
            + ["--timeout", "10s", "--latency", "-s", lua.name, target.base],
            stdout=subprocess.PIPE,
            text=True,
            check=True,
            timeout=args.seconds + 60,
        ).stdout
        acked = [int(line) for line in ids.read().split()]
    created = _number(output, "CREATED")
    if len(acked) != created:
        raise SystemExit(f"{target.name}: {created:,} answers 201 but {len(acked):,} ids read")
    target.acked += acked
    target.results.append((parse_wrk(output), created, _number(output, "REFUSED")))
    result = target.results[-1][0]
    print(f"  {target.name}: {result.rps:,.0f} req/s, p99 {result.p99_ms:.0f} ms", flush=True)


def _report(targets: list[Target], args: argparse.Namespace) -> None:
    print(
        f"diplo serve: {args.workers} workers, each on its own throwaway database (dropped at the "
        f"end); wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, {args.rounds} rounds "
        f"interleaved; 90% GET over {len(READS)} views, 10% POST"
    )
    print("| code | round | req/s | p50 ms | p99 ms | requests | errors | 4xx/5xx | posts acked |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for target in targets:
        for number, (result, created, refused) in enumerate(target.results, 1):
            print(
                f"| {target.name} | {number} | {result.rps:,.0f} | {result.p50_ms:.1f} "
                f"| {result.p99_ms:.1f} | {result.requests:,} | {result.errors} | {refused} "
                f"| {created:,} |"
            )
    rates = {t.name: statistics.median(r.rps for r, _, _ in t.results) for t in targets}
    for target in targets:
        p99 = statistics.median(r.p99_ms for r, _, _ in target.results)
        print(f"{target.name}: median {rates[target.name]:,.0f} req/s, median p99 {p99:.0f} ms")
    if len(targets) == 2:
        ours, peer = targets
        print(f"ours / {peer.name}: {rates[ours.name] / rates[peer.name]:.2f}x (medians)")
    for target in targets:
        # A POST still in flight when wrk stops may be stored without having been acknowledged:
        # rows may outnumber the 201s. An acknowledged id that is not stored is a lost write.
        added, missing = _stored(target.url, target.acked)
        if missing:
            verdict = f"LOST: {len(missing):,} acknowledged ids not stored, e.g. {missing[:5]}"
        else:
            verdict = f"all {len(target.acked):,} acknowledged ids stored"
            verdict += f" ({added - target.before - len(target.acked)} more rows: posts in flight)"
        print(f"{target.name}: writes: {verdict}")


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
