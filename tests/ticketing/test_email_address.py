"""Email addresses on any domain, internal ones included, and clear refusals of malformed ones."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sync_server.app import create_app
from tests.helpers.api import assert_error, login
from ticketing.domain import Role
from ticketing.email_address import normalized_address


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("ann@corp.local", "ann@corp.local"),
        ("bob@it.internal", "bob@it.internal"),
        ("tester@example.test", "tester@example.test"),
        ("root@localhost", "root@localhost"),
        ("Ann.Lee@Corp.Example.COM", "Ann.Lee@corp.example.com"),
        ("jörg@bücher.de", "jörg@bücher.de"),
        ("ann@Corp.LOCAL", "ann@corp.local"),
        ("ann@" + ("a" * 63 + ".") * 3 + "a" * 57, "ann@" + ("a" * 63 + ".") * 3 + "a" * 57),
    ],
)
def test_valid_addresses_on_any_domain_are_accepted(typed: str, kept: str) -> None:
    assert normalized_address(typed) == kept


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("no-at-sign", "needs a name, an @ and a domain"),
        ("@corp.local", "needs a name"),
        ("ann@", "needs a name, an @ and a domain"),
        ("ann lee@corp.local", "invalid characters before the @-sign"),
        ("ann@corp..local", "period"),
        ("ann@-corp.local", "hyphen"),
        ("ann@corp_x.local", "invalid characters"),
        ("ann@" + "x" * 64 + ".local", "periods cannot be separated by so many characters"),
        ("a" * 250 + "@corp.local", "too long"),
    ],
)
def test_malformed_addresses_are_refused_with_the_reason(typed: str, says: str) -> None:
    with pytest.raises(ValueError, match=says) as refused:
        normalized_address(typed)
    assert "special-use" not in str(refused.value)


def test_an_admin_creates_accounts_on_internal_domains(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    admin = login(client, engine, "ada@corp.local", Role.ADMIN)
    body = {"email": "Bob@IT.internal", "name": "Bob", "role": "agent", "password": "long enough 1"}
    created = admin.post("/api/users", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["email"] == "bob@it.internal"
    bob = client.post("/api/auth/login", json={"email": "bob@it.internal", "password": "long enough 1"})
    assert bob.status_code == 200
    malformed = admin.post("/api/users", json={**body, "email": "bob at it.internal"})
    refusal = assert_error(malformed, 422, "validation_error")
    assert "email" in refusal["detail"]
