"""Every quote is checked against its source's text on every write path and anchored where it
stands: a fabricated quote is a 422 that changes nothing; a real one is served with offsets
that point at exactly its words; a source's text cannot change under its quotes. Through
HTTP, on both databases."""

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import NewDatabase, make_key, seeded

FABRICATED = "Putin ordered the expulsion of 1,000 U.S. diplomats on Wednesday."
# The article's words with typographic marks, a dash and line breaks the text does not have.
TYPOGRAPHIC = "“I cannot say that we have achieved great\n   progress,” Ryabkov commented"
IN_TEXT = '"I cannot say that we have achieved great progress," Ryabkov commented'
TWICE = "Ryabkov said"  # "… Sergei Ryabkov said." and "Ryabkov said the conversation …"
EVENT = {"date": "2021-10-14", "kind": "other", "summary": "A thing.", "countries": ["RU"]}
RESOURCES = (
    "officials",
    "missions",
    "headcounts",
    "measures",
    "expulsions",
    "visa-disputes",
    "talks",
    "events",
)


class Api:
    def __init__(self, client: TestClient, url: str) -> None:
        self.client = client
        self.keys = {scope: make_key(url, scope) for scope in ("read", "write", "admin")}

    def send(self, method: str, path: str, body: Any = None, scope: str = "write") -> Any:
        return self.client.request(method, path, json=body, headers=self.keys[scope])

    def text(self, source_id: int) -> str:
        response = self.client.get(f"/v1/sources/{source_id}/text", headers=self.keys["read"])
        assert response.status_code == 200, response.text
        text: str = response.content.decode("utf-8")
        return text

    def state(self) -> tuple[Any, ...]:
        """What a user can list: every resource's total, and the newest change."""
        totals = tuple(
            self.client.get(f"/v1/{r}", params={"count": "true", "limit": 1}).json()["total"]
            for r in (*RESOURCES, "sources")
        )
        changes = self.send("GET", "/v1/changes", scope="admin").json()
        return totals, changes["items"][-1]["id"] if changes["items"] else None


@pytest.fixture(scope="module")
def api(new_database: NewDatabase) -> Iterator[Api]:
    url = seeded(new_database)
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield Api(client, url)


def words(text: str) -> str:
    """The comparison the API documents: whitespace runs, quotation marks, dashes."""
    text = re.sub("[“”„‟«»″]", '"', re.sub("[‘’‚‛′‹›]", "'", re.sub("[‐‑‒–—―−]", "-", text)))
    return re.sub(r"\s+", " ", text).strip()


def cited(quote: str, source_id: int = 1, **selectors: Any) -> list[dict[str, Any]]:
    return [{"source_id": source_id, "quote": quote, **selectors}]


def event(api: Api, quote: str, **selectors: Any) -> dict[str, Any]:
    response = api.send("POST", "/v1/events", EVENT | {"citations": cited(quote, **selectors)})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def assert_anchored(api: Api, citation: dict[str, Any], texts: dict[int, str]) -> None:
    source_id = citation["source_id"]
    if source_id not in texts:
        source = api.client.get(f"/v1/sources/{source_id}").json()
        texts[source_id] = api.text(source_id) if source["text_url"] else ""
    text = texts[source_id]
    if not text:
        assert citation["verified"] is False
        assert [citation[k] for k in ("start", "end", "prefix", "suffix")] == [None] * 4
        return
    start, end = citation["start"], citation["end"]
    assert citation["verified"] is True, citation
    assert words(text[start:end]) == words(citation["quote"]), citation
    assert citation["prefix"] == text[max(0, start - 32) : start]
    assert citation["suffix"] == text[end : end + 32]


def quotes_served(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from item.get("citations", [])
    yield from item.get("statements", [])
    for change in item.get("status_history", []):
        yield from change["citations"]


def _post_event(api: Api, quote: str) -> Any:
    return api.send("POST", "/v1/events", EVENT | {"citations": cited(quote)})


def _patch_event(api: Api, quote: str) -> Any:
    record = event(api, "Nuland's visit to Moscow this week")
    return api.send("PATCH", f"/v1/events/{record['id']}", {"citations": cited(quote)})


def _import_events(api: Api, quote: str) -> Any:
    rows = [EVENT | {"citations": cited(IN_TEXT)}, EVENT | {"citations": cited(quote)}]
    return api.client.post(
        "/v1/events/import",
        content=orjson.dumps(rows),
        headers={**api.keys["write"], "Content-Type": "application/json"},
    )


def _talks_statement(api: Api, quote: str) -> Any:
    talks = api.client.get("/v1/talks").json()["items"][0]
    statement = {"kind": "direct", "quote": quote, "source_id": 1}
    return api.send("PATCH", f"/v1/talks/{talks['id']}", {"statements": [statement]})


def _status_change(api: Api, quote: str) -> Any:
    mission = api.client.get("/v1/missions").json()["items"][0]
    change = {"status": "suspended", "status_since": "2021-10-13"}
    return api.send(
        "PATCH", f"/v1/missions/{mission['id']}", change | {"status_citations": cited(quote)}
    )


WRITE_PATHS = {
    "POST": (_post_event, ["body", "citations", 0, "quote"]),
    "PATCH": (_patch_event, ["body", "citations", 0, "quote"]),
    "import": (_import_events, ["row", 2, "citations", 0, "quote"]),
    "talks statement": (_talks_statement, ["body", "statements", 0, "quote"]),
    "status change": (_status_change, ["body", "status_citations", 0, "quote"]),
}


@pytest.mark.parametrize("path", WRITE_PATHS)
def test_a_fabricated_quote_is_a_422_on_every_write_path_and_changes_nothing(
    api: Api, path: str
) -> None:
    write, loc = WRITE_PATHS[path]
    before = api.state()
    response = write(api, FABRICATED)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["loc"] == loc
    assert error["type"] == "quote_not_found"
    assert error["input"] == FABRICATED
    assert "not in the text of source 1" in error["msg"]
    # The hint is a passage of the article, as the article has it.
    closest = re.search(r'the closest passage is "(.+)"$', error["msg"], re.S)
    assert closest
    assert closest.group(1) in api.text(1)
    if path == "import":  # the summary names the first bad row's problem
        detail = response.json()["detail"]
        assert "The first: row 2, citations.0.quote: is not in the text of source 1" in detail
    if path == "PATCH":  # the event the test made is all that changed
        return
    assert api.state() == before


def test_a_real_quote_is_anchored_at_exactly_its_words(api: Api) -> None:
    text = api.text(1)
    created = event(api, TYPOGRAPHIC)
    [citation] = created["citations"]
    assert citation["quote"] == TYPOGRAPHIC  # stored as sent
    assert text[citation["start"] : citation["end"]] == IN_TEXT
    assert citation == {
        "source_id": 1,
        "quote": TYPOGRAPHIC,
        "start": text.index(IN_TEXT),
        "end": text.index(IN_TEXT) + len(IN_TEXT),
        "prefix": text[text.index(IN_TEXT) - 32 : text.index(IN_TEXT)],
        "suffix": text[text.index(IN_TEXT) + len(IN_TEXT) :][:32],
        "verified": True,
        "supports": None,
    }
    assert api.client.get(f"/v1/events/{created['id']}").json()["citations"] == [citation]


def test_offsets_count_code_points_not_bytes(api: Api) -> None:
    text = "Кремль: «Посольства» 🇷🇺 — закрыты.\nThe embassies are closed."
    source = api.send("POST", "/v1/sources", {"title": "T", "publisher": "P", "text": text}).json()
    created = event(api, "embassies are closed", source_id=source["id"])
    [citation] = created["citations"]
    assert text[citation["start"] : citation["end"]] == "embassies are closed"
    assert citation["start"] == text.index("embassies")
    # A dash and guillemets typed plainly match the text's typographic ones.
    plain = event(api, 'Кремль: "Посольства" 🇷🇺 - закрыты.', source_id=source["id"])
    assert plain["citations"][0]["start"] == 0
    assert plain["citations"][0]["end"] == text.index("\n")


def test_a_quote_found_twice_must_say_which(api: Api) -> None:
    text = api.text(1)
    starts = [m.start() for m in re.finditer(TWICE, text)]
    assert len(starts) == 2
    response = _post_event(api, TWICE)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["type"] == "quote_ambiguous"
    assert (
        f"occurs 2 times in the text of source 1, starting at {starts[0]}, {starts[1]}"
        in (error["msg"])
    )
    by_start = event(api, TWICE, start=starts[1])
    assert by_start["citations"][0]["start"] == starts[1]
    by_prefix = event(api, TWICE, prefix="Sergei ")
    assert by_prefix["citations"][0]["start"] == starts[0]
    by_suffix = event(api, TWICE, suffix=" the conversation")
    assert by_suffix["citations"][0]["start"] == starts[1]
    # A start where the quote does not begin, or context that fits neither, says which there are.
    for selectors in ({"start": starts[0] + 1}, {"prefix": "Nobody "}):
        response = api.send("POST", "/v1/events", EVENT | {"citations": cited(TWICE, **selectors)})
        assert response.status_code == 422
        assert response.json()["errors"][0]["type"] == "quote_ambiguous"


def test_a_source_without_text_is_cited_unverified(api: Api) -> None:
    source = api.send("POST", "/v1/sources", {"title": "Paywalled", "publisher": "P"}).json()
    created = event(api, FABRICATED, source_id=source["id"], start=3, prefix="x")
    assert created["citations"] == [
        {
            "source_id": source["id"],
            "quote": FABRICATED,
            "start": None,
            "end": None,
            "prefix": None,
            "suffix": None,
            "verified": False,
            "supports": None,
        }
    ]


def test_a_record_read_can_be_written_back(api: Api) -> None:
    created = event(api, IN_TEXT)
    response = api.send("PATCH", f"/v1/events/{created['id']}", {"citations": created["citations"]})
    assert response.status_code == 200, response.text
    assert response.json()["citations"] == created["citations"]
    # A citation read says `end` and `verified`: what a client sends there is worked out anew.
    sent = [created["citations"][0] | {"end": 5, "verified": False}]
    response = api.send("PATCH", f"/v1/events/{created['id']}", {"citations": sent})
    assert response.json()["citations"] == created["citations"]


def test_every_quote_the_api_serves_stands_in_its_source(api: Api) -> None:
    texts: dict[int, str] = {}
    seen = 0
    for resource in RESOURCES:
        items = api.client.get(f"/v1/{resource}", params={"limit": 500}).json()["items"]
        for item in items:
            for quote in quotes_served(item):
                assert_anchored(api, quote, texts)
                seen += 1
    for item in api.client.get("/v1/timeline", params={"limit": 500}).json()["items"]:
        for quote in quotes_served(item):
            assert_anchored(api, quote, texts)
    for fact in api.client.get("/v1/sources/1").json()["facts"]:
        assert_anchored(api, fact, texts)
    assert seen > 30


def test_a_new_text_re_anchors_every_quote_or_is_refused(api: Api) -> None:
    text = "Preamble.\n\nThe embassy in Moscow was closed. The embassy reopened later."
    source = api.send("POST", "/v1/sources", {"title": "T", "publisher": "P", "text": text}).json()
    path = f"/v1/sources/{source['id']}"
    created = event(api, "The embassy reopened", source_id=source["id"])
    # Text added before the quote moves it; the quote follows.
    moved = "A longer preamble.\n\n" + text
    response = api.send("PATCH", path, {"text": moved})
    assert response.status_code == 200, response.text
    [citation] = api.client.get(f"/v1/events/{created['id']}").json()["citations"]
    assert moved[citation["start"] : citation["end"]] == "The embassy reopened"
    assert citation["prefix"] == moved[citation["start"] - 32 : citation["start"]]
    # The event's quote moved: its history says so, as a change by the key that changed the text.
    history = api.client.get(f"/v1/events/{created['id']}/history").json()["items"]
    assert [entry["action"] for entry in history] == ["update", "create"]
    assert history[0]["changed"] == ["citations"]
    assert history[0]["after"]["citations"] == [citation]
    assert history[0]["key_id"] == history[1]["key_id"]  # the write key made both
    # A text without the quote is refused, naming it, and changes nothing.
    before = api.client.get(path).json()
    response = api.send("PATCH", path, {"text": "The embassy in Moscow was closed."})
    assert response.status_code == 409, response.text
    problem = response.json()
    assert f"/v1/events/{created['id']}" in problem["detail"]
    assert problem["quotes"] == [
        {
            "url": f"/v1/events/{created['id']}",
            "quote": "The embassy reopened",
            "why": "is not in the source's text",
        }
    ]
    assert api.client.get(path).json() == before
    # No text at all: its quotes can no longer be checked.
    response = api.send("PATCH", path, {"text": None})
    assert response.status_code == 200, response.text
    [citation] = api.client.get(f"/v1/events/{created['id']}").json()["citations"]
    assert citation["verified"] is False
    assert citation["start"] is None


def test_a_restore_checks_its_quotes_against_the_text_as_it_now_is(api: Api) -> None:
    text = "The consulate in Vladivostok was closed."
    source = api.send("POST", "/v1/sources", {"title": "T", "publisher": "P", "text": text}).json()
    created = event(api, "consulate in Vladivostok", source_id=source["id"])
    assert api.send("DELETE", f"/v1/events/{created['id']}").status_code == 204
    # Nothing cites the source now: its text may change.
    new_text = {"text": "The consulate in Yekaterinburg was closed."}
    assert api.send("PATCH", f"/v1/sources/{source['id']}", new_text).status_code == 200
    response = api.send("POST", f"/v1/events/{created['id']}/restore", scope="admin")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["type"] == "quote_not_found"
    assert api.client.get(f"/v1/events/{created['id']}").status_code == 404


def test_the_comparison_is_the_one_documented(api: Api) -> None:
    """Only whitespace, quotation marks, apostrophes and dashes are normalized."""
    for near_miss in (
        "russia and the united states",  # case
        "Russia and the United States…",  # an ellipsis is not in the text
        "Russia and the United  States failed to make any major progress.",
    ):
        response = _post_event(api, near_miss)
        assert response.status_code == 422, near_miss
    assert unicodedata.normalize("NFC", IN_TEXT) == IN_TEXT


def test_a_long_text_is_searched_as_a_short_one(api: Api) -> None:
    """A text of more than 64k characters is searched through an index: the same answers."""
    lines = [f"Cable {i}: the mission reported {i * 7 % 997} staff." for i in range(3000)]
    repeated = "Nothing was said of the consulates."
    text = "\n".join(
        line + ("\n\n  " + repeated if i % 500 == 7 else "") for i, line in enumerate(lines)
    )
    assert len(text) > 65_536
    source = api.send("POST", "/v1/sources", {"title": "L", "publisher": "P", "text": text})
    assert source.status_code == 201, source.text
    source_id = source.json()["id"]
    for i in (0, 1234, 2999):
        quote = f"Cable {i}: the mission reported {i * 7 % 997} staff."
        [citation] = event(api, quote, source_id=source_id)["citations"]
        assert text[citation["start"] : citation["end"]] == quote
    # Across a line break and indentation: one space in the quote.
    [citation] = event(api, f"staff. {repeated} Cable 8:", source_id=source_id)["citations"]
    assert words(text[citation["start"] : citation["end"]]) == f"staff. {repeated} Cable 8:"
    response = api.send(
        "POST", "/v1/events", EVENT | {"citations": cited(repeated, source_id=source_id)}
    )
    assert response.status_code == 422
    starts = [m.start() for m in re.finditer(re.escape(repeated), text)]
    assert len(starts) == 6
    assert (
        f"occurs 6 times in the text of source {source_id}, starting at {starts[0]}, "
        in (response.json()["errors"][0]["msg"])
    )


def test_a_quote_found_twice_in_a_new_text_follows_the_words_either_side(api: Api) -> None:
    """A quote the new text holds twice follows its old prefix or suffix, where only one of
    the two still fits (the text was rewritten on one side of it)."""
    text = "Old intro. The ambassador was recalled on Monday. The embassy stayed open."
    source = api.send("POST", "/v1/sources", {"title": "T", "publisher": "P", "text": text})
    path = f"/v1/sources/{source.json()['id']}"
    quote = "The ambassador was recalled on Monday."
    created = event(api, quote, source_id=source.json()["id"])
    new = (
        "Completely new intro. The ambassador was recalled on Monday. The embassy stayed open."
        " Appendix: Y. The ambassador was recalled on Monday. Z."
    )
    response = api.send("PATCH", path, {"text": new})
    assert response.status_code == 200, response.text
    [citation] = api.client.get(f"/v1/events/{created['id']}").json()["citations"]
    assert citation["start"] == new.index(quote)
    # Two occurrences, neither with the words that stood either side: refused, saying so.
    twice = f"{quote} The embassy stayed open. {quote} The embassy stayed open."
    response = api.send("PATCH", path, {"text": twice})
    assert response.status_code == 409
    [orphan] = response.json()["quotes"]
    assert "occurs 2 times" in orphan["why"]
    assert "`prefix`/`suffix` fit none of them" in orphan["why"]
    assert "would not stand in one place" in response.json()["detail"]


def test_a_refused_selector_says_what_it_did_not_find(api: Api) -> None:
    text = api.text(1)
    starts = [m.start() for m in re.finditer(TWICE, text)]
    response = api.send(
        "POST", "/v1/events", EVENT | {"citations": cited(TWICE, start=starts[0] + 1)}
    )
    assert (
        f"(`start` {starts[0] + 1} is not where it begins)" in (response.json()["errors"][0]["msg"])
    )
    response = api.send("POST", "/v1/events", EVENT | {"citations": cited(TWICE, prefix="Nobody")})
    assert "(`prefix`/`suffix` fit none of them)" in response.json()["errors"][0]["msg"]
