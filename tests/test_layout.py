"""The house keeps its shape (docs/design.md, "Layout"): the shared machinery and the middleware
import no resource, and each list's query model offers exactly the filters its spec applies."""

import ast
from pathlib import Path

import pytest

from app.kit.facets import facet_names
from app.kit.query import DatedQuery, ListQuery, OnDayQuery, SearchQuery
from app.kit.read_routes import LISTS
from app.main import create_app

APP = Path(__file__).parent.parent / "app"
# What kit/, middleware/ and errors.py may import from the app: each other and the
# infrastructure modules, nothing that knows a resource. (`country_codes` is ISO 3166's codes
# and names, from pycountry, which `kit.search` reads a country's other names from: it knows
# no table and imports only `errors`.)
INFRASTRUCTURE = {"app.common", "app.config", "app.country_codes", "app.db", "app.errors"}
SHARED = ["kit", "middleware", "errors.py"]


def _app_imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app"):
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names if alias.name.startswith("app")}
    return modules


@pytest.mark.parametrize("part", SHARED)
def test_shared_machinery_imports_no_resource(part: str) -> None:
    paths = sorted((APP / part).rglob("*.py")) if (APP / part).is_dir() else [APP / part]
    assert paths
    wrong = {
        f"{path.relative_to(APP)} imports {module}"
        for path in paths
        for module in _app_imports(path)
        if module not in INFRASTRUCTURE
        and not module.startswith(("app.kit", "app.middleware"))
        and module != "app"
    }
    assert wrong == set()


def test_every_list_is_registered_with_its_query_model() -> None:
    schema = create_app().openapi()
    lists = {
        path
        for path, operations in schema["paths"].items()
        if operations.get("get", {}).get("operationId", "").startswith("list_") and "{" not in path
    }
    # Lists not made by a ListSpec: the change feed and the API keys (admin).
    assert lists - set(LISTS) == {"/v1/changes", "/v1/keys"}


@pytest.mark.parametrize("path", sorted(LISTS))
def test_a_lists_query_model_offers_exactly_its_specs_filters(path: str) -> None:
    spec, model = LISTS[path]
    common = set(ListQuery.model_fields)
    if issubclass(model, DatedQuery):
        common |= set(DatedQuery.model_fields)
    if issubclass(model, SearchQuery):
        common |= set(SearchQuery.model_fields)
    if issubclass(model, OnDayQuery):
        common |= set(OnDayQuery.model_fields)
    if facet_names(spec):  # and its facets: kit/facets.py
        common |= {"facet", "facet_size"}
    assert set(model.model_fields) - common == set(spec.filters)
