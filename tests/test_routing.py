"""Routing skips the routers a path is not under (`app/kit/routing.py`) and finds, refuses and
misses exactly what it did: a route of the last router included, a path beside a router's
prefix, a method a path does not take."""

from fastapi.testclient import TestClient

from app.kit.routing import skip_routers_by_prefix
from tests.test_hardening import assert_problem


def test_routes_are_found_past_the_routers_skipped(own_api: TestClient) -> None:
    assert skip_routers_by_prefix(), (
        "FastAPI's included routers are not as app/kit/routing.py expects"
    )
    for path in ("/v1/countries/RU", "/v1/citations", "/v1/search?q=kabul", "/v1/changes"):
        assert own_api.get(path).status_code == 200, path
    assert own_api.get("/dashboard").status_code == 200  # a router without an /v1 prefix
    assert own_api.get("/healthz").status_code == 200


def test_what_no_route_takes_is_the_error_it_was(own_api: TestClient) -> None:
    assert_problem(own_api.get("/v1/citationsx"), 404)  # beside a router's prefix
    assert_problem(own_api.get("/v1/nowhere"), 404)
    assert_problem(own_api.get("/nowhere"), 404)
    wrong = assert_problem(own_api.delete("/v1/search?q=kabul"), 405)
    assert wrong["status"] == 405
