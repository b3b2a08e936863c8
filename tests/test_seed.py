"""The seed: every quote is the article's own words, and loading is idempotent.

What counts as "in the article" is worked out here (whitespace collapsed by the test itself,
the article read from seed/sources/), not with the loader's own helpers: a test that asks the
code under test what to expect cannot catch that code skipping a quote."""

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from app.all_models import metadata
from app.config import Settings
from app.db import make_engine, upgrade
from app.loaders.seed import SEED_DIR, SeedError, load_seed, seed_files
from app.main import create_app
from tests.conftest import NewDatabase

SEED = Path(__file__).resolve().parents[1] / "seed"

LIST_PATHS = [
    "/v1/missions",
    "/v1/headcounts",
    "/v1/measures",
    "/v1/visa-disputes",
    "/v1/talks",
    "/v1/officials",
    "/v1/events",
]


def _words(text: str) -> str:
    """Text with every run of whitespace (line breaks included) made one space."""
    return " ".join(text.split())


def _seed_documents() -> list[dict[str, Any]]:
    return [
        yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(SEED.glob("*.yaml"))
    ]


def _article(source_id: int, client: TestClient) -> str:
    """The text of a source, as shipped in seed/sources/, found by the source's ref."""
    ref = client.get(f"/v1/sources/{source_id}").json()["ref"]
    for path in sorted(SEED.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if document["source"]["ref"] == ref:
            text = (path.parent / document["source"]["text"]).read_text(encoding="utf-8")
            return _words(text)
    raise AssertionError(f"no seed file for source {ref}")


def _snapshot(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(select(table)).all()), key=repr)
            for name, table in metadata.tables.items()
        }


def test_seed_sources_ship_with_the_project() -> None:
    files = seed_files()
    assert files, "no seed files"
    for path in files:
        document = yaml.safe_load(path.read_text())
        text_path = (path.parent / document["source"]["text"]).resolve()
        assert text_path.is_relative_to(SEED_DIR / "sources")
        assert text_path.read_text().strip()


def _served_quotes(client: TestClient) -> dict[str, list[tuple[int, str]]]:
    """Every quote the API serves, by where it was found: each record's citations, a mission's
    status changes' citations, talks' statements, and each source's list of facts."""
    quotes: dict[str, list[tuple[int, str]]] = {}
    for path in LIST_PATHS:
        for item in client.get(path, params={"limit": 1000}).json()["items"]:
            where = f"{path}/{item['id']}"
            found = [(c["source_id"], c["quote"]) for c in item["citations"]]
            for change in item.get("status_history", []):
                found += [(c["source_id"], c["quote"]) for c in change["citations"]]
            quotes[where] = found
            if "statements" in item:
                quotes[f"{where} statements"] = [
                    (s["source_id"], s["quote"]) for s in item["statements"]
                ]
    for source in client.get("/v1/sources", params={"limit": 1000}).json()["items"]:
        facts = client.get(f"/v1/sources/{source['id']}").json()["facts"]
        quotes[f"/v1/sources/{source['id']} facts"] = [(source["id"], f["quote"]) for f in facts]
    return quotes


def test_every_quote_served_is_verbatim_in_its_source(client: TestClient) -> None:
    """Walks every record the API serves and finds each quote in the article text."""
    quotes = _served_quotes(client)
    assert sum(map(len, quotes.values())) > 20
    # The talks' statements are quotes too: all of the seed files' are served.
    statements = sum(len(q) for where, q in quotes.items() if where.endswith("statements"))
    in_files = sum(
        len(talks.get("statements", []))
        for document in _seed_documents()
        for talks in document.get("talks", [])
    )
    assert statements == in_files > 0
    for where, found in quotes.items():
        for source_id, quote in found:
            assert quote.strip(), where
            assert _words(quote) in _article(source_id, client), (where, quote)


def test_every_record_is_cited(client: TestClient) -> None:
    for path in LIST_PATHS:
        for item in client.get(path, params={"limit": 1000}).json()["items"]:
            assert item["citations"], f"{path}/{item['id']} has no citation"


def test_source_lists_every_fact_it_supports(client: TestClient) -> None:
    source = client.get("/v1/sources/1").json()
    cited = {(f["url"], f["quote"]) for f in source["facts"]}
    for path in LIST_PATHS:
        for item in client.get(path, params={"limit": 1000}).json()["items"]:
            for citation in item["citations"]:
                assert (f"{path}/{item['id']}", citation["quote"]) in cited
    for fact in source["facts"]:
        assert client.get(fact["url"]).status_code == 200


def test_second_run_changes_nothing(new_database: NewDatabase) -> None:
    url = new_database()
    upgrade(url)
    engine = make_engine(Settings(database_url=url))
    first = load_seed(engine)
    before = _snapshot(engine)
    second = load_seed(engine)
    after = _snapshot(engine)
    engine.dispose()
    assert first.inserted > 0
    assert second.changed == 0
    assert before == after


def test_a_database_seeded_with_one_freeze_gains_the_other(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    """The seed once recorded the freeze Moscow does not rule out as one measure (RU -> US). A
    database seeded then and seeded again now keeps that record (same id, matched by its ref)
    and gains the freeze of the Russian missions; nothing else changes."""
    shutil.copytree(SEED_DIR, tmp_path / "seed")
    [path] = (tmp_path / "seed").glob("*.yaml")
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["measures"] = [
        m
        for m in document["measures"]
        if m["ref"] != "moscow-does-not-rule-out-freezing-russian-missions"
    ]
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    url = new_database()
    upgrade(url)
    engine = make_engine(Settings(database_url=url))
    load_seed(engine, tmp_path / "seed")
    with TestClient(create_app(Settings(database_url=url))) as client:
        [before] = client.get("/v1/measures", params={"kind": "freeze"}).json()["items"]
        others = {
            path: client.get(path).json()["items"] for path in LIST_PATHS if "measures" not in path
        }
        load_seed(engine)
    # Another worker's reads: the first one kept its answers until it reads the seed's changes
    # (docs/live.md, "Response cache").
    with TestClient(create_app(Settings(database_url=url))) as client:
        freezes = client.get("/v1/measures", params={"kind": "freeze"}).json()["items"]
        assert [f["id"] for f in freezes][:1] == [before["id"]]
        assert sorted((f["target_country"], f["actor_country"]) for f in freezes) == [
            ("RU", None),
            ("US", "RU"),
        ]
        assert {path: client.get(path).json()["items"] for path in others} == others
    engine.dispose()


def _bad_official_citation(document: dict[str, Any]) -> str:
    document["officials"][0]["citations"] = ["a sentence the article never printed"]
    return "a sentence the article never printed"


def _bad_statement(document: dict[str, Any]) -> str:
    # One word changed in a direct quote: the article has "great progress", not "any".
    statement = document["talks"][0]["statements"][0]
    assert statement["quote"] == "I cannot say that we have achieved great progress"
    statement["quote"] = quote = "I cannot say that we have achieved any progress"
    return quote


def _bad_status_citation(document: dict[str, Any]) -> str:
    document["missions"][0]["status_history"][0]["citations"] = ["the embassy was closed"]
    return "the embassy was closed"


@pytest.mark.parametrize(
    "spoil",
    [_bad_official_citation, _bad_statement, _bad_status_citation],
    ids=["citation", "talks statement", "status change citation"],
)
def test_seed_refuses_a_quote_the_article_does_not_contain(
    new_database: NewDatabase, tmp_path: Path, spoil: Callable[[dict[str, Any]], str]
) -> None:
    """A copy of the seed folder with one quote spoiled is refused whole: nothing is loaded."""
    for path in seed_files():
        shutil.copy(path, tmp_path / path.name)
    shutil.copytree(SEED_DIR / "sources", tmp_path / "sources")
    target = sorted(tmp_path.glob("*.yaml"))[0]
    document = yaml.safe_load(target.read_text())
    quote = spoil(document)
    assert _words(quote) not in _words((tmp_path / document["source"]["text"]).read_text())
    target.write_text(yaml.safe_dump(document))

    url = new_database()
    upgrade(url)
    engine = make_engine(Settings(database_url=url))
    with pytest.raises(SeedError, match=re.escape(quote)):
        load_seed(engine, tmp_path)
    with engine.connect() as connection:
        sources = connection.execute(select(metadata.tables["source"])).all()
    engine.dispose()
    assert sources == []


def _quotes_in(data: Any) -> list[str]:
    """Every quote a seed document holds: the strings under `citations`, and `quote` fields
    (talks' statements)."""
    if isinstance(data, list):
        return [quote for item in data for quote in _quotes_in(item)]
    if not isinstance(data, dict):
        return []
    found = list(data.get("citations", []))
    if "quote" in data:
        found.append(data["quote"])
    for key, value in data.items():
        if key != "citations":
            found += _quotes_in(value)
    return found


def test_seed_files_quote_only_their_article() -> None:
    for path in sorted(SEED.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        text = _words((path.parent / document["source"]["text"]).read_text(encoding="utf-8"))
        quotes = _quotes_in(document)
        statements = [
            s["quote"] for t in document.get("talks", []) for s in t.get("statements", [])
        ]
        assert set(statements) <= set(quotes)
        for quote in quotes:
            assert _words(quote) in text, (path.name, quote)
