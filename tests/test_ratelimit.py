"""Rate limits: per client address and per API key, a 429 problem with `Retry-After`; counted
in the process, or in Redis and then shared by every worker (two apps here, as two workers
would be). Redis tests need TEST_REDIS_URL (`.ci/run` sets it)."""

import logging
import os
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from limits import parse

from app.config import Settings
from app.main import create_app
from app.middleware.rate_limit import LocalCounters

PATH = "/v1/countries/RU"
# Limits per hour, not per minute: the sliding window forgives a little as a window ends, so
# a test's last request falling just past a boundary would pass. Hour windows make that ~60
# times rarer than minute windows (a few ms of requests in 3,600 s).
PERIOD = "hour"


def app_client(url: str, **settings: Any) -> TestClient:
    return TestClient(create_app(Settings(database_url=url, **settings)))


def assert_throttled(response: Any) -> int:
    assert response.status_code == 429, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/too-many-requests"
    assert problem["status"] == 429
    retry = int(response.headers["retry-after"])
    assert 1 <= retry <= 3600
    assert f"retry in {retry} s" in problem["detail"]
    return retry


@pytest.fixture(scope="module")
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set")
    return url


def test_no_limit_by_default(client: TestClient) -> None:
    assert all(client.get(PATH).status_code == 200 for _ in range(50))


def test_per_address_limit_in_process(seeded_url: str) -> None:
    with app_client(seeded_url, rate_limit_per_address=f"3/{PERIOD}") as client:
        assert [client.get(PATH).status_code for _ in range(3)] == [200] * 3
        response = client.get(PATH, headers={"Origin": "https://dashboard.example"})
        assert_throttled(response)
        assert "address" in response.json()["detail"]
        assert response.headers["access-control-allow-origin"] == "*"  # browsers can read it
        assert response.headers["x-content-type-options"] == "nosniff"
        assert client.post("/v1/missions", json={}).status_code == 429  # writes count too
        # Probes and docs are not counted: an orchestrator polls them from one address.
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get("/openapi.json").status_code == 200


def test_per_key_limit_in_process(seeded_url: str) -> None:
    one, two = ({"Authorization": f"Bearer dk_{n}_secret"} for n in ("one", "two"))
    with app_client(seeded_url, rate_limit_per_key=f"2/{PERIOD}") as client:
        assert [client.get(PATH, headers=one).status_code for _ in range(2)] == [200, 200]
        response = client.get(PATH, headers=one)
        assert_throttled(response)
        assert "API key" in response.json()["detail"]
        assert client.get(PATH, headers=two).status_code == 200  # its own count
        assert client.get(PATH).status_code == 200  # no key, no per-key limit


def test_the_in_process_count_slides_and_forgets() -> None:
    counters, item = LocalCounters(), parse("2/second")
    assert counters.hit_at(item, "a", 10.0) == counters.hit_at(item, "a", 10.5) == 0
    assert 0 < counters.hit_at(item, "a", 10.9) <= 1.1  # refused: wait for the window
    # In the next window the last one's 2 still count, weighted by how much of it overlaps
    # the last second: 1.8 at 11.1 (1 left), 1.6 + 1 at 11.2 (none until 11.5).
    assert counters.hit_at(item, "a", 11.1) == 0
    wait = counters.hit_at(item, "a", 11.2)
    assert wait == pytest.approx(0.3)
    assert counters.hit_at(item, "a", 11.2 + wait - 0.01) > 0
    assert counters.hit_at(item, "a", 11.2 + wait + 0.01) == 0
    # Stale keys are dropped once the table has doubled, so it stays small.
    for n in range(5000):
        counters.hit_at(item, f"client-{n}", 100.0 + n)
    assert len(counters.windows) < 2100


def test_redis_limit_is_shared_by_workers(seeded_url: str, redis_url: str) -> None:
    shared = {
        "rate_limit_per_address": f"4/{PERIOD}",
        "redis_url": redis_url,
        "rate_limit_prefix": f"diplo-test-{uuid.uuid4().hex}",
    }
    with app_client(seeded_url, **shared) as first, app_client(seeded_url, **shared) as second:
        answers = [client.get(PATH).status_code for client in (first, second, first, second)]
        assert answers == [200] * 4
        assert_throttled(first.get(PATH))
        assert_throttled(second.get(PATH))
    fresh = {**shared, "rate_limit_prefix": f"diplo-test-{uuid.uuid4().hex}"}
    with app_client(seeded_url, **fresh) as other_deployment:
        assert other_deployment.get(PATH).status_code == 200


def test_redis_down_pauses_limits_instead_of_failing(
    seeded_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    nowhere = {"rate_limit_per_address": f"1/{PERIOD}", "redis_url": "redis://127.0.0.1:9/0"}
    with caplog.at_level(logging.WARNING, "app"), app_client(seeded_url, **nowhere) as client:
        assert [client.get(PATH).status_code for _ in range(3)] == [200] * 3
    assert "rate limits paused" in caplog.text


def test_limits_are_checked_at_startup() -> None:
    with pytest.raises(ValueError, match="rate limit"):
        Settings(rate_limit_per_address="lots")
