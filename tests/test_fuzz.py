"""Schema fuzzing: schemathesis drives the real server, on a fresh database of each backend,
from its own `/openapi.json`, with every check and an admin key, so writes run too.

The test fails on what schemathesis finds about the API, and says so; when the tool itself
errs, the test says that instead, in a few lines, not with the tool's source."""

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import NewDatabase, make_key
from tests.test_faults import serving

ST = Path(sys.executable).parent / "st"
EXAMPLES = 10  # per operation and phase: the two backends take ~1.5 min each on 2 cores

# One worker: schemathesis runs its workers as threads, and on CPython 3.11 two threads that
# build ASTs at once (hypothesis parses sources to describe strategies) can crash with
# "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905). With one
# thread the tool cannot hit it; it costs ~10% more time than two.
WORKERS = 1
# A response slower than this fails the run. The slowest of ~7,000 responses in a run here
# took 0.26 s and the 99th percentile 18 ms, so 5 s is ~20x the slowest on an idle machine:
# load cannot reach it, while a request stuck behind a lock (SQLite's busy timeout is 5 s)
# or a query that scans what it should look up still does.
MAX_RESPONSE_SECONDS = 5
# "A request the schema allows is accepted" runs as `schema_valid_requests_accepted`, from
# HOOKS: schemathesis' own check, narrowed to excuse only the refusals for rules a schema
# cannot state (a country code no country has, a cursor this API did not issue, `from` after
# `to`, a referenced record that does not exist...), each named there with its reason.
HOOKS = Path(__file__).parent / "fuzz_hooks.py"
REVOKING = "FUZZ_MAY_REVOKE_ITS_KEY"
EXCLUDED_CHECKS = ["positive_data_acceptance"]
CONFIG = """
[checks.positive_data_acceptance]
# For the narrowed check in fuzz_hooks.py, which wraps this one: every refusal goes to it to
# be judged (a 5xx is `not_a_server_error`'s to report).
expected-statuses = ["2xx", "3xx", "5xx"]

[checks.negative_data_rejection]
# Schemathesis' own list; 413: a body past the size limit is refused before it is read
# (README, "Body limits"), so an invalid body that is also too large is a documented 413; and
# 412: `If-Match` is weighed before the content (RFC 9110, 13.2.1), and a change is checked
# merged with the stored record, so an invalid change sent with a stale `If-Match` is a 412.
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "412", "413", "415",
                     "422", "428", "429", "5xx"]

[[operations]]
include-operation-id = "get_source_text"
# A source may have no text (a paywalled page): its /text is then a documented 404, not a
# source that was created and lost.
checks.ensure_resource_availability.enabled = false
"""
SECTION = re.compile(r"^=+ (?P<name>.+?) =+$", re.MULTILINE)
OPERATION = re.compile(r"^_{3,} (.+?) _{3,}$", re.MULTILINE)


@dataclass
class Run:
    """One schemathesis run: its exit code, its output and its JSON report (None when the
    tool stopped before writing one)."""

    name: str
    log: Path
    returncode: int
    output: str
    report: dict[str, Any] | None

    def section(self, name: str) -> str:
        """A section of the tool's output (FAILURES, ERRORS, SUMMARY), without its header."""
        headers = list(SECTION.finditer(self.output))
        for header, following in zip(headers, [*headers[1:], None], strict=True):
            if header["name"] == name:
                end = following.start() if following else len(self.output)
                return self.output[header.end() : end].strip()
        return ""

    def errors(self) -> str:
        """The tool's errors, one line each: what went wrong and in which operations, without
        the tracebacks through the tool's own code."""
        blocks = OPERATION.split(self.section("ERRORS"))[1:]
        where: dict[str, list[str]] = {}
        for operation, body in zip(blocks[::2], blocks[1::2], strict=True):
            said = [line.strip() for line in body.splitlines() if line.strip()]
            plain = [line for line in said if not line.startswith(("Traceback", "File "))]
            where.setdefault(": ".join(plain[:2]), []).append(operation)
        return "\n".join(
            f"  - {error} (in {len(operations)} operation(s): {', '.join(operations[:5])})"
            for error, operations in where.items()
        )

    def problem(self) -> str | None:
        """None when the run tested what it was given and found nothing; otherwise what went
        wrong, saying whether the API failed a check or the tool itself failed."""
        report = self.report
        where = f"(the tool's whole output: {self.log})"
        if report is None or not report["complete"]:
            tail = "\n".join(self.output.strip().splitlines()[-25:])
            return (
                f"{self.name}: schemathesis stopped before the end of its run (exit "
                f"{self.returncode}): an error of the tool or its setup, not a finding about "
                f"the API {where}. Its last lines:\n{tail}"
            )
        if report["errors"]:
            errors = ", ".join(f"{e['title']} x{e['count']}" for e in report["errors"])
            return (
                f"{self.name}: schemathesis reported errors of its own run ({errors}). These "
                "are not checks the API failed: the tool could not generate or send some "
                "requests (a crash inside the tool, a schema it cannot use, a connection "
                f"that failed) {where}:\n" + self.errors()
            )
        if report["failures"]:
            found = "\n".join(
                f"  - {f['title']} ({f['count']}x): {', '.join(f['operations'])}"
                for f in report["failures"]
            )
            return (
                f"{self.name}: the API failed schemathesis' checks {where}:\n{found}\n\n"
                + self.section("FAILURES")[:8000]
            )
        if self.returncode != 0:
            return (
                f"{self.name}: schemathesis exited {self.returncode} without a failure or an "
                f"error in its report {where}:\n" + self.section("SUMMARY")
            )
        return None


def fuzz(base: str, url: str, cwd: Path, name: str, *select: str) -> Run:
    """One schemathesis run over the operations `select` names, with a new admin key."""
    headers = make_key(url, "admin")
    config = cwd / "schemathesis.toml"
    config.write_text(CONFIG)
    report = cwd / f"{name}.json"
    command = [
        str(ST),
        "--config-file",
        str(config),
        "run",
        f"{base}/openapi.json",
        *select,
        # Every check runs (schemathesis' default; naming them with `--checks all` would
        # override the per-operation settings of CONFIG), but for those excluded here.
        "--exclude-checks",
        ",".join(EXCLUDED_CHECKS),
        "--header",
        f"Authorization: {headers['Authorization']}",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20211012",
        "--workers",
        str(WORKERS),
        "--max-response-time",
        str(MAX_RESPONSE_SECONDS),
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=cwd,
        # The hooks excuse a 401 only in the run that may revoke its own key.
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS), REVOKING: str(name == "revoking")},
    )
    log = cwd / f"{name}.log"
    log.write_text(result.stdout + result.stderr)
    return Run(
        name=name,
        log=log,
        returncode=result.returncode,
        output=result.stdout + result.stderr,
        report=json.loads(report.read_text()) if report.exists() else None,
    )


def test_schemathesis_finds_nothing(new_database: NewDatabase, tmp_path: Path) -> None:
    url = new_database()
    with serving(url) as (base, _process):
        # The change stream never ends (tests/test_live.py tries it as a client would).
        everything = fuzz(
            base,
            url,
            tmp_path,
            "everything",
            "--exclude-operation-id",
            "revoke_key",
            "--exclude-operation-id",
            "stream_changes",
        )
        # Revoking keys comes last, with the keys it makes: it may revoke the key it runs with
        # (ids are small integers), after which its requests are (documented) 401s.
        revoking = fuzz(
            base,
            url,
            tmp_path,
            "revoking",
            "--include-operation-id",
            "create_key",
            "--include-operation-id",
            "revoke_key",
        )
    problems = [problem for run in (everything, revoking) if (problem := run.problem())]
    assert not problems, "\n\n".join(problems)
