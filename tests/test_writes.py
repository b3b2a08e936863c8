"""Writing facts through the API: validated, atomic, referentially safe, on both databases."""

from collections.abc import Callable
from typing import Any, cast
from urllib.parse import parse_qsl

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_key, said

CITE = [{"source_id": 1, "quote": "the number of diplomats they can post to each other's capitals"}]
SAID = "I cannot say that we have achieved great progress"  # Ryabkov, in the seed's article


@pytest.fixture(scope="module")
def api(own_api: TestClient) -> TestClient:
    """A seeded database of this module's own, which its tests may change."""
    return own_api


def new(resource: str, **changes: Any) -> dict[str, Any]:
    """A valid body for each resource, with `changes` applied."""
    bodies: dict[str, dict[str, Any]] = {
        "missions": {
            "sending_country": "RU",
            "host_country": "US",
            "kind": "consulate_general",
            "city": "Seattle",
            "status": "operating",
            "citations": CITE,
        },
        "headcounts": {
            "sending_country": "RU",
            "host_country": "US",
            "as_of": "2021-10-12",
            "category": "diplomatic",
            "kind": "cap",
            "count": 455,
            "citations": CITE,
        },
        "measures": {
            "kind": "staff_cap",
            "stage": "proposed",
            "actor_country": "US",
            "target_country": "RU",
            "citations": CITE,
        },
        "expulsions": {
            "stage": "ordered",
            "actor_country": "RU",
            "target_country": "US",
            "diplomats_count": 10,
            "date": "2021-10-20",
            "date_precision": "day",
            "citations": CITE,
        },
        "visa-disputes": {
            "country_a": "RU",
            "country_b": "GB",
            "title": "Visa row",
            "status": "open",
            "issues": ["visas"],
            "citations": CITE,
        },
        "talks": {
            "date": "2021-11-01",
            "outcome": "unknown",
            "city": "Geneva",
            "host_country": "CH",
            "citations": CITE,
        },
        "officials": {
            "name": "A. Diplomat",
            "country": "GB",
            "title": "Ambassador",
            "citations": CITE,
        },
        "events": {
            "date": "2021-10-13",
            "kind": "other",
            "summary": "Something happened.",
            "countries": ["RU"],
            "citations": CITE,
        },
        "sources": {"title": "A report", "publisher": "Wire", "published_on": "2021-10-13"},
    }
    return {**bodies[resource], **changes}


def total(api: TestClient, kind: str) -> int:
    count: int = api.get(f"/v1/{kind}", params={"count": "true", "limit": 1}).json()["total"]
    return count


def create(api: TestClient, resource: str, **changes: Any) -> dict[str, Any]:
    response = api.post(f"/v1/{resource}", json=new(resource, **changes))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


KINDS = [
    "missions",
    "headcounts",
    "measures",
    "expulsions",
    "visa-disputes",
    "talks",
    "officials",
    "events",
    "sources",
]


@pytest.mark.parametrize("kind", KINDS)
def test_create_read_update_delete(api: TestClient, kind: str) -> None:
    before = total(api, kind)
    created = api.post(f"/v1/{kind}", json=new(kind))
    assert created.status_code == 201, created.text
    record = created.json()
    assert created.headers["location"] == f"/v1/{kind}/{record['id']}"
    assert (
        api.get(created.headers["location"]).json() | record
        == api.get(created.headers["location"]).json()
    )
    assert total(api, kind) == before + 1
    if "citations" in record:
        assert said(record["citations"]) == CITE

    changed = api.patch(f"/v1/{kind}/{record['id']}", json={"ref": f"{kind}-renamed"})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**record, "ref": f"{kind}-renamed"}

    assert api.delete(f"/v1/{kind}/{record['id']}").status_code == 204
    assert api.get(f"/v1/{kind}/{record['id']}").status_code == 404
    assert api.delete(f"/v1/{kind}/{record['id']}").status_code == 404
    assert total(api, kind) == before


@pytest.mark.parametrize(
    ("kind", "changes", "bad_fields"),
    [
        ("missions", {"sending_country": "XX", "kind": "palace"}, ["sending_country", "kind"]),
        ("missions", {"status": "rumoured", "citations": []}, ["status", "citations"]),
        ("headcounts", {"count": -1, "category": "spies"}, ["count", "category"]),
        ("headcounts", {"count": True}, ["count"]),
        ("headcounts", {"mission_id": 424242}, ["mission_id"]),
        ("measures", {"date_precision": "week"}, []),  # precision without a date
        ("measures", {"in_response_to": 424242}, ["in_response_to"]),
        (
            "measures",
            {"citations": [{"source_id": 424242, "quote": "x"}]},
            ["citations.0.source_id"],
        ),
        ("measures", {"citations": [{"source_id": 1, "quote": "   "}]}, ["citations.0.quote"]),
        ("expulsions", {"kind": "freeze"}, ["kind"]),
        ("visa-disputes", {"country_b": "RU"}, []),  # both sides the same state
        ("visa-disputes", {"issues": ["weather"]}, ["issues.0"]),
        ("visa-disputes", {"next_round": {"planned": 0, "date": None}}, ["next_round.planned"]),
        # PostgreSQL cannot store NUL characters; both databases refuse them alike.
        ("events", {"summary": "a\x00b"}, ["summary"]),
        ("events", {"citations": [{"source_id": 1, "quote": "\x00"}]}, ["citations.0.quote"]),
        ("talks", {"dispute_id": 424242}, ["dispute_id"]),
        (
            "talks",
            {"statements": [{"kind": "direct", "quote": "q", "source_id": 424242}]},
            ["statements.0.source_id"],
        ),
        ("officials", {"colour": "blue"}, ["colour"]),
        ("events", {"countries": []}, ["countries"]),
        ("sources", {"url": "javascript:alert(1)"}, ["url"]),
        # A day is YYYY-MM-DD, not a Unix time (pydantic alone would take 0 as 1970-01-01).
        ("events", {"date": 0}, ["date"]),
        ("headcounts", {"as_of": 1634000000}, ["as_of"]),
        ("sources", {"published_on": "0"}, ["published_on"]),
    ],
)
def test_bad_input_is_a_422_per_field_and_writes_nothing(
    api: TestClient, kind: str, changes: dict[str, Any], bad_fields: list[str]
) -> None:
    before = total(api, kind)
    response = api.post(f"/v1/{kind}", json=new(kind, **changes))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    reported = {".".join(str(p) for p in e["loc"][1:]) for e in problem["errors"]}
    assert set(bad_fields) <= reported, problem
    assert all(e["loc"][0] == "body" for e in problem["errors"])
    assert total(api, kind) == before


def test_duplicate_ref_is_a_409(api: TestClient) -> None:
    create(api, "officials", ref="dup-official")
    before = total(api, "officials")
    response = api.post("/v1/officials", json=new("officials", ref="dup-official"))
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert total(api, "officials") == before


def test_deleting_a_referenced_record_is_a_409_naming_the_referrers(api: TestClient) -> None:
    mission = create(api, "missions")
    headcount = create(api, "headcounts", mission_id=mission["id"])
    response = api.delete(f"/v1/missions/{mission['id']}")
    assert response.status_code == 409
    assert f"/v1/headcounts/{headcount['id']}" in response.json()["detail"]
    assert api.get(f"/v1/missions/{mission['id']}").json() == mission
    # Once nothing points at it, it goes, and so do its citations.
    assert api.delete(f"/v1/headcounts/{headcount['id']}").status_code == 204
    assert api.delete(f"/v1/missions/{mission['id']}").status_code == 204
    facts = api.get("/v1/sources/1").json()["facts"]
    assert f"/v1/missions/{mission['id']}" not in {fact["url"] for fact in facts}


def test_the_seed_source_cannot_be_deleted_from_under_its_facts(api: TestClient) -> None:
    response = api.delete("/v1/sources/1")
    assert response.status_code == 409
    assert "/v1/talks/" in response.json()["detail"]
    assert api.get("/v1/sources/1").status_code == 200


def test_patch_changes_only_what_it_names_and_checks_the_result(api: TestClient) -> None:
    measure = create(api, "measures", date="2021-10-01", date_precision="month")
    changed = api.patch(f"/v1/measures/{measure['id']}", json={"stage": "ordered"}).json()
    assert changed == {**measure, "stage": "ordered"}
    # Clearing the date while the precision stays would leave a precision without a date.
    response = api.patch(f"/v1/measures/{measure['id']}", json={"date": None})
    assert response.status_code == 422
    assert api.get(f"/v1/measures/{measure['id']}").json() == changed
    assert api.patch(f"/v1/measures/{measure['id']}", json={"kind": None}).status_code == 422
    assert api.patch("/v1/measures/424242", json={"stage": "ordered"}).status_code == 404
    # A PATCH checks each field as a create does: a day is YYYY-MM-DD, a count no boolean.
    for field, value in (("date", 0), ("diplomats_count", True), ("target_country", None)):
        refused = api.patch(f"/v1/measures/{measure['id']}", json={field: value})
        assert refused.status_code == 422, (field, refused.text)
        assert [e["loc"] for e in refused.json()["errors"]] == [["body", field]]
    assert api.get(f"/v1/measures/{measure['id']}").json() == changed


def test_a_validators_own_words_reach_the_user(api: TestClient) -> None:
    """pydantic puts "Value error, " before what a validator says; the API shows the sentence
    alone, whether the body, a PATCH, an import or the query was refused."""
    said = "date_precision is set but date is null"
    measure = create(api, "measures", date="2021-10-01", date_precision="month")
    refusals = [
        api.post("/v1/measures", json=new("measures", date_precision="month")),
        api.patch(f"/v1/measures/{measure['id']}", json={"date": None}),
        api.post("/v1/measures/import", json=[new("measures", date_precision="month")]),
        api.get("/v1/measures", params={"q": "nul\x00"}),
    ]
    messages = []
    for response in refusals:
        assert response.status_code == 422, response.text
        assert "Value error" not in response.text
        messages += [error["msg"] for error in response.json()["errors"]]
    assert messages == [said, said, said, "must not contain NUL characters"]


def test_responses_cannot_loop(api: TestClient) -> None:
    first = create(api, "measures")
    second = create(api, "measures", in_response_to=first["id"])
    response = api.patch(f"/v1/measures/{first['id']}", json={"in_response_to": second["id"]})
    assert response.status_code == 422
    assert api.get(f"/v1/measures/{first['id']}").json()["in_response_to"] is None
    selfish = api.patch(f"/v1/measures/{first['id']}", json={"in_response_to": first["id"]})
    assert selfish.status_code == 422


def test_status_change_appends_to_history_newest_first(api: TestClient) -> None:
    mission = create(api, "missions", status_since="2020-01-01")
    assert [h["status"] for h in mission["status_history"]] == ["operating"]
    path = f"/v1/missions/{mission['id']}"
    # A status change without its source fails whole: the mission keeps its status.
    refused = api.patch(path, json={"status": "frozen", "status_since": "2021-11-01"})
    assert refused.status_code == 422
    assert api.get(path).json() == mission

    quote = [{"source_id": 1, "quote": "diplomatic missions being frozen"}]
    frozen = api.patch(
        path,
        json={
            "status": "frozen",
            "status_since": "2021-11-01",
            "status_precision": "month",
            "status_citations": quote,
        },
    )
    assert frozen.status_code == 200, frozen.text
    history = frozen.json()["status_history"]
    assert [(h["status"], h["effective_on"], h["date_precision"]) for h in history] == [
        ("frozen", "2021-11-01", "month"),
        ("operating", "2020-01-01", "day"),
    ]
    assert said(history[0]["citations"]) == quote
    assert frozen.json()["citations"] == mission["citations"]


def test_expulsions_are_measures_of_kind_expulsion(api: TestClient) -> None:
    expulsion = create(api, "expulsions")
    assert expulsion["kind"] == "expulsion"
    assert api.get(f"/v1/measures/{expulsion['id']}").json() == expulsion
    other = create(api, "measures")
    assert api.get(f"/v1/expulsions/{other['id']}").status_code == 404
    assert api.patch(f"/v1/expulsions/{other['id']}", json={"stage": "ordered"}).status_code == 404
    assert api.patch(f"/v1/expulsions/{expulsion['id']}", json={"kind": "freeze"}).status_code == (
        422
    )


def test_an_expulsion_of_another_kind_says_where_that_kind_goes(api: TestClient) -> None:
    expulsion = create(api, "expulsions")
    said = "Input should be 'expulsion'; other kinds of measure go to /v1/measures"
    before = total(api, "measures")
    refusals = [
        api.post("/v1/expulsions", json=new("expulsions", kind="freeze")),
        api.patch(f"/v1/expulsions/{expulsion['id']}", json={"kind": "freeze"}),
        api.post("/v1/expulsions/import", json=[new("expulsions", kind="freeze")]),
    ]
    for response in refusals:
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert (error["loc"][-1], error["msg"], error["type"], error["input"]) == (
            "kind",
            said,
            "literal_error",
            "freeze",
        )
    assert total(api, "measures") == before
    assert api.get(f"/v1/expulsions/{expulsion['id']}").json() == expulsion
    schema = api.get("/openapi.json").json()["components"]["schemas"]["ExpulsionCreate"]
    assert schema["properties"]["kind"]["const"] == "expulsion"


def test_talks_with_participants_and_statements(api: TestClient) -> None:
    official = create(api, "officials")
    talks = create(
        api,
        "talks",
        participants=[{"official_id": official["id"], "side": "GBR"}],
        statements=[
            {"official_id": official["id"], "kind": "direct", "quote": SAID, "source_id": 1}
        ],
    )
    assert talks["participants"] == [
        {
            "official_id": official["id"],
            "name": official["name"],
            "title": official["title"],
            "side": "GB",
        }
    ]
    assert talks["statements"][0]["speaker"] == official["name"]
    response = api.delete(f"/v1/officials/{official['id']}")
    assert response.status_code == 409
    assert f"/v1/talks/{talks['id']}" in response.json()["detail"]
    # Replacing the participants is one PATCH; the statements stay.
    changed = api.patch(f"/v1/talks/{talks['id']}", json={"participants": []}).json()
    assert changed["participants"] == []
    assert changed["statements"] == talks["statements"]


def test_dispute_issues_and_next_round(api: TestClient) -> None:
    dispute = create(api, "visa-disputes", issues=["visas", "property"])
    assert sorted(dispute["issues"]) == ["property", "visas"]
    assert dispute["next_round"] == {"planned": False, "date": None}
    changed = api.patch(
        f"/v1/visa-disputes/{dispute['id']}",
        json={"next_round": {"planned": True, "date": "2021-12-01"}},
    )
    assert changed.json()["next_round"] == {"planned": True, "date": "2021-12-01"}
    dated_but_unplanned = api.patch(
        f"/v1/visa-disputes/{dispute['id']}",
        json={"next_round": {"planned": False, "date": "2021-12-01"}},
    )
    assert dated_but_unplanned.status_code == 422


@pytest.mark.parametrize("body", ["not json", "[1, 2", "", "null", "[]", '"text"'])
def test_bodies_that_are_not_an_object_are_refused(api: TestClient, body: str) -> None:
    response = api.post("/v1/events", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"


def test_patch_null_follows_the_schema(api: TestClient) -> None:
    """Null sets a field the schema marks nullable to null; on a field it does not, null is a
    422 on that field (the schema a client generates its code from says which is which)."""
    schema = api.get("/openapi.json").json()["components"]["schemas"]["MeasureUpdate"]
    nullable = {
        name
        for name, field in schema["properties"].items()
        if {"type": "null"} in field.get("anyOf", [])
    }
    assert "diplomats_count" in nullable
    assert "kind" not in nullable
    assert all("default" not in field for field in schema["properties"].values())
    measure = create(api, "measures", diplomats_count=12)
    cleared = api.patch(f"/v1/measures/{measure['id']}", json={"diplomats_count": None})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json() == {**measure, "diplomats_count": None}
    for name in sorted(set(schema["properties"]) - nullable):
        refused = api.patch(f"/v1/measures/{measure['id']}", json={name: None})
        assert refused.status_code == 422, (name, refused.text)
        assert [e["loc"] for e in refused.json()["errors"]] == [["body", name]]
    assert api.get(f"/v1/measures/{measure['id']}").json() == cleared.json()


# A record others point at cannot be deleted: the 409 counts them all, names the first few, and
# gives the URL that lists them all.
MANY = 12  # more than the 10 a 409 used to name, with no sign there were more


def _ids_listed_at(api: TestClient, url: str) -> list[int]:
    # The URL as given, paging options added (httpx's `params` would replace its query).
    page = api.get(f"{url}{'&' if '?' in url else '?'}count=true&limit=1000")
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["total"] == len(body["items"])
    return sorted(item["id"] for item in body["items"])


def _headcounts_of_a_mission(api: TestClient) -> tuple[str, str, list[int]]:
    mission = create(api, "missions")
    ids = [create(api, "headcounts", mission_id=mission["id"])["id"] for _ in range(MANY)]
    return f"/v1/missions/{mission['id']}", "headcounts", ids


def _answers_to_a_measure(api: TestClient) -> tuple[str, str, list[int]]:
    measure = create(api, "measures")
    ids = [create(api, "measures", in_response_to=measure["id"])["id"] for _ in range(MANY)]
    return f"/v1/measures/{measure['id']}", "measures", ids


def _talks_on_a_dispute(api: TestClient) -> tuple[str, str, list[int]]:
    dispute = create(api, "visa-disputes")
    ids = [create(api, "talks", dispute_id=dispute["id"])["id"] for _ in range(MANY)]
    return f"/v1/visa-disputes/{dispute['id']}", "talks", ids


def _talks_with_an_official(api: TestClient) -> tuple[str, str, list[int]]:
    """Half the talks have the official take part, the other half quote them."""
    official = create(api, "officials")["id"]
    took_part = {"participants": [{"official_id": official, "side": "GB"}]}
    quoted = {
        "statements": [{"official_id": official, "kind": "direct", "quote": SAID, "source_id": 1}]
    }
    ids = [create(api, "talks", **(took_part if i % 2 else quoted))["id"] for i in range(MANY)]
    return f"/v1/officials/{official}", "talks", ids


MADE: dict[str, Callable[[TestClient], tuple[str, str, list[int]]]] = {
    "mission-headcounts": _headcounts_of_a_mission,
    "measure-answers": _answers_to_a_measure,
    "dispute-talks": _talks_on_a_dispute,
    "official-talks": _talks_with_an_official,
}


@pytest.mark.parametrize("case", sorted(MADE))
def test_a_409_counts_every_referrer_and_says_where_to_list_them(
    api: TestClient, case: str
) -> None:
    path, kind, ids = MADE[case](api)
    before = api.get(path).json()
    response = api.delete(path)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    group = problem["referrers"][kind]
    assert group["count"] == MANY
    assert group["first"] == [f"/v1/{kind}/{i}" for i in sorted(ids)[:5]]
    assert _ids_listed_at(api, group["list"]) == sorted(ids)
    assert list(problem["referrers"]) == [kind]
    assert f"{kind} ({MANY} in all, listed at {group['list']}:" in problem["detail"]
    assert f"and {MANY - 5} more" in problem["detail"]
    assert api.get(path).json() == before


def test_a_source_counts_the_facts_citing_it_and_the_talks_quoting_it(api: TestClient) -> None:
    source = create(api, "sources")["id"]
    cite: dict[str, Any] = {"citations": [{"source_id": source, "quote": "A line."}]}
    events = [create(api, "events", **cite)["id"] for _ in range(MANY - 1)]
    cited_by_talks = create(api, "talks", **cite)["id"]
    statement = {"kind": "reported", "quote": "They spoke.", "source_id": source}
    quoted_by_talks = create(api, "talks", statements=[statement])["id"]

    response = api.delete(f"/v1/sources/{source}")
    assert response.status_code == 409, response.text
    referrers = response.json()["referrers"]
    # A statement quoted at talks is one of the source's facts, as a citation is: one group,
    # which names every record that holds the source.
    assert list(referrers) == ["facts"]
    facts = referrers["facts"]
    assert facts["count"] == MANY + 1  # the events, the talks that cite it, the statement
    assert facts["list"] == f"/v1/sources/{source}"
    listed = [fact["url"] for fact in api.get(facts["list"]).json()["facts"]]
    assert len(listed) == facts["count"]
    assert facts["first"] == listed[:5]
    talks = {f"/v1/talks/{cited_by_talks}", f"/v1/talks/{quoted_by_talks}"}
    assert set(listed) == {f"/v1/events/{i}" for i in events} | talks
    assert api.get(f"/v1/citations?source_id={source}&count=true").json()["total"] == MANY + 1
    assert api.get(f"/v1/sources/{source}").status_code == 200


def _listed(api: TestClient, url: str, kind: str) -> list[str]:
    """The API paths of what the URL a 409 gives lists: a source's facts as its page lists
    them, else every page of the list, by id."""
    if kind == "facts":
        return [fact["url"] for fact in api.get(url).json()["facts"]]
    paths: list[str] = []
    path, _, query = url.partition("?")
    params: dict[str, Any] = {**dict(parse_qsl(query)), "limit": 1000, "sort": "id"}
    while True:
        page = api.get(path, params=params).json()
        paths += [f"/v1/{kind}/{item['id']}" for item in page["items"]]
        if page["next_cursor"] is None:
            return paths
        params["cursor"] = page["next_cursor"]


def test_a_409_counts_what_its_urls_list(api: TestClient) -> None:
    """The seed's source is cited by some records more than once (a mission, and its status
    history): the count of its facts is what its page lists, and so is each kind's count."""
    pair = {"sending_country": "GB", "host_country": "RU"}
    mission = create(api, "missions", **pair)
    headcounts = [create(api, "headcounts", mission_id=mission["id"], **pair) for _ in range(3)]
    for path in ("/v1/sources/1", f"/v1/missions/{mission['id']}"):
        response = api.delete(path)
        assert response.status_code == 409, response.text
        referrers = response.json()["referrers"]
        for kind, group in referrers.items():
            listed = _listed(api, group["list"], kind)
            assert group["count"] == len(listed), (path, kind, group, listed)
            assert group["first"] == listed[:5], (path, kind)
            assert (
                f"{kind} ({len(listed)} in all, listed at {group['list']}"
                in (response.json()["detail"])
            )
    for headcount in headcounts:
        assert api.delete(f"/v1/headcounts/{headcount['id']}").status_code == 204
    assert api.delete(f"/v1/missions/{mission['id']}").status_code == 204


def test_the_409s_fields_are_documented(api: TestClient) -> None:
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    referrers = schemas["Problem"]["properties"]["referrers"]
    assert referrers["anyOf"][0]["additionalProperties"] == {
        "$ref": "#/components/schemas/Referrers"
    }
    assert set(schemas["Referrers"]["properties"]) == {"count", "first", "list"}
    for field in schemas["Referrers"]["properties"].values():
        assert field["description"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_restored_record_is_the_record_that_was_deleted(api: TestClient, kind: str) -> None:
    """Restore brings back the record as it was served, parts and nested history included
    (a mission's status history kept its own entries and their quotes)."""
    record = create(api, kind)
    if kind == "missions":  # a second status, with quotes of its own
        changed = api.patch(
            f"/v1/missions/{record['id']}",
            json={
                "status": "frozen",
                "status_since": "2021-10-12",
                "status_citations": [{"source_id": 1, "quote": "being frozen"}],
            },
        )
        assert changed.status_code == 200, changed.text
    served = api.get(f"/v1/{kind}/{record['id']}").json()
    assert api.delete(f"/v1/{kind}/{record['id']}").status_code == 204
    admin = make_key(cast(Any, api.app).state.settings.database_url, "admin")
    restored = api.post(f"/v1/{kind}/{record['id']}/restore", headers=admin)
    assert restored.status_code == 201, restored.text
    assert restored.json() == served
    assert api.get(f"/v1/{kind}/{record['id']}").json() == served


def test_a_headcount_of_a_mission_is_of_that_missions_pair(api: TestClient) -> None:
    """A headcount that names a mission counts that mission's staff: its sending and host
    country are the mission's, by POST, PATCH and import alike."""
    # The seed's Russian embassy (other tests of this module add missions of the same pair).
    [russian_embassy] = [
        mission
        for mission in api.get("/v1/missions?sending_country=RU&host_country=US").json()["items"]
        if mission["ref"] == "russian-embassy-in-us"
    ]
    before = total(api, "headcounts")
    wrong = new("headcounts", sending_country="US", host_country="RU")
    wrong["mission_id"] = russian_embassy["id"]
    refused = api.post("/v1/headcounts", json=wrong)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["loc"] == ["body", "mission_id"]
    assert error["type"] == "mission_mismatch"
    assert api.post("/v1/headcounts/import", json=[wrong]).status_code == 422
    assert total(api, "headcounts") == before
    right = create(api, "headcounts", mission_id=russian_embassy["id"])
    moved = api.patch(f"/v1/headcounts/{right['id']}", json={"sending_country": "US"})
    assert moved.status_code == 422, moved.text
    assert api.get(f"/v1/headcounts/{right['id']}").json() == right


def test_whole_numbers_are_integers_as_json_schema_says(api: TestClient) -> None:
    """`3.0` is an integer to JSON Schema, so to the OpenAPI document: an id or a count may be
    sent so and is stored as the integer. A fraction, or `true`, is still a 422 on the field."""
    body = new("headcounts", count=455.0, citations=[{**CITE[0], "source_id": 1.0}])
    created = api.post("/v1/headcounts", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["count"] == 455
    assert created.json()["citations"][0]["source_id"] == 1
    for bad in (455.5, True, "455"):
        refused = api.post("/v1/headcounts", json=new("headcounts", count=bad))
        assert refused.status_code == 422, (bad, refused.text)
        assert [e["loc"] for e in refused.json()["errors"]] == [["body", "count"]]


Send = Callable[[], Any]


def _loop(api: TestClient) -> Send:
    first = create(api, "measures")
    second = create(api, "measures", in_response_to=first["id"])
    return lambda: api.patch(f"/v1/measures/{first['id']}", json={"in_response_to": second["id"]})


def _same_official_twice(api: TestClient) -> Send:
    official = create(api, "officials")["id"]
    sides = [{"official_id": official, "side": "RU"}, {"official_id": official, "side": "US"}]
    return lambda: api.post("/v1/talks", json=new("talks", participants=sides))


def _status_unchanged(api: TestClient) -> Send:
    mission = create(api, "missions")
    return lambda: api.patch(f"/v1/missions/{mission['id']}", json={"status_citations": CITE})


def _status_uncited(api: TestClient) -> Send:
    mission = create(api, "missions")
    return lambda: api.patch(f"/v1/missions/{mission['id']}", json={"status": "frozen"})


def _precision_of_no_date(api: TestClient) -> Send:
    measure = create(api, "measures")  # no date
    return lambda: api.patch(f"/v1/measures/{measure['id']}", json={"date_precision": "week"})


def _newest_change(api: TestClient) -> int:
    since = 0
    while items := api.get("/v1/changes", params={"since": since, "limit": 1000}).json()["items"]:
        since = items[-1]["id"]
    return since


# Requests the OpenAPI document allows that are refused for a rule it cannot state (a code no
# country has, a stored record's values...): each a 422 whose errors have a type of their own,
# which clients (and tests/fuzz_hooks.py) can tell from a request the document rules out. Each
# case makes what it needs, then gives the request.
UNSTATABLE: dict[str, tuple[Callable[[TestClient], Send], str]] = {
    "a code no country has": (
        lambda api: lambda: api.post("/v1/missions", json=new("missions", sending_country="ZZ")),
        "unknown_country",
    ),
    "a name where a code goes": (
        lambda api: (
            lambda: api.post("/v1/missions", json=new("missions", sending_country="Russia"))
        ),
        "country_code",
    ),
    "a filter by a code no country has": (
        lambda api: lambda: api.get("/v1/missions", params={"host_country": "RU,QQQ"}),
        "unknown_country",
    ),
    "a dispute of a country with itself": (
        lambda api: (
            lambda: api.post("/v1/visa-disputes", json=new("visa-disputes", country_b="RUS"))
        ),
        "same_country",
    ),
    "a relation of a country with itself": (
        lambda api: lambda: api.get("/v1/relations/RU/rus"),
        "same_country",
    ),
    "a range that ends before it starts": (
        lambda api: (
            lambda: api.get("/v1/events", params={"from": "2021-02-01", "to": "2021-01-01"})
        ),
        "range_order",
    ),
    "a series that ends before it starts": (
        lambda api: (
            lambda: api.get(
                "/v1/headcounts/series", params={"from": "2021-02-01", "to": "2021-01-01"}
            )
        ),
        "range_order",
    ),
    "an official twice among the participants": (_same_official_twice, "duplicate_official"),
    "a chain of responses that loops": (_loop, "response_loop"),
    "a precision for a stored date that is null": (
        _precision_of_no_date,
        "precision_without_date",
    ),
    "a date known to the week on a Wednesday": (
        lambda api: lambda: api.post("/v1/events", json=new("events", date_precision="week")),
        "date_not_first_day",
    ),
    "status citations without a change of status": (_status_unchanged, "status_unchanged"),
    "a change of status without citations": (_status_uncited, "status_uncited"),
}


@pytest.mark.parametrize("case", sorted(UNSTATABLE))
def test_rules_no_schema_states_are_422s_of_their_own_type(api: TestClient, case: str) -> None:
    prepare, kind = UNSTATABLE[case]
    send = prepare(api)
    newest = _newest_change(api)
    response = send()
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert {e["type"] for e in response.json()["errors"]} == {kind}, response.text
    assert api.get("/v1/changes", params={"since": newest}).json()["items"] == []


def test_restoring_as_an_expulsion_a_measure_that_is_not_one_is_a_404(api: TestClient) -> None:
    admin = make_key(cast(Any, api.app).state.settings.database_url, "admin")
    measure = create(api, "measures")  # a staff cap
    assert api.delete(f"/v1/measures/{measure['id']}").status_code == 204
    assert api.post(f"/v1/expulsions/{measure['id']}/restore", headers=admin).status_code == 404
    assert api.get(f"/v1/measures/{measure['id']}").status_code == 404
    living = create(api, "measures")
    assert api.post(f"/v1/expulsions/{living['id']}/restore", headers=admin).status_code == 404
    restored = api.post(f"/v1/measures/{measure['id']}/restore", headers=admin)
    assert restored.status_code == 201, restored.text
    assert restored.json() == measure


def test_a_ref_that_is_taken_is_a_409_naming_the_record_that_has_it(api: TestClient) -> None:
    admin = make_key(cast(Any, api.app).state.settings.database_url, "admin")
    deleted = create(api, "events", ref="a-taken-ref")
    assert api.delete(f"/v1/events/{deleted['id']}").status_code == 204
    holder = create(api, "events", ref="a-taken-ref")
    other = create(api, "events")
    freeze = create(api, "measures", kind="freeze", ref="a-freezes-ref")
    before = api.get("/v1/changes").json()
    refusals = [
        api.post(f"/v1/events/{deleted['id']}/restore", headers=admin),
        api.post("/v1/events", json=new("events", ref="a-taken-ref")),
        api.patch(f"/v1/events/{other['id']}", json={"ref": "a-taken-ref"}),
        api.post("/v1/expulsions", json=new("expulsions", ref="a-freezes-ref")),
    ]
    said = [response.json()["detail"] for response in refusals]
    assert [response.status_code for response in refusals] == [409] * 4, said
    taken = f"Another event already has the ref 'a-taken-ref': /v1/events/{holder['id']}."
    assert said == [
        f"{taken} Change that event's ref, or delete it, to restore event {deleted['id']}.",
        taken,
        taken,
        f"Another measure already has the ref 'a-freezes-ref': /v1/measures/{freeze['id']}.",
    ]
    assert api.get("/v1/changes").json() == before
    assert api.get(f"/v1/events/{deleted['id']}").status_code == 404
    assert api.get(f"/v1/events/{other['id']}").json() == other


# (resource, the two fields naming states): a record between one state and itself.
ONE_STATE = [
    ("missions", "sending_country", "host_country"),
    ("headcounts", "sending_country", "host_country"),
    ("measures", "actor_country", "target_country"),
    ("expulsions", "actor_country", "target_country"),
    ("visa-disputes", "country_a", "country_b"),
]


@pytest.mark.parametrize(("resource", "first", "second"), ONE_STATE)
def test_a_record_between_a_state_and_itself_is_refused(
    api: TestClient, resource: str, first: str, second: str
) -> None:
    """Diplomacy is between two states: a mission, headcount, measure or dispute of one state
    in or against itself is a 422 `same_country` by POST, import and PATCH, nothing written."""
    before = total(api, resource)
    alone = new(resource, **{first: "US", second: "US"})
    for refused in (
        api.post(f"/v1/{resource}", json=alone),
        api.post(f"/v1/{resource}/import", json=[alone]),
    ):
        assert refused.status_code == 422, refused.text
        assert [e["type"] for e in refused.json()["errors"]] == ["same_country"]
    assert total(api, resource) == before
    record = create(api, resource, **{first: "GB", second: "US"})
    moved = api.patch(f"/v1/{resource}/{record['id']}", json={first: "US"})
    assert moved.status_code == 422, moved.text
    assert api.get(f"/v1/{resource}/{record['id']}").json() == record


def test_a_permanent_mission_may_be_seated_in_its_own_state(api: TestClient) -> None:
    """The U.S. Mission to the United Nations is in New York: a permanent mission may have its
    sender as host, and its headcounts that pair."""
    mission = create(
        api,
        "missions",
        sending_country="US",
        host_country="US",
        kind="permanent_mission",
        city="New York",
    )
    counted = create(
        api, "headcounts", sending_country="US", host_country="US", mission_id=mission["id"]
    )
    assert (counted["sending_country"], counted["host_country"]) == ("US", "US")


def test_a_quote_of_a_source_that_is_not_there_is_a_422_for_the_source_alone(
    api: TestClient,
) -> None:
    """A citation of a source that does not exist is refused for its `source_id`, whatever its
    quote; a quote another citation gets wrong is said only once every source is there (the
    quotes are checked before the references, to spare the sources they read a query)."""
    before = total(api, "events")
    missing = {"source_id": 999_999, "quote": "Russia and the United States"}
    wrong = {"source_id": 1, "quote": "words the report never printed"}
    refused = api.post("/v1/events", json=new("events", citations=[missing, wrong]))
    assert refused.status_code == 422, refused.text
    assert [(e["loc"], e["type"]) for e in refused.json()["errors"]] == [
        (["body", "citations", 0, "source_id"], "not_found")
    ]
    alone = api.post("/v1/events", json=new("events", citations=[wrong]))
    assert alone.status_code == 422, alone.text
    assert [e["type"] for e in alone.json()["errors"]] == ["quote_not_found"]
    assert total(api, "events") == before
