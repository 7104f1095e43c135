"""The HTTP contract every operation shares, kept in one place rather than on each route.

- :func:`document_errors` writes into each operation's OpenAPI entry the error answers it can
  give, derived from what the route is built of: every request can be unparsable (400), invalid
  (422), of an unsupported protocol (426) or meet a database that is away (503); a route that
  needs a caller can answer 401, one for staff or admins 403, one with a path parameter 404, one
  behind a rate limit 429. Codes particular to a route (409, 413, a 403 from a service rule)
  stay on the route, with :func:`sync_server.api.deps.errors`.
- :func:`install_method_handling` answers a method a path does not have with 405 and an
  ``Allow`` header naming the methods it has (all routes of the path, not only the first), and
  answers ``OPTIONS`` on any path with 204 and the same ``Allow``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync_server.api import caller_cache, deps
from sync_server.api.limits import RATE_LIMITED, RATE_LIMITED_DEPENDENCY

#: Answers any operation can give, whatever it is built of.
_EVERY_OPERATION = (400, 422, 426, 503)
_NEEDS_CALLER = {deps.get_caller, deps.get_short_caller, caller_cache.get_sync_caller}
_NEEDS_ROLE = {deps.get_staff, deps.get_admin, deps.get_short_admin}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def document_errors(routes: Iterable[BaseRoute]) -> None:
    """Add the shared error answers to the ``responses`` of every API route in ``routes`` (a
    router's, before it is included); a route's own entry for a code is kept."""
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        calls = set(_calls(route.dependant))
        codes = list(_EVERY_OPERATION)
        if calls & _NEEDS_CALLER:
            codes.append(401)
        if calls & _NEEDS_ROLE:
            codes.append(403)
        if route.dependant.path_params:
            codes.append(404)
        for code, entry in deps.errors(*codes).items():
            route.responses.setdefault(code, entry)
        if any(getattr(call, "__name__", "") == RATE_LIMITED_DEPENDENCY for call in calls):
            for limited, entry in RATE_LIMITED.items():
                route.responses.setdefault(limited, entry)


_PARAMETER = re.compile(r"\{[^}/]+\}")


def _path_pattern(template: str) -> re.Pattern[str]:
    """``/api/tickets/{key}`` as a pattern matching ``/api/tickets/TKT-1001``."""
    parts = _PARAMETER.split(template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts) + "/?")


@dataclass(frozen=True)
class _PathMethods:
    pattern: re.Pattern[str]
    parameters: int
    methods: frozenset[str]


def _method_table(app: FastAPI) -> list[_PathMethods]:
    """Each path of the API (its OpenAPI paths and the plain routes such as ``/docs``) with its
    methods; built once per app."""
    table: list[_PathMethods] | None = getattr(app.state, "method_table", None)
    if table is None:
        table = [
            _PathMethods(
                _path_pattern(path),
                len(_PARAMETER.findall(path)),
                frozenset(method.upper() for method in operations),
            )
            for path, operations in app.openapi().get("paths", {}).items()
        ]
        table += [
            _PathMethods(route.path_regex, 0, frozenset(route.methods))
            for route in app.router.routes
            if isinstance(route, Route) and not isinstance(route, APIRoute) and route.methods
        ]
        app.state.method_table = table
    return table


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods ``path`` has, with HEAD beside GET and OPTIONS, or [] when it does not exist.
    The most literal template wins: ``/api/blobs/uploads`` is not ``/api/blobs/{sha256}``."""
    matching = [entry for entry in _method_table(app) if entry.pattern.fullmatch(path)]
    if not matching:
        return []
    fewest = min(entry.parameters for entry in matching)
    methods = {method for entry in matching if entry.parameters == fewest for method in entry.methods}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods | {"OPTIONS"})


def install_method_handling(app: FastAPI, not_found: Callable[[str], Response]) -> None:
    """``OPTIONS`` on any path: 204 with ``Allow``, or ``not_found`` for a path that does not
    exist. (405 answers get their ``Allow`` in the app's HTTP error handler.)"""

    @app.options("/{path:path}", include_in_schema=False, status_code=204)
    def options(request: Request, path: str) -> Response:
        methods = allowed_methods(app, request.url.path)
        if not methods:
            return not_found(f"No such path: /{path}")
        return Response(status_code=204, headers={"Allow": ", ".join(methods)})
