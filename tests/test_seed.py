"""The seed: every quote is the article's own words, and loading is idempotent."""

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from app.all_models import metadata
from app.config import Settings
from app.db import make_engine, upgrade
from app.loaders.seed import SEED_DIR, SeedError, load_seed, normalize_space, quotes_of, seed_files
from tests.conftest import NewDatabase

LIST_PATHS = [
    "/v1/missions",
    "/v1/headcounts",
    "/v1/measures",
    "/v1/visa-disputes",
    "/v1/talks",
    "/v1/officials",
    "/v1/events",
]


def _article(source_id: int, client: TestClient) -> str:
    ref = client.get(f"/v1/sources/{source_id}").json()["ref"]
    for path in seed_files():
        document = yaml.safe_load(path.read_text())
        if document["source"]["ref"] == ref:
            return normalize_space((path.parent / document["source"]["text"]).read_text())
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


def test_every_quote_served_is_verbatim_in_its_source(client: TestClient) -> None:
    """Walks every record the API serves and finds each quote in the article text."""
    quotes: list[tuple[int, str]] = []
    for path in LIST_PATHS:
        for item in client.get(path, params={"limit": 1000}).json()["items"]:
            quotes += [(c["source_id"], c["quote"]) for c in item["citations"]]
            for change in item.get("status_history", []):
                quotes += [(c["source_id"], c["quote"]) for c in change["citations"]]
            quotes += [(s["source_id"], s["quote"]) for s in item.get("statements", [])]
    assert len(quotes) > 20
    for source_id, quote in quotes:
        assert quote.strip()
        assert normalize_space(quote) in _article(source_id, client), quote


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


def test_seed_refuses_a_quote_the_article_does_not_contain(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    for path in seed_files():
        shutil.copy(path, tmp_path / path.name)
    shutil.copytree(SEED_DIR / "sources", tmp_path / "sources")
    target = sorted(tmp_path.glob("*.yaml"))[0]
    document = yaml.safe_load(target.read_text())
    document["officials"][0]["citations"] = ["a sentence the article never printed"]
    target.write_text(yaml.safe_dump(document))

    url = new_database()
    upgrade(url)
    engine = make_engine(Settings(database_url=url))
    with pytest.raises(SeedError, match="never printed"):
        load_seed(engine, tmp_path)
    with engine.connect() as connection:
        sources = connection.execute(select(metadata.tables["source"])).all()
    engine.dispose()
    assert sources == []


def test_seed_files_quote_only_their_article() -> None:
    for path in seed_files():
        document = yaml.safe_load(path.read_text())
        text = normalize_space((path.parent / document["source"]["text"]).read_text())
        for quote in quotes_of(document):
            assert normalize_space(quote) in text, quote
