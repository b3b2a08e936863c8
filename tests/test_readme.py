"""The README's examples, pasted into a shell as a new user would: every request answers as
the README says, and the data is as it was before (the write examples clean up after
themselves)."""

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.test_faults import serving

ROOT = Path(__file__).parent.parent
SECTIONS = ["Reading", "Dashboards", "Writing"]
VENV_BIN = str(Path(sys.executable).parent)
# Every curl reports its answer on stderr, one line a request, for the test to read.
PRELUDE = """set -euo pipefail
curl() { command curl -sS -w '%{stderr}ANSWER %{http_code} %{url_effective}\\n' "$@"; }
"""


def shell_blocks(section: str) -> list[str]:
    """The ```sh blocks of one `## section` of the README."""
    readme = (ROOT / "README.md").read_text()
    start = readme.index(f"\n## {section}\n")
    end = readme.find("\n## ", start + 1)
    return re.findall(r"```sh\n(.*?)```", readme[start:end], re.DOTALL)


def documented_errors() -> set[tuple[str, str]]:
    """The (status, path) pairs the README says answer an error (`# 422: …` after it)."""
    readme = (ROOT / "README.md").read_text()
    # The mark ends the command: its last line, after any lines continued with `\`.
    found = re.findall(
        r"curl (?:-X [A-Z]+ )?'?localhost:8000(/[^' ]*)'?(?:[^\n]*\\\n)*[^\n]*?\s# ([45]\d\d)\b",
        readme,
    )
    return {(status, path) for path, status in found}


def everything(base: str) -> dict[str, Any]:
    """Every record of every list (all pages), and the bilateral view of the seed."""
    client = httpx.Client(base_url=base, timeout=60)  # the machine may be busy
    schema = client.get("/openapi.json").json()
    lists = [
        path
        for path, operations in schema["paths"].items()
        if operations.get("get", {}).get("operationId", "").startswith("list_")
        and "{" not in path
        and path not in ("/v1/changes", "/v1/keys")  # the change log grows; keys are admin's
    ]
    assert len(lists) >= 10, lists
    seen: dict[str, Any] = {"/v1/relations/RU/US": client.get("/v1/relations/RU/US").json()}
    for path in lists:
        items: list[Any] = []
        params: dict[str, Any] = {"limit": 1000}
        while True:
            page = client.get(path, params=params).json()
            items += page["items"]
            if not page["next_cursor"]:
                break
            params["cursor"] = page["next_cursor"]
        seen[path] = items
    client.close()
    return seen


def test_the_readme_examples_answer_as_documented_and_leave_the_data_as_it_was(
    loaded_copy: Callable[[], str], tmp_path: Path
) -> None:
    # As `make run` serves it once ready: the seed and the bundled data sets (loaded by
    # `diplo serve` itself in tests/test_datasets.py).
    url = loaded_copy()
    with serving(url, DATASETS="all") as (base, _process):
        before = everything(base)
        script = PRELUDE + "\n".join(
            block for section in SECTIONS for block in shell_blocks(section)
        )
        script = script.replace("localhost:8000", base.removeprefix("http://"))
        script = script.replace(".venv/bin/", f"{VENV_BIN}/")
        result = subprocess.run(
            ["bash", "-c", script],
            cwd=tmp_path,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        answers = re.findall(r"^ANSWER (\d{3}) (\S+)$", result.stderr, re.MULTILINE)
        assert len(answers) >= 40, result.stderr[-3000:]
        expected = documented_errors()
        assert expected, "the README shows no error: the test would prove nothing about them"
        wrong = [
            (status, where)
            for status, where in answers
            if int(status) >= 400 and (status, where.removeprefix(base)) not in expected
        ]
        assert wrong == [], result.stderr[-3000:]
        # …and each error the README promises is the answer it gets.
        assert expected <= {(status, where.removeprefix(base)) for status, where in answers}
        after = everything(base)
    assert after == before
    # The one file left is the export the Reading section asks for; the Writing section's
    # scratch files (the event, the export it re-imports, the key) are removed by its last line.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["measures.csv"]
    listed = subprocess.run(
        [f"{VENV_BIN}/diplo", "keys", "list"],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # The examples' keys are revoked at the end, the dashboard key they made too.
    readme_keys = [line for line in listed.splitlines() if "readme-" in line]
    assert len(readme_keys) == 3, listed
    assert all("revoked" in line for line in readme_keys), listed


def test_the_readmes_example_answer_is_the_apis(client: TestClient) -> None:
    """The README shows `GET /v1/expulsions` on the seed as the API answers it, quotes'
    anchors and all."""
    readme = (ROOT / "README.md").read_text()
    start = readme.index("For example, `GET /v1/expulsions` on the seed:")
    [shown] = re.findall(r"```json\n(.*?)```", readme[start:], re.DOTALL)[:1]
    assert json.loads(shown) == client.get("/v1/expulsions").json()
