"""Questions an analyst would ask about the seed article, answered through the API."""

from typing import Any

from fastapi.testclient import TestClient


def _items(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_who_proposed_expelling_how_many(client: TestClient) -> None:
    [proposal] = _items(client, "/v1/expulsions")
    assert proposal["kind"] == "expulsion"
    assert proposal["stage"] == "proposed"
    assert (proposal["actor_country"], proposal["target_country"]) == ("US", "RU")
    assert proposal["actor_body"] == "U.S. Congress"
    assert proposal["diplomats_count"] == 300
    # The article dates Russia's reply, not the proposal itself.
    assert proposal["date"] is None
    assert proposal["date_precision"] is None


def test_russia_threatened_closures_in_response_if_implemented(client: TestClient) -> None:
    [proposal] = _items(client, "/v1/expulsions", actor_country="USA")
    [reply] = _items(client, "/v1/measures", in_response_to=proposal["id"])
    assert reply["kind"] == "mission_closure"
    assert reply["stage"] == "threatened"
    assert (reply["actor_country"], reply["target_country"]) == ("RU", "US")
    assert reply["actor_body"] == "Russian foreign ministry"
    assert reply["condition"] == "if implemented"
    # "Last week", reckoned from Tuesday 2021-10-12: the week beginning Monday 2021-10-04.
    assert (reply["date"], reply["date_precision"]) == ("2021-10-04", "week")


def test_freezing_both_countries_missions_is_considered_not_decided(client: TestClient) -> None:
    # "the work of Russian and U.S. diplomatic missions being frozen": both countries' missions,
    # one measure each, neither dropped and no third invented.
    freezes = _items(client, "/v1/measures", kind="freeze")
    # The U.S. missions would be frozen in Russia (RU -> US); who would freeze the Russian ones
    # the article does not say: no actor (-> RU), not a U.S. threat.
    assert sorted((f["target_country"], f["actor_country"]) for f in freezes) == [
        ("RU", None),
        ("US", "RU"),
    ]
    sentence = (
        "Moscow does not rule out the work of Russian and U.S. diplomatic missions being frozen, "
        "but would like to avoid such a scenario, according to Ryabkov."
    )
    for freeze in freezes:
        assert freeze["stage"] == "considered"
        assert (freeze["date"], freeze["date_precision"]) == ("2021-10-12", "day")
        # The article names no body on either side ("Moscow"; no U.S. comment).
        assert freeze["actor_body"] is None
        assert [c["quote"] for c in freeze["citations"]] == [sentence]
    # Each is found by the country whose missions it would freeze.
    for target in ("RU", "US"):
        [freeze] = _items(client, "/v1/measures", kind="freeze", target_country=target)
        assert freeze["target_country"] == target


def test_the_moscow_talks(client: TestClient) -> None:
    [talks] = _items(client, "/v1/talks")
    assert (talks["date"], talks["date_precision"]) == ("2021-10-12", "day")
    assert (talks["city"], talks["host_country"]) == ("Moscow", "RU")
    assert talks["outcome"] == "no_progress"
    sides = {p["name"]: (p["side"], p["title"]) for p in talks["participants"]}
    assert sides == {
        "Sergei Ryabkov": ("RU", "Deputy Foreign Minister"),
        "Victoria Nuland": ("US", "Under Secretary of State"),
    }
    direct = [s["quote"] for s in talks["statements"] if s["kind"] == "direct"]
    assert "I cannot say that we have achieved great progress" in direct
    assert all(s["speaker"] == "Sergei Ryabkov" for s in talks["statements"])
    dispute = client.get(f"/v1/visa-disputes/{talks['dispute_id']}").json()
    assert {dispute["country_a"], dispute["country_b"]} == {"RU", "US"}


def test_the_dispute_is_open_with_a_next_round_but_no_date(client: TestClient) -> None:
    [dispute] = _items(client, "/v1/visa-disputes", country_a="rus", status="open")
    assert {"visas", "staffing_levels", "mission_operations"} <= set(dispute["issues"])
    assert dispute["next_round"] == {"planned": True, "date": None}
    assert dispute["opened_on"] is None


def test_each_side_has_an_embassy_in_the_other(client: TestClient) -> None:
    missions = _items(client, "/v1/missions", kind="embassy")
    pairs = {(m["sending_country"], m["host_country"]) for m in missions}
    assert pairs == {("US", "RU"), ("RU", "US")}
    for mission in missions:
        assert mission["city"] is None  # the article names no city for either embassy
        assert mission["status_history"][0]["status"] == mission["status"]


def test_no_headcount_is_invented(client: TestClient) -> None:
    # The article gives no staff numbers, so the seed holds none.
    assert _items(client, "/v1/headcounts") == []


def test_context_events(client: TestClient) -> None:
    events = {e["kind"]: e for e in _items(client, "/v1/events")}
    memorial = events["incident"]
    assert (memorial["date"], memorial["date_precision"]) == ("2021-10-11", "day")
    assert "Nemtsov" in memorial["summary"]
    assert memorial["countries"] == ["RU"]
    visit = events["visit"]
    assert (visit["date"], visit["date_precision"]) == ("2021-10-11", "week")


def test_officials_by_country(client: TestClient) -> None:
    names = {o["name"] for o in _items(client, "/v1/officials", country="ru")}
    assert names == {"Sergei Ryabkov", "Vladimir Putin"}
