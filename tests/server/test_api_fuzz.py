"""Property-based requests against every operation of the live app's OpenAPI schema, with every
check schemathesis has.

Schemathesis generates requests for each operation in its three phases (the schema's examples,
boundary "coverage" cases, and valid and invalid fuzzing), with path parameters both generated
and pointing at real rows, sent as an admin, an agent and a plain user; then its stateful phase
follows the links between operations. Every answer must keep to the schema: no 5xx, a documented
status with a body of the documented shape and content type, 405 with ``Allow`` for an undeclared
method, valid data accepted and invalid data refused; and every 4xx must be the API's JSON error.
The few places where the API answers by design with a status schemathesis does not expect are
listed in :data:`EXCEPTIONS`, each with its reason.

Each operation's test is built with the function schemathesis' own pytest plugin uses
(``build_operation_test``): the plugin itself does not run under pytest 9.2 (it writes
``node._nodeid``), and ``as_strategy`` alone would skip the coverage phase.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from schemathesis.engine.run import PhaseName
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from sqlalchemy import Engine

from sync_server.app import create_app
from tests.helpers.api import Account, login, submit
from ticketing.domain import Role
from ticketing.schemas import ApiError

#: Fuzzing examples per operation (the coverage phase adds its boundary cases on top); the
#: module stays within a few minutes.
FUZZ_SETTINGS = settings(
    max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
#: Stateful scenarios (chains of linked operations) per identity, and steps per scenario.
STATEFUL_SCENARIOS, STATEFUL_STEPS = 40, 6

#: Operations no fuzzer may call, and why.
NEVER_FUZZED: dict[str, str] = {
    "POST /api/settings/smtp/test": "it connects to the SMTP host the request names, and generated"
    " hosts would be real addresses; tests/server/test_mail_sender.py drives it against SMTP servers on"
    " loopback instead",
    "GET /api/sync/events": "a live stream that never ends by itself (a fuzzer's call would wait"
    " forever); tests/server/test_live_events.py drives it against real server processes instead",
}

_NEGATIVE_DEFAULT = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]
_POSITIVE_DEFAULT = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

#: (operation, check, extra statuses, why). Each is an answer the API gives by design that the
#: schema cannot express; nothing else is excused.
EXCEPTIONS: list[tuple[str, str, list[str], str]] = [
    (
        "POST /api/sync/pull",
        "negative_data_rejection",
        ["426"],
        "a protocol version outside the supported range is refused with 426 Upgrade Required, as the"
        " sync protocol says, so that the app can tell the user which side to update",
    ),
    (
        "POST /api/sync/push",
        "negative_data_rejection",
        ["426"],
        "the same protocol rule as pull",
    ),
    *(
        (
            operation,
            "positive_data_acceptance",
            ["422"],
            "rich text whose markup sanitizes to nothing (`<Wv...`, a lone tag) is refused as empty;"
            " the schema can say 'not only white space' but not what an HTML sanitizer keeps",
        )
        for operation in (
            "POST /api/tickets",
            "PATCH /api/tickets/{key}",
            "POST /api/tickets/{key}/comments",
            "POST /api/kb/articles",
            "PATCH /api/kb/articles/{article_id}",
            "POST /api/canned-replies",
            "PATCH /api/canned-replies/{reply_id}",
        )
    ),
    *(
        (
            f"GET /api/reports/{report}",
            "positive_data_acceptance",
            ["422"],
            "a range is refused when 'from' is after 'to', or too long (for a daily series): each"
            " date is valid alone, and the schema cannot compare two parameters",
        )
        for report in ("volume", "backlog", "resolution", "agents", "categories", "deflection", "sla")
    ),
    (
        "GET /api/search",
        "positive_data_acceptance",
        ["422"],
        "filters inside q take known values only (status:nonsense, priority:<no such key>, assignee:"
        "<not me>), and a cursor must be one a previous page gave: both are text the schema cannot"
        " tell apart from valid text",
    ),
    (
        "PATCH /api/settings",
        "positive_data_acceptance",
        ["422"],
        "the reports' time zone must be one the zone database knows (Europe/Berlin); the schema can"
        " only state the characters of a zone name",
    ),
    *(
        (
            operation,
            "positive_data_acceptance",
            ["422"],
            "a business calendar's ranges must not overlap and its time zone must be one the zone"
            " database knows (Europe/Berlin); the schema states each time and a zone name's"
            " characters, but cannot compare two ranges or know the zone database",
        )
        for operation in ("POST /api/sla/calendars", "PATCH /api/sla/calendars/{calendar_id}")
    ),
    *(
        (
            operation,
            "positive_data_acceptance",
            ["422"],
            "the agent a policy's breached tickets go to (breach_actions.reassign_to) must be an"
            " active agent or admin: any id fits the schema; and a policy needs at least one of its"
            " three targets, each of which alone may be null",
        )
        for operation in ("POST /api/sla/policies", "PATCH /api/sla/policies/{policy_id}")
    ),
    (
        "GET /api/sla/holidays",
        "positive_data_acceptance",
        ["422"],
        "the country and subdivision must be ones the holidays package knows (DE, BY); the schema"
        " states a code's letters only",
    ),
    (
        "POST /api/blobs/uploads",
        "positive_data_acceptance",
        ["413"],
        "the largest file is an admin setting (25 MB by default), which the schema cannot state",
    ),
    (
        "PUT /api/blobs/uploads/{upload_id}",
        "positive_data_acceptance",
        ["413", "422"],
        "the bytes must fit the size and match the SHA-256 announced when the upload started, and"
        " pass the file checks (kind, malware): 413 or 422 otherwise; the schema cannot know them",
    ),
]


def _config(headers: dict[str, str], *, stateful_only: bool = False) -> SchemathesisConfig:
    operations = [
        {
            "include-name": operation,
            "checks": {
                check: {
                    "expected-statuses": (
                        _NEGATIVE_DEFAULT if check == "negative_data_rejection" else _POSITIVE_DEFAULT
                    )
                    + extra
                }
            },
        }
        for operation, check, extra, _why in EXCEPTIONS
    ]
    operations += [{"include-name": operation, "enabled": False} for operation in NEVER_FUZZED]
    # the caller's token as the run's own headers, so that a case meant to lack it does
    config: dict[str, Any] = {"headers": headers, "operations": operations}
    if stateful_only:
        off = {"enabled": False}
        config["phases"] = {
            "examples": off,
            "coverage": off,
            "fuzzing": off,
            "stateful": {"enabled": True, "max-steps": STATEFUL_STEPS},
        }
        config["generation"] = {"max-examples": STATEFUL_SCENARIOS}
    return SchemathesisConfig.from_dict(config)


#: Operations a plain user is refused outright (tests/server/test_api_permissions.py); fuzzed as admin.
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
        "GET /api/reports/volume",
        "GET /api/reports/backlog",
        "GET /api/reports/resolution",
        "GET /api/reports/agents",
        "GET /api/reports/categories",
        "GET /api/reports/deflection",
        "GET /api/reports/sla",
        "POST /api/sla/calendars",
        "PATCH /api/sla/calendars/{calendar_id}",
        "POST /api/sla/policies",
        "PATCH /api/sla/policies/{policy_id}",
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
    article = admin.post(
        "/api/kb/articles", json={"title": "Reboot", "body": "<p>x</p>", "status": "published"}
    )
    assert article.status_code == 201, article.text
    canned = admin.post("/api/canned-replies", json={"title": "Hello", "body": "<p>Hi</p>", "scope": "team"})
    assert canned.status_code == 201, canned.text
    real_paths = {
        "key": key,
        "ticket_key": key,
        "article_id": article.json()["id"],
        "reply_id": canned.json()["id"],  # the team's: an agent reads and uses it, may not change it
        # never the caller's own id: a password reset there would end the session under test
        "user_id": user.id if identity == "admin" else admin.id,
        "category_id": first["category_id"],
        "ticket_id": first["id"],  # for request bodies (presence names its ticket there)
        "priority": first["priority"],  # a key, for request bodies (no path names it)
        "priority_id": next(p["id"] for p in admin.get("/api/priorities").json() if p["key"] == "Low"),
    }
    caller = {"admin": admin, "agent": agent, "user": user}[identity]
    return Target(app, caller, real_paths)


def _load_schema(target: Target, *, stateful_only: bool = False) -> Any:
    config = _config(target.caller.headers, stateful_only=stateful_only)
    api = schemathesis.openapi.from_asgi("/openapi.json", target.app, config=config)

    @api.hook
    def before_generate_path_parameters(context: Any, strategy: st.SearchStrategy[Any]) -> Any:
        """Some requests name real rows, so that the deep paths run, not only 'not found'."""
        names = [name for name in target.real_paths if "{" + name + "}" in context.operation.path]
        if not names:
            return strategy
        return st.one_of(strategy, st.just({name: target.real_paths[name] for name in names}))

    @api.hook
    def map_case(context: Any, case: Any) -> Any:
        """Never the caller's own account, even through a link from `GET /api/me`: a password
        reset there ends the session under test. A link from a field that may be null (an
        article's `category_id`) names a real row instead of the path `/None`, which is rightly a
        422 but would count as a valid request refused."""
        path = case.path_parameters or {}
        nulls = {
            name: target.real_paths[name]
            for name, value in path.items()
            if value in (None, "None") and name in target.real_paths
        }
        if nulls:
            path = case.path_parameters = {**path, **nulls}
        if case.operation.label == "PATCH /api/users/{user_id}" and path.get("user_id") == target.caller.id:
            case.path_parameters = {**path, "user_id": target.real_paths["user_id"]}
        return case

    @api.hook
    def before_generate_body(context: Any, strategy: st.SearchStrategy[Any]) -> Any:
        """Some new tickets name a real category and priority (valid values stay valid), so they
        get created: a random priority key is nearly always unknown (409), which left creation
        succeeding only when the generator happened to leave the priority out. Likewise some
        presence announcements name a real ticket, so that they get past "not found"."""

        def with_real_category(body: Any, real: bool) -> Any:
            if real and isinstance(body, dict) and _is_uuid(body.get("category_id")):
                priority = {"priority": target.real_paths["priority"]} if "priority" in body else {}
                return {**body, "category_id": target.real_paths["category_id"], **priority}
            if real and isinstance(body, dict) and _is_uuid(body.get("ticket_id")):
                return {**body, "ticket_id": target.real_paths["ticket_id"]}  # a presence that is sent
            return body

        return st.tuples(strategy, st.booleans()).map(lambda drawn: with_real_category(*drawn))

    return api


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


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


#: Operations a plain user is refused outright besides those: writing the knowledge base.
STAFF_ONLY = frozenset(
    {
        "POST /api/kb/articles",
        "PATCH /api/kb/articles/{article_id}",
        "POST /api/kb/articles/from-ticket/{ticket_key}",
        "POST /api/presence",
        "GET /api/sla/calendars",
        "GET /api/sla/policies",
        "GET /api/sla/holidays",
        "GET /api/canned-replies",
        "POST /api/canned-replies",
        "PATCH /api/canned-replies/{reply_id}",
        "DELETE /api/canned-replies/{reply_id}",
        "POST /api/canned-replies/{reply_id}/use",
    }
)
#: Operations an identity is refused outright (tests/server/test_api_permissions.py): fuzzed as admin.
REFUSED = {"admin": frozenset(), "agent": ADMIN_ONLY, "user": ADMIN_ONLY | STAFF_ONLY}
#: Operations each identity must reach with a success, so that the run is known to get past
#: authentication and validation into the services.
MUST_SUCCEED = {
    "admin": [
        "GET /api/tickets/{key}",
        "PATCH /api/tickets/{key}",
        "POST /api/tickets/{key}/comments",
        "POST /api/presence",
    ],
    "agent": [
        "GET /api/tickets/{key}",
        "PATCH /api/tickets/{key}",
        "POST /api/tickets/{key}/comments",
        "POST /api/presence",
    ],
    "user": ["GET /api/tickets/{key}", "POST /api/tickets", "POST /api/tickets/{key}/comments"],
}


@pytest.mark.slow
@pytest.mark.parametrize("identity", ["admin", "agent", "user"])
def test_every_operation_keeps_its_contract(engine: Engine, identity: str) -> None:
    target = _build(engine, identity)
    api = _load_schema(target)
    statuses: dict[str, list[int]] = {}

    def check(case: Any) -> None:
        response = case.call()
        statuses.setdefault(case.operation.label, []).append(response.status_code)
        case.validate_response(response)  # every check schemathesis has
        _assert_json_error(case, response)

    failures: list[str] = []
    for result in api.get_all_operations():
        operation = result.ok()
        if operation.label in REFUSED[identity] or operation.label in NEVER_FUZZED:
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
    assert len(statuses) >= {"admin": 30, "agent": 21, "user": 21}[identity], sorted(statuses)
    for label in MUST_SUCCEED[identity]:
        assert any(200 <= status < 300 for status in statuses[label]), (label, statuses[label])
    # the run did not end its own session (which would have hidden everything after it)
    assert target.caller.get("/api/me").status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize("identity", ["admin", "agent", "user"])
def test_linked_operations_keep_their_contract(engine: Engine, identity: str) -> None:
    """The stateful phase, run by schemathesis' own engine (as its command line does, which
    restarts a scenario the server's changing state made irreproducible): chains such as create
    a ticket, then read, patch and comment on it, with every check on every step. A run whose
    random scenarios happened to follow no link is run again, up to three times."""
    target = _build(engine, identity)
    api = _load_schema(target, stateful_only=True)
    runs = []
    for _attempt in range(3):
        run = _stateful_run(api)
        runs.append(run)
        assert not run.failures, "\n".join(sorted(set(run.failures)))
        assert not [step for step in run.steps if step.rsplit(" -> ", 1)[0] in NEVER_FUZZED]
        if run.linked:
            break
    # links were followed: steps took their parameters from an earlier answer
    assert runs[-1].linked, [run.steps for run in runs]
    assert len(runs[-1].steps) >= 20, runs[-1].steps
    assert target.caller.get("/api/me").status_code == 200


@dataclass
class _StatefulRun:
    steps: list[str]
    linked: list[tuple[str, int | None]]
    failures: list[str]


def _answer(recorder: Any, case_id: str) -> str:
    interaction = recorder.interactions.get(case_id)
    if interaction is None or interaction.response is None:
        return "(no answer)"
    return f"-> {interaction.response.status_code} {interaction.response.content[:300]!r}"


def _stateful_run(api: Any) -> _StatefulRun:
    run = _StatefulRun([], [], [])
    for event in schemathesis.engine.from_schema(api).execute():
        if isinstance(event, events.ScenarioFinished) and event.phase is PhaseName.STATEFUL_TESTING:
            recorder = event.recorder
            for case_id, interaction in recorder.interactions.items():
                status = None if interaction.response is None else interaction.response.status_code
                node = recorder.cases.get(case_id)
                label = "?" if node is None else node.value.operation.label
                run.steps.append(f"{label} -> {status}")
                if node is not None and node.transition is not None:
                    run.linked.append((label, status))
            for case_id, checks in recorder.checks.items():
                label = recorder.cases[case_id].value.operation.label
                run.failures += [
                    f"{label}: {check.name}: {check.failure_info.failure.title}\n"
                    f"{check.failure_info.code_sample}\n{_answer(recorder, case_id)}"
                    for check in checks
                    if check.failure_info is not None
                ]
        elif isinstance(event, events.NonFatalError | events.FatalError):
            run.failures.append(f"error: {event}")
    return run


def test_the_exceptions_name_real_operations_and_checks(engine: Engine) -> None:
    target = _build(engine, "admin")
    api = schemathesis.openapi.from_asgi("/openapi.json", target.app)  # every operation
    labels = {result.ok().label for result in api.get_all_operations()}
    load_all_checks()
    assert set(NEVER_FUZZED) <= labels
    for operation, check, extra, why in EXCEPTIONS:
        assert operation in labels, operation
        assert check in CHECKS.get_all_names(), check
        assert extra and why
