"""The admin REST endpoints as typed calls: users, categories, priorities, server settings,
the audit log and service levels (calendars, policies, a country's holidays).

No Qt: the admin console runs these through the :class:`~desktop.tasks.TaskRunner`, so each
call blocks a pool thread, never the UI. Inputs are validated with the shared schemas before
anything is sent, and answers are parsed into the same schemas the server answers with.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel, TypeAdapter, ValidationError

from desktop.net.api import ApiClient, ApiError
from ticketing.schemas import (
    AuditPage,
    AuditQuery,
    CategoryCreate,
    CategoryOut,
    CategoryPatch,
    PriorityCreate,
    PriorityOut,
    PriorityPatch,
    ServerSettings,
    SettingsPatch,
    SmtpTestIn,
    SmtpTestOut,
    UserCreate,
    UserOut,
    UserPatch,
)
from ticketing.sla_schemas import (
    CalendarCreate,
    CalendarOut,
    CalendarPatch,
    HolidaysOut,
    HolidaysQuery,
    PolicyCreate,
    PolicyOut,
    PolicyPatch,
)

ModelT = TypeVar("ModelT", bound=BaseModel)


def _parse(model: type[ModelT], body: Any) -> ModelT:
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise ApiError(200, "bad_response", f"Unexpected answer from the server: {error}") from error


def _parse_list(model: type[ModelT], body: Any) -> list[ModelT]:
    try:
        return TypeAdapter(list[model]).validate_python(body)  # type: ignore[valid-type]
    except ValidationError as error:
        raise ApiError(200, "bad_response", f"Unexpected answer from the server: {error}") from error


def _body(data: BaseModel) -> dict[str, Any]:
    """Only the fields the caller set: a PATCH changes exactly those."""
    return data.model_dump(mode="json", exclude_unset=True)


class AdminClient:
    """Admin calls over one logged-in :class:`ApiClient` (thread-safe like it)."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    # --- users --------------------------------------------------------------------------------

    def users(self) -> list[UserOut]:
        return _parse_list(UserOut, self.api.request("GET", "/api/users"))

    def create_user(self, data: UserCreate) -> UserOut:
        return _parse(UserOut, self.api.request("POST", "/api/users", _body(data)))

    def update_user(self, user_id: uuid.UUID, patch: UserPatch) -> UserOut:
        return _parse(UserOut, self.api.request("PATCH", f"/api/users/{user_id}", _body(patch)))

    # --- categories and priorities ------------------------------------------------------------

    def categories(self) -> list[CategoryOut]:
        body = self.api.request("GET", "/api/categories?include_inactive=true")
        return _parse_list(CategoryOut, body)

    def create_category(self, data: CategoryCreate) -> CategoryOut:
        return _parse(CategoryOut, self.api.request("POST", "/api/categories", _body(data)))

    def update_category(self, category_id: uuid.UUID, patch: CategoryPatch) -> CategoryOut:
        body = self.api.request("PATCH", f"/api/categories/{category_id}", _body(patch))
        return _parse(CategoryOut, body)

    def priorities(self) -> list[PriorityOut]:
        body = self.api.request("GET", "/api/priorities?include_inactive=true")
        return _parse_list(PriorityOut, body)

    def create_priority(self, data: PriorityCreate) -> PriorityOut:
        return _parse(PriorityOut, self.api.request("POST", "/api/priorities", _body(data)))

    def update_priority(self, priority_id: uuid.UUID, patch: PriorityPatch) -> PriorityOut:
        body = self.api.request("PATCH", f"/api/priorities/{priority_id}", _body(patch))
        return _parse(PriorityOut, body)

    # --- settings -----------------------------------------------------------------------------

    def settings(self) -> ServerSettings:
        return _parse(ServerSettings, self.api.request("GET", "/api/settings"))

    def update_settings(self, patch: SettingsPatch) -> ServerSettings:
        return _parse(ServerSettings, self.api.request("PATCH", "/api/settings", _body(patch)))

    def test_smtp(self, body: SmtpTestIn) -> SmtpTestOut:
        """Have the server send a test mail and say what the SMTP server answered."""
        return _parse(SmtpTestOut, self.api.request("POST", "/api/settings/smtp/test", _body(body)))

    # --- audit log ----------------------------------------------------------------------------

    def audit(self, query: AuditQuery) -> AuditPage:
        """One page of the admin audit log, newest first."""
        params = urlencode(query.model_dump(mode="json", exclude_none=True), doseq=True)
        return _parse(AuditPage, self.api.request("GET", f"/api/admin/audit?{params}"))

    # --- service levels -----------------------------------------------------------------------

    def calendars(self) -> list[CalendarOut]:
        return _parse_list(CalendarOut, self.api.request("GET", "/api/sla/calendars"))

    def create_calendar(self, data: CalendarCreate) -> CalendarOut:
        return _parse(CalendarOut, self.api.request("POST", "/api/sla/calendars", _body(data)))

    def update_calendar(self, calendar_id: uuid.UUID, patch: CalendarPatch) -> CalendarOut:
        body = self.api.request("PATCH", f"/api/sla/calendars/{calendar_id}", _body(patch))
        return _parse(CalendarOut, body)

    def holidays(self, query: HolidaysQuery) -> HolidaysOut:
        """A country's public holidays of one year, to load into a calendar."""
        params = urlencode(query.model_dump(mode="json", exclude_none=True))
        return _parse(HolidaysOut, self.api.request("GET", f"/api/sla/holidays?{params}"))

    def policies(self) -> list[PolicyOut]:
        return _parse_list(PolicyOut, self.api.request("GET", "/api/sla/policies"))

    def create_policy(self, data: PolicyCreate) -> PolicyOut:
        return _parse(PolicyOut, self.api.request("POST", "/api/sla/policies", _body(data)))

    def update_policy(self, policy_id: uuid.UUID, patch: PolicyPatch) -> PolicyOut:
        body = self.api.request("PATCH", f"/api/sla/policies/{policy_id}", _body(patch))
        return _parse(PolicyOut, body)

    def reorder_policies(self, order: list[PolicyOut]) -> list[PolicyOut]:
        """Positions 10, 20, ... in ``order`` (only the policies that move are changed); the
        policies as the server then lists them."""
        for index, policy in enumerate(order):
            position = (index + 1) * 10
            if policy.position != position:
                self.update_policy(policy.id, PolicyPatch(position=position))
        return self.policies()
