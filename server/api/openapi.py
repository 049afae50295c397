"""/openapi.json lists every status an operation can answer, each error in API.md's shape.

FastAPI documents the success and a 422 of its own shape. The rest follows from how a route is
built, so it is worked out here rather than repeated on every route: a body can be unreadable
(400), too large (413) or invalid (422); a path names a row that may not exist (404); a caller
may be signed out or not allowed (401, 403); any write may meet a frozen event, a stale version
or a taken slug (409). What only a route knows (429 on sign-in, 415 on uploads, 200 for a
repeated `client_id`) it declares itself with `responses=errors(...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from server.api.deps import current_user, get_viewer

REASONS = {
    400: "Bad input: an unreadable body or a value this state cannot take",
    401: "Not signed in",
    403: "Not allowed (or a missing CSRF token on a cookie write)",
    404: "Not found",
    409: "Conflict: a frozen event, a stale version, a taken name",
    413: "The request body is too large",
    415: "Unsupported media type",
    422: "Validation failed; `error.details.errors` says where",
    429: "Rate limited; wait `Retry-After` seconds",
}
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorBody(BaseModel):
    """Every error: `{"error": {"code", "message", "details"?}}`."""

    error: ErrorDetail


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Statuses a route answers beyond those this module works out, for its `responses=`."""
    return {status: {"model": ErrorBody, "description": REASONS[status]} for status in statuses}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs"))
    components["ErrorBody"] = error_schema
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for route in _documented(app):
        for method in sorted(route.methods or ()):
            operation = schema["paths"][route.path_format].get(method.lower())
            if operation is not None:
                _add_errors(operation["responses"], route)
    return schema


def _documented(app: FastAPI) -> Iterator[APIRoute]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            yield route


def _add_errors(responses: dict[str, Any], route: APIRoute) -> None:
    for status in sorted(statuses_of(route)):
        responses[str(status)] = {
            "description": REASONS[status],
            "content": {"application/json": {"schema": ERROR_REF}},
        }
        if status == 429:
            responses["429"]["headers"] = {
                "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}
            }


def statuses_of(route: APIRoute) -> set[int]:
    """The error statuses one route can answer."""
    declared = {int(s) for s in route.responses if int(s) in REASONS}
    params = _params(route.dependant)
    statuses = declared | ({422} if params or route.body_field else set())
    if route.body_field is not None:
        statuses |= {400, 413}
    if route.dependant.path_params or any(d.path_params for d in _tree(route.dependant)):
        statuses.add(404)
    calls = {d.call for d in _tree(route.dependant)}
    if calls & _WHO_IS_ASKING:
        statuses |= {401, 403}
    if set(route.methods or ()) & WRITES:
        statuses.add(409)
    return statuses


_WHO_IS_ASKING: set[Callable[..., Any] | None] = {current_user, get_viewer}


def _tree(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _tree(sub)


def _params(dependant: Dependant) -> bool:
    return any(
        d.path_params or d.query_params or d.header_params or d.cookie_params or d.body_params
        for d in (dependant, *_tree(dependant))
    )
