"""Schema fuzzing: schemathesis drives the real server, on a fresh database of each backend,
from its own `/openapi.json`, with every check and an admin key, so writes run too."""

import subprocess
import sys
from pathlib import Path

from tests.conftest import NewDatabase, make_key
from tests.test_faults import serving

ST = Path(sys.executable).parent / "st"
EXAMPLES = 15  # per operation and phase: the two backends take ~1 min each on 2 cores

EXCLUDED_CHECKS = [
    # "A request the schema allows must succeed": the schema cannot say that a country code
    # must exist (`ZZ`), that a cursor is one this API issued, that `from` is before `to`, or
    # that a referenced id exists; those are documented 4xx answers, not bugs.
    "positive_data_acceptance",
]
CONFIG = """
[checks.negative_data_rejection]
# Schemathesis' own list, and 413: a body past the size limit is refused before it is read
# (README, "Body limits"), so an invalid body that is also too large is a documented 413.
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422",
                     "428", "429", "5xx"]
"""


def fuzz(base: str, url: str, cwd: Path, *select: str) -> subprocess.CompletedProcess[str]:
    """One schemathesis run over the operations `select` names, with a new admin key."""
    headers = make_key(url, "admin")
    config = cwd / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [
        str(ST),
        "--config-file",
        str(config),
        "run",
        f"{base}/openapi.json",
        *select,
        "--checks",
        "all",
        "--exclude-checks",
        ",".join(EXCLUDED_CHECKS),
        "--header",
        f"Authorization: {headers['Authorization']}",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20211012",
        "--workers",
        "2",
        "--max-response-time",
        "5",
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=cwd)


def test_schemathesis_finds_nothing(new_database: NewDatabase, tmp_path: Path) -> None:
    url = new_database()
    with serving(url) as (base, _process):
        everything = fuzz(base, url, tmp_path, "--exclude-operation-id", "revoke_key")
        # Revoking keys comes last, with the keys it makes: it may revoke the key it runs with
        # (ids are small integers), after which its requests are (documented) 401s.
        revoking = fuzz(
            base,
            url,
            tmp_path,
            "--include-operation-id",
            "create_key",
            "--include-operation-id",
            "revoke_key",
        )
    for result in (everything, revoking):
        assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-2000:]
