"""The canned-reply REST endpoints (``/api/canned-replies``) as typed calls, for the dialog that
manages them. No Qt: the dialog runs these through the TaskRunner. Inputs are the shared
schemas (checked before anything is sent); answers are parsed into ``CannedReplyOut``."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import TypeAdapter, ValidationError

from desktop.net.api import ApiClient, ApiError
from ticketing.canned_reply_schemas import CannedReplyCreate, CannedReplyOut, CannedReplyPatch

_PATH = "/api/canned-replies"
_LIST = TypeAdapter(list[CannedReplyOut])


def _parsed(body: Any) -> CannedReplyOut:
    try:
        return CannedReplyOut.model_validate(body)
    except ValidationError as error:
        raise ApiError(200, "bad_response", f"Unexpected answer from the server: {error}") from error


class CannedRepliesClient:
    """Calls over one logged-in :class:`ApiClient` (thread-safe like it)."""

    def __init__(self, api: ApiClient) -> None:
        self._api = api

    def list(self) -> list[CannedReplyOut]:
        try:
            return _LIST.validate_python(self._api.request("GET", _PATH))
        except ValidationError as error:
            raise ApiError(200, "bad_response", f"Unexpected answer from the server: {error}") from error

    def create(self, data: CannedReplyCreate) -> CannedReplyOut:
        return _parsed(self._api.request("POST", _PATH, data.model_dump(mode="json", exclude_none=True)))

    def update(self, reply_id: uuid.UUID | str, patch: CannedReplyPatch) -> CannedReplyOut:
        body = patch.model_dump(mode="json", exclude_unset=True)
        return _parsed(self._api.request("PATCH", f"{_PATH}/{reply_id}", body))

    def delete(self, reply_id: uuid.UUID | str) -> None:
        self._api.request("DELETE", f"{_PATH}/{reply_id}")
