"""One rule for query parameters on every endpoint: a name the endpoint does not document is a
422 naming it and the names it takes, and an empty value (`?country=`, as HTML forms send) is
the same as no value at all."""

from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Union, get_args, get_origin
from urllib.parse import unquote_plus

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel
from starlette.types import Receive, Scope, Send

from app.errors import PROBLEM_JSON, PROBLEMS, Unprocessable, echoed, listed

MOST_NAMED = 5  # unknown parameters a detail names

Handle = Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]


def documented_names(dependant: Dependant, openapi_extra: dict[str, Any] | None) -> list[str]:
    """The query parameters an endpoint documents: those FastAPI reads for it (a query model,
    `Annotated[HistoryQuery, Query()]`, counts as its fields) and those its `openapi_extra`
    declares (the lists, which read their query themselves: kit/read_routes.py, `parse_query`)."""
    names: list[str] = []
    pending = [dependant]
    while pending:
        current = pending.pop()
        for field in current.query_params:
            model = _model_of(field.field_info.annotation)
            if model is None:
                names.append(field.alias)
            else:
                names += [info.alias or name for name, info in model.model_fields.items()]
        pending += current.dependencies
    for parameter in (openapi_extra or {}).get("parameters", []):
        if parameter.get("in") == "query":
            names.append(parameter["name"])
    return names


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if get_origin(annotation) is Union:  # `Model | None`
        annotation = next((a for a in get_args(annotation) if a is not type(None)), None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def unknown_parameter(name: str, value: str, allowed: list[str]) -> dict[str, Any]:
    """The 422 entry for a query parameter the endpoint does not take."""
    return {
        "loc": ["query", name],
        "msg": f"Unknown query parameter {echoed(name)}: it {_takes(allowed)}.",
        "type": "unknown_parameter",
        "input": value,
        "allowed": allowed,
    }


def _takes(allowed: list[str]) -> str:
    return f"takes {', '.join(allowed)}" if allowed else "takes no query parameters"


def unknown_parameters(unknown: dict[str, str], allowed: list[str]) -> Unprocessable:
    """The 422 for the query parameters the endpoint does not take, by name and value; its
    `detail` names them (the first few) once, and what the endpoint takes once."""
    refused = Unprocessable([unknown_parameter(n, v, allowed) for n, v in unknown.items()])
    named = [echoed(name) for name in list(unknown)[:MOST_NAMED]]
    if len(unknown) > MOST_NAMED:
        named.append(f"{len(unknown) - MOST_NAMED} more")
    plural = "s" if len(unknown) > 1 else ""
    refused.detail = (
        f"Unknown query parameter{plural} {listed(named)}: this endpoint {_takes(allowed)}."
    )
    return refused


EMPTIED = "diplo.emptied"
"""The scope's names of the parameters given empty and dropped (`ParameterCheck`), so that an
error can say a required one was given empty rather than not at all."""


def _emptied(query: bytes) -> frozenset[str]:
    return frozenset(
        unquote_plus(pair.partition(b"=")[0].decode("latin-1"))
        for pair in query.split(b"&")
        if pair and not pair.partition(b"=")[2]
    )


class ParameterCheck:
    """Wraps a route's `handle`: refuses unknown query parameters and drops empty-valued ones
    before FastAPI or `parse_query` read the query. A request without a query string costs one
    test; with one, a split of the raw bytes (names are compared undecoded when they can be)."""

    def __init__(self, handle: Handle, names: Iterable[str], methods: Iterable[str]) -> None:
        self.handle = handle
        self.allowed = sorted(set(names))
        self.names = frozenset(self.allowed)
        self.raw_names = frozenset(name.encode() for name in self.allowed)
        self.methods = frozenset(methods)

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Coroutine[Any, Any, None]:
        # A plain call that hands back the route's own coroutine: no frame of its own to await.
        query: bytes = scope["query_string"]
        if query and scope["method"] in self.methods:  # any other method: the route's 405
            kept = self.check(query)
            if kept is not None:
                # A new scope: the access log (outside) still sees what the client sent.
                scope = {**scope, "query_string": kept, EMPTIED: _emptied(query)}
        return self.handle(scope, receive, send)

    def check(self, query: bytes) -> bytes | None:
        """The query without its empty values, or None when it has none; a 422 for every
        unknown name. Pairs are split as Starlette splits them (`&`, first `=`)."""
        pairs = query.split(b"&")
        empty = decoded = False
        for pair in pairs:
            name, _, value = pair.partition(b"=")
            if name not in self.raw_names and not decoded:
                self.refuse_unknown(pairs)  # returns if every name is known once decoded
                decoded = True
            empty = empty or not value
        return b"&".join(p for p in pairs if p.partition(b"=")[2]) if empty else None

    def refuse_unknown(self, pairs: list[bytes]) -> None:
        """The slow path: names decoded as Starlette decodes them (`%73ort` is `sort`)."""
        unknown: dict[str, str] = {}
        for pair in pairs:
            if pair:
                raw_name, _, raw_value = pair.partition(b"=")
                name = unquote_plus(raw_name.decode("latin-1"), errors="replace")
                if name not in self.names:
                    value = unquote_plus(raw_value.decode("latin-1"), errors="replace")
                    unknown.setdefault(name, value)
        if unknown:
            raise unknown_parameters(unknown, self.allowed)


def check_parameters(app: FastAPI, unchecked: Iterable[str] = ()) -> None:
    """Puts a `ParameterCheck` on every route of the app but those at the `unchecked` paths.
    It wraps `handle`, not `route.app`: FastAPI serves an included route by calling its
    `handle`, which runs an app built for that inclusion. Routers are module globals shared by
    every app made, so a route checked before is checked afresh, not twice."""
    skip = set(unchecked)
    for context in iter_route_contexts(app.router.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path in skip:
            continue
        handle: Handle = route.handle
        if isinstance(handle, ParameterCheck):
            handle = handle.handle
        names = documented_names(context.dependant, context.openapi_extra)
        route.handle = ParameterCheck(handle, names, route.methods or set())  # type: ignore[method-assign]
    _document(app)


def _document(app: FastAPI) -> None:
    """The OpenAPI document states the rule: an optional query parameter may be sent empty
    (`allowEmptyValue`, which Swagger UI offers as a box to tick and schema-driven tools take
    as valid), and every operation may answer 422 (a parameter it does not take)."""
    build = app.openapi
    refused = {
        "description": PROBLEMS[422],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }

    def openapi() -> dict[str, Any]:
        schema = build()  # built once, then cached: marking it again changes nothing
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.setdefault("responses", {}).setdefault("422", refused)
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "query" and not parameter.get("required"):
                        parameter["allowEmptyValue"] = True
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
