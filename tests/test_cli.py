"""The `diplo` command as `make run` and the Dockerfile use it: a real process, a real port."""

import json
import os
import queue
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from app.db import sqlite_file
from tests.conftest import NewDatabase

DIPLO = str(Path(sys.executable).parent / "diplo")
PROJECT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(
    url: str | None, *args: str, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`diplo` with DATABASE_URL set to `url`, or unset (the default database) for None."""
    environ = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    return subprocess.run(
        [DIPLO, *args],
        env=environ | env | ({"DATABASE_URL": url} if url else {}),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _diplo(url: str, *args: str) -> str:
    result = _run(url, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _refused(result: subprocess.CompletedProcess[str], *said: str) -> None:
    """A user's mistake: a message saying what to do, exit code 1, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    for words in said:
        assert words in result.stderr


@pytest.fixture
def served(new_database: NewDatabase) -> Iterator[str]:
    """`diplo serve` on an empty database; yields its base URL."""
    with _serving(new_database()) as base:
        yield base


@contextmanager
def _serving(
    url: str,
    *args: str,
    said: list[str] | None = None,
    answering: threading.Event | None = None,
    **env: str,
) -> Iterator[str]:
    """`diplo serve` on the database at `url`, until it answers /readyz; yields its base URL
    (and appends what it printed to `said`, if given, once stopped; sets `answering`, if
    given, once it answers at all, 503 or 200)."""
    port = _free_port()
    environ = os.environ | {"DATABASE_URL": url, "PORT": str(port), "LOG_LEVEL": "warning"}
    process = subprocess.Popen(
        [DIPLO, "serve", *args],
        env=environ | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts slowly; a hang still fails
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                status = httpx.get(f"{base}/readyz", timeout=1).status_code
                if answering is not None:
                    answering.set()
                if status == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("diplo serve did not become ready in 60 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        if said is not None and process.stdout:
            said.append(process.stdout.read())


@contextmanager
def _busy(url: str, seconds: float, after: threading.Event | None = None) -> Iterator[None]:
    """Another writer holding the database at `url` from now till `seconds` after `after` is
    set (or after now), in a thread: on SQLite its one writer's lock, on PostgreSQL the
    sources' table (which a load writes)."""
    locked, done = threading.Event(), threading.Event()

    def hold() -> None:
        if (path := sqlite_file(url)) is not None:
            connection = sqlite3.connect(path, isolation_level=None)
            connection.execute("BEGIN IMMEDIATE")
        else:
            engine = create_engine(url)
            connection = engine.raw_connection()  # type: ignore[assignment]
            connection.cursor().execute("LOCK TABLE source IN SHARE ROW EXCLUSIVE MODE")
        locked.set()
        if after is not None:
            after.wait(120)
        time.sleep(seconds)
        connection.rollback()
        connection.close()
        done.set()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert locked.wait(30), "the database could not be held"
    try:
        yield
    finally:
        assert done.wait(seconds + 150)


def test_the_data_sets_load_though_another_writer_holds_the_database_a_while(
    new_database: NewDatabase,
) -> None:
    """The data sets `diplo serve` loads as it starts get in though another writer holds the
    database past the wait of the load's statements (SQLite's `busy_timeout`, 5 s): the load
    tries again after a pause. Before, it failed ("database is locked", as when the keeping
    of common words wrote at length during a load) and `/readyz` said 503 for good."""
    url = new_database()
    _diplo(url, "db", "upgrade")
    _diplo(url, "seed")
    said: list[str] = []
    # Held till 8 s after the server answers (its load then waiting on the lock): counted from
    # before it started, a slow start on a loaded machine left less than the load's 5 s wait.
    answering = threading.Event()
    with (
        _busy(url, seconds=8, after=answering),
        _serving(
            url, "--no-migrate", DATASETS="us-mission-status", said=said, answering=answering
        ) as base,
    ):
        datasets = httpx.get(f"{base}/v1/datasets").json()["items"]
        assert [dataset["name"] for dataset in datasets] == ["us-mission-status"]
    if sqlite_file(url) is not None:
        assert "found the database busy (database is locked); trying again" in said[0], said
    assert "failed" not in said[0], said


def test_no_common_words_are_kept_till_the_data_sets_are_in(new_database: NewDatabase) -> None:
    """While the data sets it loads as it starts are not all in, the server keeps no common
    words (they would be kept again after, and on SQLite the two writers queued on each other
    till the load failed): its first word about them comes after the load's."""
    said: list[str] = []
    url = new_database()
    with _serving(
        url,
        DATASETS="us-mission-status",
        LOG_LEVEL="info",
        said=said,
        SEARCH_COMMON_ENTRIES="10",
        SEARCH_REFRESH_SECONDS="0.2",
    ):
        time.sleep(3)  # some turns of the keeper
    loaded = said[0].index("Loaded data set us-mission-status")
    assert loaded < said[0].index("common words ranked ahead"), said
    # All kept at once, after the load: before, the seed's 30 words, then 740 more.
    kept = re.findall(r"(\d+) common words ranked ahead \((\d+) kept anew", said[0])
    assert len(kept) == 1, said
    assert kept[0][0] == kept[0][1], said


def test_serve_migrates_seeds_and_answers(served: str) -> None:
    expulsions = httpx.get(f"{served}/v1/expulsions").json()["items"]
    assert [e["diplomats_count"] for e in expulsions] == [300]
    assert expulsions[0]["citations"][0]["quote"]
    talks = httpx.get(f"{served}/v1/talks").json()["items"]
    assert talks[0]["city"] == "Moscow"
    assert httpx.get(f"{served}/docs").status_code == 200


def _raw(base: str, request: bytes) -> tuple[bytes, Any]:
    """The status line and the JSON body of the answer to `request`, sent as it is (httpx
    refuses a URL this long)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65_536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"\r\ncontent-type: application/problem+json\r\n" in head.lower(), answer
    return head.split(b"\r\n")[0], json.loads(body)


def test_a_request_the_server_cannot_read_is_answered_with_problem_json(served: str) -> None:
    """A URL past what the HTTP parser reads (65,535 bytes) is a 414, a malformed request a
    400, each as problem+json like every other error; a long `q` it reads is the app's 422."""
    read = httpx.get(f"{served}/v1/search", params={"q": "a" * 60_000})
    assert read.status_code == 422, read.text
    for length in (70_000, 100_000):
        url = f"/v1/search?q={'a' * length}"
        status, problem = _raw(served, f"GET {url} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert status.startswith(b"HTTP/1.1 414 "), status
        assert problem["status"] == 414
        assert problem["instance"] == "/v1/search"
        assert f"{len(url):,} bytes" in problem["detail"], problem
    status, problem = _raw(served, b"GET /v1/search?q=kabul HTTP/1.1\r\nHost x\r\n\r\n")
    assert status == b"HTTP/1.1 400 Bad Request", status
    assert problem["status"] == 400


def test_the_server_says_in_its_log_which_common_words_it_keeps(
    new_database: NewDatabase,
) -> None:
    """The app's own log lines show at `LOG_LEVEL=info`, through uvicorn's handler: here the
    keeping of the seed's common words (docs/search.md, "Common words")."""
    port = _free_port()
    environ = os.environ | {
        "DATABASE_URL": new_database(),
        "PORT": str(port),
        "LOG_LEVEL": "info",
        "SEARCH_COMMON_ENTRIES": "10",
        "SEARCH_REFRESH_SECONDS": "0.2",
    }
    process = subprocess.Popen(
        [DIPLO, "serve"], env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in process.stdout or []:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    said, deadline = "", time.monotonic() + 60
    try:
        while "common words" not in said:
            try:
                said = lines.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                pytest.fail("no line about common words in 60 s")
        found = re.fullmatch(
            r"INFO: +(\d+) common words ranked ahead \((\d+) kept anew in [\d.]+ s\): (.+)\n", said
        )
        assert found, said
        words = found[3].removesuffix(", …").split(", ")
        assert int(found[1]) == int(found[2]) > len(words) > 0, said  # more than are shown
        totals = [
            httpx.get(
                f"http://127.0.0.1:{port}/v1/search", params={"q": word, "count": "true"}
            ).json()["total"]
            for word in words
        ]
        # Each is held by at least 10 entries, counting the passages of texts not served (the
        # article's): `nuland` finds 9 hits.
        assert min(totals) > 0, (words, totals)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_db_commands_and_seed_twice(new_database: NewDatabase) -> None:
    url = new_database()
    assert "head" in _diplo(url, "db", "upgrade")
    first = _diplo(url, "seed")
    second = _diplo(url, "seed")
    assert "0 rows inserted" not in first
    assert "0 rows inserted, 0 updated, 0 deleted" in second
    # Below 0007 a measure names its actor: the seed's freeze of the Russian missions names
    # none, so the way down is refused, in words, with nothing changed.
    _refused(_run(url, "db", "downgrade"), "name no actor_country", "Nothing was changed")
    assert "0007" in _diplo(url, "db", "downgrade", "0007")
    assert "head" in _diplo(url, "db", "upgrade")
    empty = new_database()
    assert "head" in _diplo(empty, "db", "upgrade")
    assert "base" in _diplo(empty, "db", "downgrade")


def test_keys_from_the_cli(new_database: NewDatabase) -> None:
    url = new_database()
    _diplo(url, "db", "upgrade")
    created = _diplo(url, "keys", "create", "--name", "ci-editor", "--scope", "write")
    key = created.strip().splitlines()[-1]
    assert key.startswith("dk_")
    listed = _diplo(url, "keys", "list")
    assert "ci-editor" in listed
    assert "write" in listed
    assert "active" in listed
    assert key not in listed
    key_id = listed.split()[0]
    assert "revoked" in _diplo(url, "keys", "revoke", key_id)
    assert "revoked" in _diplo(url, "keys", "list")


def test_restore_from_the_cli(new_database: NewDatabase) -> None:
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app
    from tests.conftest import make_key

    url = new_database()
    _diplo(url, "db", "upgrade")
    _diplo(url, "seed")
    with TestClient(create_app(Settings(database_url=url)), headers=make_key(url, "write")) as api:
        event = api.get("/v1/events").json()["items"][0]
        assert api.delete(f"/v1/events/{event['id']}").status_code == 204
        assert "Restored" in _diplo(url, "restore", "events", str(event["id"]))
        assert api.get(f"/v1/events/{event['id']}").json() == event


# The commands that work on an existing database's records (`import` reads an empty file).
NEED_TABLES = [
    ["keys", "create", "--name", "editor", "--scope", "write"],
    ["keys", "list"],
    ["keys", "revoke", "1"],
    ["restore", "events", "1"],
    ["import", "events", "rows.json"],
    ["db", "downgrade"],
]
SET_UP = "run `diplo db upgrade` (or `make run` in the project folder) first"


def test_from_another_folder_a_missing_database_is_said_and_not_created(tmp_path: Path) -> None:
    (tmp_path / "rows.json").write_text("[]")
    for args in NEED_TABLES:
        result = _run("sqlite:///./data/diplomacy.db", *args, cwd=tmp_path)
        where = f"sqlite:///{tmp_path.resolve() / 'data' / 'diplomacy.db'}"
        _refused(result, f"The database {where} does not exist yet: {SET_UP}")
        assert [path.name for path in tmp_path.iterdir()] == ["rows.json"], args


def test_the_default_database_is_the_project_folders_from_any_folder(tmp_path: Path) -> None:
    default = PROJECT / "data" / "diplomacy.db"
    existed = default.exists()
    result = _run(None, "keys", "list", cwd=tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert default.exists() == existed
    if not existed:  # where `make run` has not made it yet
        _refused(result, f"The database sqlite:///{default} does not exist yet: {SET_UP}")
    else:
        assert result.returncode == 0, result.stderr


def test_a_database_without_the_tables_is_said_so_and_seed_sets_it_up(
    new_database: NewDatabase,
) -> None:
    url = new_database()
    name = str(make_url(url).database)
    if make_url(url).get_backend_name() == "sqlite":
        Path(name).touch()  # an empty SQLite database; PostgreSQL's new one is as empty
    # One command of each kind of check: one that needs the newest schema, and downgrade.
    for args in (NEED_TABLES[0], ["db", "downgrade"]):
        _refused(_run(url, *args), name, f"has no tables yet: {SET_UP}")
    _diplo(url, "db", "upgrade", "0001")
    _refused(
        _run(url, "keys", "list"), name, "schema revision 0001", "run `diplo db upgrade` first"
    )
    # `seed` sets a database up, as `serve` does: it upgrades the schema first.
    assert "rows inserted" in _diplo(url, "seed")
    assert _run(url, "keys", "list").returncode == 0


MIGRATIONS = (PROJECT / "migrations" / "versions").glob("*.py")
REVISIONS = ", ".join(sorted(path.name.split("-")[1][:4] for path in MIGRATIONS))


def test_a_revision_there_is_not_is_said_in_one_line_with_those_there_are(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    assert REVISIONS.startswith("0001, 0002, 0003")
    url = new_database()
    _diplo(url, "db", "upgrade", "0001")
    for args in (["upgrade", "zzz"], ["downgrade", "zzz"], ["upgrade", "0099"]):
        result = _run(url, "db", *args)
        _refused(
            result,
            f"There is no schema revision '{args[1]}'. The revisions are {REVISIONS} ('head' is",
            "; nothing was changed.",
        )
        assert result.stderr.count("\n") == 1, result.stderr
    # What Alembic refuses once it has read the database: said as it says it, in one line.
    beyond = _run(url, "db", "downgrade", "0002")
    _refused(beyond, "Cannot move the schema from 0001 to '0002' (", f"revisions are {REVISIONS}")
    assert beyond.stderr.count("\n") == 1, beyond.stderr
    _refused(_run(url, "keys", "list"), "schema revision 0001")  # still where it was
    # A database not made yet is not made for a revision that does not exist.
    result = _run(f"sqlite:///{tmp_path / 'data' / 'diplomacy.db'}", "db", "upgrade", "zzz")
    _refused(result, "There is no schema revision 'zzz'")
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_database_or_a_wrong_setting_is_said_in_one_line() -> None:
    unreachable = "postgresql+psycopg://diplo:secret@127.0.0.1:1/diplomacy"
    for args in (["keys", "list"], ["db", "upgrade"]):
        result = _run(unreachable, *args, DB_CONNECT_TIMEOUT="1")
        _refused(result, "Cannot use the database postgresql+psycopg://diplo:***@127.0.0.1:1/")
        assert "secret" not in result.stderr


def _wrong_setting(result: subprocess.CompletedProcess[str], *said: str) -> None:
    """A wrong setting: one paragraph saying which and what it takes, exit code 2."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    for words in said:
        assert words in result.stderr, result.stderr


def test_a_wrong_setting_is_said_in_one_paragraph_with_what_it_takes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'diplomacy.db'}"
    for args in (["keys", "list"], ["serve"], ["db", "upgrade"]):
        _wrong_setting(
            _run(url, *args, PORT="eighty"),
            "PORT='eighty' is refused",
            "a whole number from 1 to 65535, default 8000",
        )
    _wrong_setting(
        _run(url, "keys", "list", CORS_ORIGINS='["https://a.example",'),
        "CORS_ORIGINS='[\"https://a.example\",' is refused: not a JSON list",
        "separated by commas",
    )
    _wrong_setting(_run(url, "keys", "list", SEED_ON_START="maybe"), "true or false")
    result = _run("mysql://diplo:secret@localhost/diplomacy", "keys", "list")
    _wrong_setting(result, "DATABASE_URL='mysql://diplo:***@localhost/diplomacy' is refused")
    assert "secret" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was done


def test_every_list_setting_takes_plain_values_separated_by_commas(tmp_path: Path) -> None:
    from app.config import Settings

    lists = [name for name, field in Settings.model_fields.items() if field.annotation == list[str]]
    assert lists
    url = f"sqlite:///{tmp_path / 'diplomacy.db'}"
    for name in lists:
        for value in ("*", "https://a.example, https://b.example", '["https://a.example"]', ""):
            result = _run(url, "keys", "list", cwd=tmp_path, **{name.upper(): value})
            _refused(result, "does not exist yet")  # the settings were read, then the database


@pytest.mark.parametrize(
    "origins",
    [
        "https://a.example,https://b.example",
        " https://a.example , https://b.example ",
        '["https://a.example", "https://b.example"]',
    ],
)
def test_cors_origins_separated_by_commas_or_as_json(tmp_path: Path, origins: str) -> None:
    url = f"sqlite:///{tmp_path / 'diplomacy.db'}"
    with _serving(url, "--no-migrate", SEED_ON_START="false", CORS_ORIGINS=origins) as base:
        for origin, allowed in (
            ("https://a.example", True),
            ("https://b.example", True),
            ("https://c.example", False),
        ):
            answer = httpx.get(f"{base}/healthz", headers={"Origin": origin})
            assert (answer.headers.get("access-control-allow-origin") == origin) is allowed


def test_cors_origins_star_as_plain_text(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'diplomacy.db'}"
    with _serving(url, "--no-migrate", SEED_ON_START="false", CORS_ORIGINS="*") as base:
        answer = httpx.get(f"{base}/healthz", headers={"Origin": "https://c.example"})
        assert answer.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_is_said_with_how_to_choose_another(tmp_path: Path, workers: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        url = f"sqlite:///{tmp_path / 'diplomacy.db'}"
        result = _run(url, "serve", PORT=str(port), WORKERS=workers)
    _refused(
        result,
        f"Cannot serve on 127.0.0.1:{port}: the port is in use",
        f"`PORT={port + 1} diplo serve`",
        f"`PORT={port + 1} make run`",
    )
    assert "Errno" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # said before anything was done


def test_keys_none_yet_revoked_twice_and_unknown(new_database: NewDatabase) -> None:
    url = new_database()
    _diplo(url, "db", "upgrade")
    empty = _run(url, "keys", "list")
    assert empty.returncode == 0
    assert empty.stdout == ""  # a list of no keys, for scripts
    assert "There are no API keys yet. Create one with `diplo keys create" in empty.stderr
    _diplo(url, "keys", "create", "--name", "ci-editor", "--scope", "write")
    key_id = _diplo(url, "keys", "list").split()[0]
    assert _diplo(url, "keys", "revoke", key_id).strip() == (
        f"Key {key_id} (ci-editor) is revoked: it no longer works."
    )
    when = _diplo(url, "keys", "list").strip().split("\trevoked ")[1]
    # Revoked twice: the key stays as it was, and says since when; exit 0, as the API's
    # DELETE /v1/keys/{id} answers 200 (a script may revoke a key twice).
    again = _diplo(url, "keys", "revoke", key_id).strip()
    assert again == f"Key {key_id} (ci-editor) was already revoked, on {when}; nothing changed."
    assert _diplo(url, "keys", "list").strip().endswith(f"\trevoked {when}")
    _refused(
        _run(url, "keys", "revoke", "999"),
        "There is no API key with id 999: `diplo keys list` shows their ids.",
    )


def test_import_takes_every_resource_the_api_imports(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app
    from tests.conftest import seeded

    url = seeded(new_database)
    app = create_app(Settings(database_url=url))
    imported = sorted(
        match[1]
        for path in app.openapi()["paths"]
        if (match := re.fullmatch(r"/v1/([^/]+)/import", path))
    )
    assert "expulsions" in imported
    help_text = _run(url, "import", "--help", COLUMNS="300").stdout
    assert f"one of: {', '.join(imported)}." in help_text
    assert "Example: 'diplo import events events.csv --dry-run'" in help_text
    for api_words in ("curl", "Content-Type"):
        assert api_words not in help_text
    with TestClient(app) as api:
        expulsion = api.get("/v1/expulsions").json()["items"][0]
        (tmp_path / "expulsions.csv").write_bytes(api.get("/v1/expulsions?format=csv").content)
        (tmp_path / "expulsions.json").write_text(
            json.dumps([expulsion | {"diplomats_count": expulsion["diplomats_count"] + 1}])
        )
        exported, changed = str(tmp_path / "expulsions.csv"), str(tmp_path / "expulsions.json")
        assert _diplo(url, "import", "expulsions", exported) == (
            "1 rows: 0 were created, 0 updated, 1 unchanged.\n"
        )
        assert _diplo(url, "import", "expulsions", changed, "--dry-run") == (
            "1 rows: 0 would be created, 1 updated, 0 unchanged.\n"
        )
        assert api.get(f"/v1/expulsions/{expulsion['id']}").json() == expulsion
        assert _diplo(url, "import", "expulsions", changed) == (
            "1 rows: 0 were created, 1 updated, 0 unchanged.\n"
        )
        after = api.get(f"/v1/expulsions/{expulsion['id']}").json()
        assert after["diplomats_count"] == expulsion["diplomats_count"] + 1


def test_import_says_what_is_wrong_with_the_file(new_database: NewDatabase, tmp_path: Path) -> None:
    """About the file and the command, not about curl or the API's problem fields. (A file
    with no records: tests/test_import.py.)"""
    url = new_database()
    _diplo(url, "db", "upgrade")
    files = {
        "events.txt": "[]",
        "broken.json": "[{",
        "events.csv": "ref,kind\nE1,talks\n",
        "one-line.ndjson": '{"ref": "E1"}{"ref": "E2"}',
    }
    said = {}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        said[name] = _run(url, "import", "events", str(tmp_path / name))
    _refused(
        said["events.txt"],
        f"Cannot import {tmp_path / 'events.txt'}: its name's ending tells its format, and must "
        "be one of .json, .ndjson, .jsonl, .csv.",
    )
    _refused(said["broken.json"], f"Cannot import {tmp_path / 'broken.json'}: The JSON could not")
    _refused(said["one-line.ndjson"], "The NDJSON could not be read: ")
    _refused(
        said["events.csv"],
        f"{tmp_path / 'events.csv'}: 1 of 1 rows are invalid, so nothing was imported:\n  row 1: ",
    )
    for result in said.values():
        for api_words in ("curl", "Content-Type", "`errors`"):
            assert api_words not in result.stderr
    unknown = _run(url, "import", "expulsion", str(tmp_path / "events.csv"))
    assert unknown.returncode == 2
    assert "Unknown resource 'expulsion'. It is one of: events, expulsions, " in unknown.stderr
