"""Sources hold their documents: the seed's report has the article's text, every source says
what it is, under which licence, and serves its text as stored (media type, ETag, ranges) to
whom the licence allows. Through HTTP, on both databases."""

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.loaders.seed import SEED_DIR
from app.main import create_app
from tests.conftest import NewDatabase, make_key, seeded

ARTICLE = SEED_DIR / "sources" / "reuters-2021-10-12-embassy-rows.txt"
# A text with characters of 2, 3 and 4 bytes in UTF-8, and a CSV's line ends.
TEXT = "Кремль, 12 октября — «Посольства»: 10 € … 🇷🇺\r\nname,count\r\nRU,455\r\n"


class Api:
    """The module's own seeded database, read anonymously or with a key of each scope."""

    def __init__(self, client: TestClient, url: str) -> None:
        self.client = client
        self.keys = {scope: make_key(url, scope) for scope in ("read", "write", "admin")}

    def get(self, path: str, scope: str | None = None, **headers: str) -> Any:
        return self.client.get(path, headers={**self.keys.get(scope or "", {}), **headers})

    def post(self, path: str, body: Any, scope: str = "write") -> Any:
        return self.client.post(path, json=body, headers=self.keys[scope])

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(path, json=body, headers=self.keys["write"])

    def create(self, **fields: Any) -> dict[str, Any]:
        response = self.post("/v1/sources", {"title": "A report", "publisher": "Wire", **fields})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def total(self) -> int:
        listed = self.get("/v1/sources?count=true&limit=1").json()
        count: int = listed["total"]
        return count


@pytest.fixture(scope="module")
def api(new_database: NewDatabase) -> Iterator[Api]:
    url = seeded(new_database)
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield Api(client, url)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_seed_report_holds_the_articles_text(api: Api) -> None:
    article = ARTICLE.read_bytes()
    source = api.get("/v1/sources/1").json()
    assert source["ref"] == "reuters-2021-10-12-embassy-rows"
    assert source["kind"] == "news_report"
    assert source["licence"] is None  # Reuters' terms are not known to be an open licence
    assert source["text_public"] is False
    assert source["media_type"] == "text/plain"
    assert source["sha256"] == sha256(article)
    assert source["text_length"] == len(article.decode("utf-8"))
    assert source["text_url"] == "/v1/sources/1/text"
    assert (source["published_on"], source["date_precision"]) == ("2021-10-12", "day")
    # A list item says the same, and never carries the text itself.
    [item] = [i for i in api.get("/v1/sources").json()["items"] if i["id"] == 1]
    assert item == {key: value for key, value in source.items() if key != "facts"}
    assert "text" not in item


def test_a_text_whose_licence_is_unknown_needs_a_read_key(api: Api) -> None:
    anonymous = api.get("/v1/sources/1/text")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert 'scope="read"' in anonymous.headers["www-authenticate"]
    unknown_key = api.get("/v1/sources/1/text", Authorization="Bearer dk_000000000000_nope")
    assert unknown_key.status_code == 401

    article = ARTICLE.read_bytes()
    for scope in ("read", "write", "admin"):
        served = api.get("/v1/sources/1/text", scope)
        assert served.status_code == 200, scope
        assert served.content == article
        assert served.headers["content-type"] == "text/plain; charset=utf-8"
        assert served.headers["etag"] == f'"{sha256(article)}"'
        assert served.headers["accept-ranges"] == "bytes"
        assert served.headers["cache-control"].startswith("private")


def test_the_text_comes_in_byte_ranges(api: Api) -> None:
    article = ARTICLE.read_bytes()
    size = len(article)
    first = api.get("/v1/sources/1/text", "read", Range="bytes=0-9")
    assert first.status_code == 206
    assert first.content == article[:10]
    assert first.headers["content-range"] == f"bytes 0-9/{size}"
    assert first.headers["content-type"] == "text/plain; charset=utf-8"
    last = api.get("/v1/sources/1/text", "read", Range="bytes=-25")
    assert (last.status_code, last.content) == (206, article[-25:])
    middle = api.get("/v1/sources/1/text", "read", Range=f"bytes=100-{size + 50}")
    assert (middle.status_code, middle.content) == (206, article[100:])
    assert middle.headers["content-range"] == f"bytes 100-{size - 1}/{size}"

    past = api.get("/v1/sources/1/text", "read", Range=f"bytes={size}-")
    assert past.status_code == 416
    assert past.headers["content-type"] == "application/problem+json"
    assert past.headers["content-range"] == f"bytes */{size}"
    # A range of another version of the text (If-Range) is the whole text, as it is now.
    stale = api.get("/v1/sources/1/text", "read", Range="bytes=0-9", **{"If-Range": '"other"'})
    assert (stale.status_code, stale.content) == (200, article)
    # Nor does a range open the text to anyone.
    assert api.get("/v1/sources/1/text", Range="bytes=0-9").status_code == 401


def test_the_texts_etag_is_its_sha256_and_answers_if_none_match(api: Api) -> None:
    etag = f'"{sha256(ARTICLE.read_bytes())}"'
    unchanged = api.get("/v1/sources/1/text", "read", **{"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    assert api.get("/v1/sources/1/text", "read", **{"If-None-Match": '"x"'}).status_code == 200


def test_an_openly_licensed_text_is_public(api: Api) -> None:
    source = api.create(licence="cc-by-4.0", text=TEXT, media_type="text/csv", kind="dataset")
    assert source["licence"] == "CC-BY-4.0"  # as the SPDX list spells it
    assert source["text_public"] is True
    assert source["sha256"] == sha256(TEXT.encode("utf-8"))
    assert source["text_length"] == len(TEXT)
    served = api.get(source["text_url"])
    assert served.status_code == 200
    assert served.content == TEXT.encode("utf-8")  # as stored: line ends and all
    assert served.headers["content-type"] == "text/csv; charset=utf-8"
    assert served.headers["cache-control"].startswith("public")
    # Byte ranges are of the UTF-8 bytes: 'К' is two of them.
    assert api.get(source["text_url"], Range="bytes=0-1").content == "К".encode()

    for closed in ("CC-BY-NC-4.0", "CC-BY-ND-4.0", "GPL-3.0-only"):
        other = api.create(licence=closed, text=TEXT)
        assert other["text_public"] is False, closed
        assert api.get(other["text_url"]).status_code == 401, closed
    for open_licence in ("CC0-1.0", "CC-BY-SA-4.0", "ODbL-1.0", "OGL-UK-3.0", "PDDL-1.0"):
        assert api.create(licence=open_licence, text=TEXT)["text_public"] is True, open_licence


def test_a_source_without_a_text_has_none_to_serve(api: Api) -> None:
    paywalled = api.create(url="https://example.org/paywalled", licence="CC-BY-4.0")
    assert paywalled["sha256"] is None
    assert paywalled["text_length"] is None
    assert paywalled["media_type"] is None
    assert paywalled["text_url"] is None
    for scope in (None, "read"):
        missing = api.get(f"/v1/sources/{paywalled['id']}/text", scope)
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert "has no text" in missing.json()["detail"]
    nothing = api.get("/v1/sources/424242/text", "read")
    assert nothing.status_code == 404
    assert "No source with id 424242" in nothing.json()["detail"]


def test_published_on_may_be_unknown_and_has_a_precision(api: Api) -> None:
    undated = api.create(kind="web_page")
    assert (undated["published_on"], undated["date_precision"]) == (None, None)
    dated = api.create(published_on="2021-10-12")
    assert dated["date_precision"] == "day"
    monthly = api.create(published_on="2021-10-01", date_precision="month")
    assert monthly["date_precision"] == "month"
    before = api.total()
    refused = api.post("/v1/sources", {"title": "T", "publisher": "P", "date_precision": "year"})
    assert refused.status_code == 422
    assert "published_on is null" in refused.json()["detail"]
    assert api.total() == before
    # Clearing the date clears its precision with it.
    cleared = api.patch(f"/v1/sources/{monthly['id']}", {"published_on": None})
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["published_on"], cleared.json()["date_precision"]) == (None, None)
    # Sorted by date, the undated come last.
    dates = [
        s["published_on"]
        for s in api.get("/v1/sources?sort=published_on&limit=1000").json()["items"]
    ]
    assert dates.index(None) > 0
    assert set(dates[dates.index(None) :]) == {None}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"licence": "MIT OR Apache-2.0"}, "licence"),
        ({"licence": "Made-Up-1.0"}, "licence"),
        ({"licence": "LicenseRef-reuters"}, "licence"),
        ({"kind": "tweet"}, "kind"),
        ({"text": ""}, "text"),
        ({"text": "words", "media_type": "image/png"}, "media_type"),
        ({"text": "words", "media_type": "text/plain; charset=latin1"}, "media_type"),
        ({"text": "words", "sha256": "0" * 64}, None),  # not the text's own hash
        ({"sha256": "0" * 64}, "sha256"),  # names no stored text
        ({"sha256": "not-a-hash"}, "sha256"),
        ({"media_type": "text/plain", "text": None}, None),  # a media type, no text
        ({"text": "a\x00b"}, "text"),
        ({"retrieved_on": "yesterday"}, "retrieved_on"),
    ],
)
def test_bad_source_fields_are_422_and_write_nothing(
    api: Api, fields: dict[str, Any], field: str | None
) -> None:
    before = api.total()
    body = {"title": "T", "publisher": "P", **fields}
    for response in (
        api.post("/v1/sources", body),
        api.patch("/v1/sources/1", fields),
        api.client.post("/v1/sources/import", json=[body], headers=api.keys["write"]),
    ):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        if field is not None:
            assert field in {str(e["loc"][-1]) for e in response.json()["errors"]}
    assert api.total() == before
    assert api.get("/v1/sources/1").json()["sha256"] == sha256(ARTICLE.read_bytes())


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"licence": "Made-Up-1.0"}, "unknown_licence"),
        ({"licence": "LicenseRef-reuters"}, "unknown_licence"),
        ({"text": "words", "sha256": "0" * 64}, "sha256_mismatch"),
        ({"media_type": "text/csv"}, "media_type_without_text"),
        ({"sha256": "0" * 64}, "not_found"),
    ],
)
def test_what_no_schema_can_say_has_a_422_type_of_its_own(
    api: Api, fields: dict[str, Any], kind: str
) -> None:
    """The schema gives a licence's shape, a hash's and a media type's, and that a media type
    needs a text; which ids the SPDX list has, whether a hash is the text's, and which texts
    are stored it cannot: each of those refusals is typed (docs/design.md)."""
    refused = api.post("/v1/sources", {"title": "T", "publisher": "P", **fields})
    assert refused.status_code == 422, refused.text
    assert [e["type"] for e in refused.json()["errors"]] == [kind]
    if kind == "media_type_without_text":  # the schema says it: an if/then on the body
        schema = api.get("/openapi.json").json()["components"]["schemas"]["SourceCreate"]
        assert {"media_type"} == {
            name for rule in schema["allOf"] for name in rule["if"]["required"]
        } - {"date_precision"}


def test_every_write_hashes_the_text_anew(api: Api) -> None:
    source = api.create(text="first words", licence="CC0-1.0")
    old_etag = api.get(source["text_url"]).headers["etag"]
    path = f"/v1/sources/{source['id']}"

    renamed = api.patch(path, {"title": "Renamed"}).json()
    assert renamed["sha256"] == sha256(b"first words")  # the text stays

    changed = api.patch(path, {"text": "second words, longer"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["sha256"] == sha256(b"second words, longer")
    assert changed.json()["text_length"] == len("second words, longer")
    served = api.get(source["text_url"], **{"If-None-Match": old_etag})
    assert (served.status_code, served.content) == (200, b"second words, longer")

    imported = api.client.post(
        "/v1/sources/import",
        json=[
            {
                "id": source["id"],
                "title": "Renamed",
                "publisher": "Wire",
                "licence": "CC0-1.0",
                "text": "third",
            }
        ],
        headers=api.keys["write"],
    )
    assert imported.status_code == 200, imported.text
    assert api.get(path).json()["sha256"] == sha256(b"third")
    assert api.get(source["text_url"]).content == b"third"

    removed = api.patch(path, {"text": None})
    assert removed.status_code == 200, removed.text
    assert (removed.json()["sha256"], removed.json()["media_type"]) == (None, None)
    assert api.get(source["text_url"]).status_code == 404
    # The change history shows the hashes, never the text.
    history = api.get(f"{path}/history").json()["items"]
    assert [c["after"].get("sha256") for c in history][:2] == [None, sha256(b"third")]
    assert "third" not in str(history)


def test_a_text_sent_again_by_its_hash_is_the_same_text(api: Api) -> None:
    article = ARTICLE.read_bytes()
    again = api.create(sha256=sha256(article).upper())
    assert again["sha256"] == sha256(article)
    assert again["text_length"] == len(article.decode("utf-8"))
    assert api.get(again["text_url"], "read").content == article
    with_text = api.create(text=TEXT, sha256=sha256(TEXT.encode("utf-8")))
    assert with_text["sha256"] == sha256(TEXT.encode("utf-8"))


def test_an_export_imported_back_keeps_every_text(api: Api) -> None:
    """A CSV export has no text column: its `sha256` names the text, so an edited export
    imported back changes what was edited and keeps the texts."""
    source = api.create(ref="export-with-text", text=TEXT, media_type="text/csv")
    exported = api.get("/v1/sources?format=csv").text
    rows = list(csv.DictReader(io.StringIO(exported, newline="")))
    assert "text" not in rows[0]
    mine = next(row for row in rows if row["ref"] == "export-with-text")
    assert mine["sha256"] == sha256(TEXT.encode("utf-8"))
    mine["title"] = "Edited in a spreadsheet"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    report = api.client.post(
        "/v1/sources/import",
        content=out.getvalue().encode(),
        headers={**api.keys["write"], "Content-Type": "text/csv"},
    )
    assert report.status_code == 200, report.text
    assert report.json()["updated"] == 1
    after = api.get(f"/v1/sources/{source['id']}").json()
    assert after["title"] == "Edited in a spreadsheet"
    assert after["sha256"] == source["sha256"]
    assert api.get(after["text_url"], "read").content == TEXT.encode("utf-8")
    assert api.get("/v1/sources/1/text", "read").content == ARTICLE.read_bytes()


def test_a_restored_source_has_its_text_again(api: Api) -> None:
    source = api.create(text=TEXT, licence="CC-BY-4.0", kind="dataset", media_type="text/csv")
    path = f"/v1/sources/{source['id']}"
    served = api.get(path).json()
    assert api.client.delete(path, headers=api.keys["write"]).status_code == 204
    assert api.get(source["text_url"]).status_code == 404
    restored = api.post(f"{path}/restore", None, "admin")
    assert restored.status_code == 201, restored.text
    assert restored.json() == served
    assert api.get(source["text_url"]).content == TEXT.encode("utf-8")


def test_sources_are_listed_by_kind(api: Api) -> None:
    reports = api.get("/v1/sources?kind=news_report&limit=1000").json()["items"]
    assert [s["ref"] for s in reports] == ["reuters-2021-10-12-embassy-rows"]
    refused = api.get("/v1/sources?kind=tweet")
    assert refused.status_code == 422


@pytest.mark.parametrize("field", ["text", "title"])
def test_a_lone_surrogate_is_a_422_that_shows_it(api: Api, field: str) -> None:
    """JSON can write a lone UTF-16 surrogate (`\\ud800`), which no UTF-8 text holds: a 422 on
    the field, showing the value as it was sent, and nothing written (not a 500)."""
    before = api.total()
    body = {"title": "T", "publisher": "P", "text": "words"}
    raw = json.dumps(body).replace(json.dumps(body[field]), '"a \\ud800 b"').encode()
    response = api.client.post(
        "/v1/sources",
        content=raw,
        headers={**api.keys["write"], "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", field]
    assert error.get("input", "a \ud800 b") == "a \ud800 b"  # shown as sent, where shown
    patched = api.client.patch(
        "/v1/sources/1",
        content=raw,
        headers={**api.keys["write"], "Content-Type": "application/json"},
    )
    assert patched.status_code == 422, patched.text
    imported = api.client.post(
        "/v1/sources/import",
        content=b"[" + raw + b"]",
        headers={**api.keys["write"], "Content-Type": "application/json"},
    )
    assert imported.status_code in (400, 422), imported.text
    assert api.total() == before
    assert api.get("/v1/sources/1").json()["sha256"] == sha256(ARTICLE.read_bytes())
