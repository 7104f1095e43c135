"""Who is asking: the account behind a request and what it subscribes to."""

from __future__ import annotations

from dataclasses import dataclass

from sync_server.db.models import User
from ticketing.domain import AgentVisibility, Role
from ticketing.visibility import subscriptions
from ticketing.workflow import Actor


@dataclass(frozen=True)
class Principal:
    user: User
    agent_visibility: AgentVisibility

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    @property
    def actor(self) -> Actor:
        return Actor(id=self.user.id, role=self.role)

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def buckets(self) -> frozenset[str]:
        return subscriptions(self.role, self.user.id, self.agent_visibility)
