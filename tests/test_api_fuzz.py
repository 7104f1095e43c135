"""Property-based requests against every operation of the live app's OpenAPI schema.

Schemathesis generates requests for each operation in its three phases (the schema's
examples, boundary "coverage" cases, and valid and invalid fuzzing), with path parameters both
generated and pointing at real rows, sent as an admin and, separately, as a plain user. No
answer may be a 5xx, and every 4xx must be the API's JSON error body.

Each operation's test is built with the function schemathesis' own pytest plugin uses
(``build_operation_test``): the plugin itself does not run under pytest 9.2 (it writes
``node._nodeid``), and ``as_strategy`` alone would skip the coverage phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from sqlalchemy import Engine

from sync_server.app import create_app
from tests.api_helpers import Account, login, submit
from ticketing.domain import Role
from ticketing.schemas import ApiError

#: Fuzzing examples per operation (the coverage phase adds its boundary cases on top); the
#: module stays under two minutes.
FUZZ_SETTINGS = settings(
    max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
#: Operations a plain user is refused outright (tests/test_api_permissions.py); fuzzed as admin.
ADMIN_ONLY = frozenset(
    {
        "GET /api/users",
        "POST /api/users",
        "GET /api/users/{user_id}",
        "PATCH /api/users/{user_id}",
        "GET /api/staff",
        "POST /api/categories",
        "PATCH /api/categories/{category_id}",
        "POST /api/priorities",
        "PATCH /api/priorities/{priority_id}",
        "GET /api/settings",
        "PATCH /api/settings",
    }
)


@dataclass
class Target:
    """The app, the account requests are sent as, and real ids for path parameters."""

    app: Any
    caller: Account
    real_paths: dict[str, str]


def _build(engine: Engine, identity: str) -> Target:
    app = create_app(engine)
    client = TestClient(app)
    admin = login(client, engine, "ada@example.com", Role.ADMIN, "Ada Admin")
    agent = login(client, engine, "alice@example.com", Role.AGENT, "Alice Agent")
    user = login(client, engine, "uma@example.com", Role.USER, "Uma User")
    # the fuzzer sends thousands of requests: limits high enough that it tests the endpoints
    generous = {"tickets_per_hour": 100_000, "comments_per_minute": 100_000, "uploads_per_minute": 100_000}
    assert admin.patch("/api/settings", json={"rate_limits": generous}).status_code == 200
    first = submit(user, "Laptop will not boot")
    submit(user, "Printer jams")
    key = first["number"]
    assert admin.patch(f"/api/tickets/{key}", json={"assignee_id": agent.id}).status_code == 200
    assert agent.post(f"/api/tickets/{key}/comments", json={"content": "Which model?"}).status_code == 201
    note = {"content": "dead", "is_internal": True}
    assert agent.post(f"/api/tickets/{key}/comments", json=note).status_code == 201
    real_paths = {
        "key": key,
        # never the caller's own id: a password reset there would end the session under test
        "user_id": user.id if identity == "admin" else admin.id,
        "category_id": first["category_id"],
        "priority_id": next(p["id"] for p in admin.get("/api/priorities").json() if p["key"] == "Low"),
    }
    return Target(app, admin if identity == "admin" else user, real_paths)


def _load_schema(target: Target) -> Any:
    api = schemathesis.openapi.from_asgi("/openapi.json", target.app)

    @api.hook
    def before_generate_path_parameters(context: Any, strategy: st.SearchStrategy[Any]) -> Any:
        """Some requests name real rows, so that the deep paths run, not only 'not found'."""
        names = [name for name in target.real_paths if "{" + name + "}" in context.operation.path]
        if not names:
            return strategy
        return st.one_of(strategy, st.just({name: target.real_paths[name] for name in names}))

    return api


def _assert_json_error(case: Any, response: Any) -> None:
    if not 400 <= response.status_code < 500:
        return
    where = f"{case.operation.label} -> {response.status_code}: {response.text[:300]}"
    content_type = response.headers.get("content-type") or [""]
    assert content_type[0].startswith("application/json"), where
    body = response.json()
    assert isinstance(body, dict), where
    assert isinstance(body.get("error"), str) and body["error"], where
    assert isinstance(body.get("detail"), str), where
    assert set(body) <= set(ApiError.model_fields), where


@pytest.mark.slow
@pytest.mark.parametrize("identity", ["admin", "user"])
def test_no_operation_answers_with_a_server_error(engine: Engine, identity: str) -> None:
    target = _build(engine, identity)
    api = _load_schema(target)
    headers = target.caller.headers
    statuses: dict[str, list[int]] = {}

    def check(case: Any) -> None:
        response = case.call(headers=headers)
        statuses.setdefault(case.operation.label, []).append(response.status_code)
        case.validate_response(response, checks=[not_a_server_error], headers=headers)
        _assert_json_error(case, response)

    failures: list[str] = []
    for result in api.get_all_operations():
        operation = result.ok()
        if identity == "user" and operation.label in ADMIN_ONLY:
            continue
        test = build_operation_test(
            config=api.config,
            operation=operation,
            test_func=check,
            given_kwargs={},
            feedback=FeedbackSources(),
            explicit_settings=FUZZ_SETTINGS,
        )
        try:
            test()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}:\n{exc}")
    assert not failures, "\n\n".join(failures)

    # every router was reached, and requests got past validation into the services
    assert len(statuses) >= (28 if identity == "admin" else 17), sorted(statuses)
    assert 200 in statuses["GET /api/tickets/{key}"]
    assert 200 in statuses["PATCH /api/tickets/{key}"]
    assert 201 in statuses["POST /api/tickets/{key}/comments"]
    # the run did not end its own session (which would have hidden everything after it)
    assert target.caller.get("/api/me").status_code == 200
